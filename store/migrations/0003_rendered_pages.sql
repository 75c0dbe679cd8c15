-- 0003_rendered_pages: pages read in a headless browser. A rendered page's
-- hash is its DOM after its scripts ran (what the analyzer read); the HTML
-- the server sent is kept beside it as static_hash, so evidence seen only
-- after rendering can be told apart, and re-told by reanalyze. Like
-- pages.hash it names a row of blobs (blobs are never deleted); it is not
-- declared a foreign key so that the column stays droppable.
ALTER TABLE pages ADD COLUMN rendered INTEGER NOT NULL DEFAULT 0 CHECK (rendered IN (0, 1));
ALTER TABLE pages ADD COLUMN static_hash TEXT;
ALTER TABLE pages ADD COLUMN render_error TEXT NOT NULL DEFAULT '';
