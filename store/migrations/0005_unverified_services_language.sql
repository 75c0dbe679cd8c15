-- 0005_unverified_services_language: service links the crawl could not
-- check (its own DNS, connection, timeout or TLS failure; a 403/429 or a
-- firewall) are no longer dead services. They count by their words and
-- address and are listed here, apart from dead_services. Each assessment also
-- records the language of the site's pages and whether the catalogue covers
-- it. Rows written before this migration have language '' (unknown).
CREATE TABLE unverified_services (
	assessment_id INTEGER NOT NULL REFERENCES assessments (id),
	page_url      TEXT    NOT NULL,
	url           TEXT    NOT NULL,
	text          TEXT    NOT NULL DEFAULT '',
	reason        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX unverified_services_assessment ON unverified_services (assessment_id);

ALTER TABLE assessments ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE assessments ADD COLUMN language_covered INTEGER NOT NULL DEFAULT 0 CHECK (language_covered IN (0, 1));
