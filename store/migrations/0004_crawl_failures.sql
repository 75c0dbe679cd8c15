-- 0004_crawl_failures: a site that could not be crawled at all in a run (its
-- crawl or analysis crashed, or never finished, on every attempt a
-- distributed run allowed it) is recorded here with the reason, so the run
-- can finish without it. It is not an outcome of the site (a site that is
-- down is a crawl with its outcome); its crawls row stays 'pending'.
CREATE TABLE crawl_failures (
	run_id    INTEGER NOT NULL REFERENCES runs (id),
	target_id INTEGER NOT NULL REFERENCES targets (id),
	failed_at INTEGER NOT NULL,
	attempts  INTEGER NOT NULL,
	reason    TEXT    NOT NULL,
	PRIMARY KEY (run_id, target_id)
) WITHOUT ROWID;
