-- 0002_lighter_crawl_writes: drop the two indexes that no query of egovbench
-- or of docs/schema.md uses and that every crawl save had to update at
-- random places: pages_hash (one entry per page, keyed by a random hash) and
-- links_domain. In a WAL database each touched index page is written whole to
-- the WAL and again at the checkpoint; these two were about half of the pages
-- a re-crawl of one site wrote. Blobs are never deleted or re-keyed, so
-- pages.hash needs no index for its foreign key. A researcher who filters
-- many links by domain or pages by body hash can create an index in a copy.
DROP INDEX pages_hash;
DROP INDEX links_domain;
