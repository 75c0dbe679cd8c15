-- 0001_init: the whole first schema. Conventions (docs/schema.md):
-- every timestamp is INTEGER Unix milliseconds UTC, except UTC days kept as
-- TEXT 'YYYY-MM-DD' where the day is the natural key; every duration is
-- INTEGER microseconds (*_us). Migrations are append-only: never edit this
-- file once released, add 0002_... instead.

CREATE TABLE targets (
	id         INTEGER PRIMARY KEY,
	slug       TEXT    NOT NULL UNIQUE,
	name       TEXT    NOT NULL,
	url        TEXT    NOT NULL,
	level      TEXT    NOT NULL DEFAULT '',
	region     TEXT    NOT NULL DEFAULT '',
	parent     TEXT    NOT NULL DEFAULT '',
	country    TEXT    NOT NULL DEFAULT '',
	lang       TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	kind        TEXT    NOT NULL CHECK (kind IN ('crawl', 'probe', 'analyze')),
	status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'interrupted')),
	started_at  INTEGER NOT NULL,
	finished_at INTEGER,
	config      TEXT,
	source_run  INTEGER REFERENCES runs (id)
);
CREATE INDEX runs_kind_status ON runs (kind, status);

CREATE TABLE crawls (
	run_id        INTEGER NOT NULL REFERENCES runs (id),
	target_id     INTEGER NOT NULL REFERENCES targets (id),
	status        TEXT    NOT NULL CHECK (status IN ('pending', 'done')),
	started_at    INTEGER,
	finished_at   INTEGER,
	pages         INTEGER NOT NULL DEFAULT 0,
	bytes         INTEGER NOT NULL DEFAULT 0,
	robots_status INTEGER,
	sitemap_urls  INTEGER,
	redirects     TEXT,
	stopped       TEXT,
	outcome       TEXT,
	PRIMARY KEY (run_id, target_id)
) WITHOUT ROWID;

CREATE TABLE blobs (
	hash        TEXT    PRIMARY KEY,
	size        INTEGER NOT NULL,
	stored_size INTEGER NOT NULL,
	codec       TEXT    NOT NULL CHECK (codec IN ('zstd', 'identity')),
	data        BLOB    NOT NULL
);

CREATE TABLE pages (
	run_id       INTEGER NOT NULL REFERENCES runs (id),
	target_id    INTEGER NOT NULL REFERENCES targets (id),
	url          TEXT    NOT NULL,
	seq          INTEGER NOT NULL,
	final_url    TEXT    NOT NULL DEFAULT '',
	depth        INTEGER NOT NULL,
	is_check     INTEGER NOT NULL DEFAULT 0 CHECK (is_check IN (0, 1)),
	status       INTEGER NOT NULL DEFAULT 0,
	content_type TEXT    NOT NULL DEFAULT '',
	fetched_at   INTEGER NOT NULL,
	outcome      TEXT    NOT NULL,
	hash         TEXT    REFERENCES blobs (hash),
	truncated    INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
	error        TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, target_id, url)
) WITHOUT ROWID;
CREATE INDEX pages_hash ON pages (hash);

CREATE TABLE links (
	run_id    INTEGER NOT NULL REFERENCES runs (id),
	target_id INTEGER NOT NULL REFERENCES targets (id),
	from_url  TEXT    NOT NULL,
	to_url    TEXT    NOT NULL,
	domain    TEXT    NOT NULL,
	text      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX links_run_target ON links (run_id, target_id);
CREATE INDEX links_domain ON links (domain);

CREATE TABLE probe_urls (
	id  INTEGER PRIMARY KEY,
	url TEXT    NOT NULL UNIQUE
);

CREATE TABLE probes (
	id             INTEGER PRIMARY KEY,
	target_id      INTEGER NOT NULL REFERENCES targets (id),
	run_id         INTEGER REFERENCES runs (id),
	at             INTEGER NOT NULL,
	url_id         INTEGER NOT NULL REFERENCES probe_urls (id),
	outcome        TEXT    NOT NULL,
	http_status    INTEGER,
	dns_us         INTEGER,
	connect_us     INTEGER,
	tls_us         INTEGER,
	ttfb_us        INTEGER,
	total_us       INTEGER,
	bytes          INTEGER,
	final_url_id   INTEGER REFERENCES probe_urls (id),
	tls_valid      INTEGER NOT NULL DEFAULT 0 CHECK (tls_valid IN (0, 1)),
	tls_expiry     INTEGER,
	https_redirect INTEGER NOT NULL DEFAULT 0 CHECK (https_redirect IN (0, 1)),
	hsts           INTEGER NOT NULL DEFAULT 0 CHECK (hsts IN (0, 1)),
	error          TEXT
);
CREATE INDEX probes_target_at ON probes (target_id, at);
CREATE INDEX probes_run ON probes (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE probe_last (
	target_id INTEGER PRIMARY KEY REFERENCES targets (id),
	at        INTEGER NOT NULL,
	outcome   TEXT    NOT NULL
);

CREATE TABLE probe_hourly (
	target_id      INTEGER NOT NULL REFERENCES targets (id),
	hour           INTEGER NOT NULL,
	checks         INTEGER NOT NULL DEFAULT 0,
	successes      INTEGER NOT NULL DEFAULT 0,
	blocked        INTEGER NOT NULL DEFAULT 0,
	maintenance    INTEGER NOT NULL DEFAULT 0,
	up_us          INTEGER NOT NULL DEFAULT 0,
	down_us        INTEGER NOT NULL DEFAULT 0,
	latency_sum_us INTEGER NOT NULL DEFAULT 0,
	latency_min_us INTEGER,
	latency_max_us INTEGER,
	latency_p95_us INTEGER,
	latency_hist   BLOB,
	PRIMARY KEY (target_id, hour)
) WITHOUT ROWID;
CREATE INDEX probe_hourly_hour ON probe_hourly (hour);

CREATE TABLE probe_daily (
	target_id      INTEGER NOT NULL REFERENCES targets (id),
	day            TEXT    NOT NULL,
	checks         INTEGER NOT NULL DEFAULT 0,
	successes      INTEGER NOT NULL DEFAULT 0,
	blocked        INTEGER NOT NULL DEFAULT 0,
	maintenance    INTEGER NOT NULL DEFAULT 0,
	up_us          INTEGER NOT NULL DEFAULT 0,
	down_us        INTEGER NOT NULL DEFAULT 0,
	latency_sum_us INTEGER NOT NULL DEFAULT 0,
	latency_min_us INTEGER,
	latency_max_us INTEGER,
	latency_p95_us INTEGER,
	latency_hist   BLOB,
	PRIMARY KEY (target_id, day)
) WITHOUT ROWID;
CREATE INDEX probe_daily_day ON probe_daily (day);

CREATE TABLE outages (
	id         INTEGER PRIMARY KEY,
	target_id  INTEGER NOT NULL REFERENCES targets (id),
	started_at INTEGER NOT NULL,
	ended_at   INTEGER,
	cause      TEXT    NOT NULL
);
CREATE INDEX outages_target_started ON outages (target_id, started_at);
CREATE UNIQUE INDEX outages_open ON outages (target_id) WHERE ended_at IS NULL;

CREATE TABLE maintenance_windows (
	id        INTEGER PRIMARY KEY,
	target_id INTEGER REFERENCES targets (id),
	starts_at INTEGER NOT NULL,
	ends_at   INTEGER NOT NULL,
	note      TEXT    NOT NULL DEFAULT '',
	CHECK (ends_at > starts_at)
);

CREATE TABLE assessments (
	id                INTEGER PRIMARY KEY,
	run_id            INTEGER NOT NULL REFERENCES runs (id),
	target_id         INTEGER NOT NULL REFERENCES targets (id),
	assessed_at       INTEGER NOT NULL,
	catalogue_version TEXT    NOT NULL DEFAULT '',
	reachable         INTEGER NOT NULL CHECK (reachable IN (0, 1)),
	stage             TEXT    NOT NULL CHECK (stage IN ('none', 'presence', 'interaction', 'integration', 'transaction')),
	score             REAL    NOT NULL,
	confidence        REAL    NOT NULL,
	frameworks        TEXT,
	criterion_scores  TEXT,
	next_steps        TEXT,
	pages_analyzed    INTEGER NOT NULL DEFAULT 0,
	UNIQUE (run_id, target_id)
);
CREATE INDEX assessments_target_at ON assessments (target_id, assessed_at, id);

CREATE TABLE assessment_indicators (
	assessment_id INTEGER NOT NULL REFERENCES assessments (id),
	indicator_id  TEXT    NOT NULL,
	position      INTEGER NOT NULL,
	met           INTEGER NOT NULL CHECK (met IN (0, 1)),
	PRIMARY KEY (assessment_id, indicator_id)
) WITHOUT ROWID;

CREATE TABLE evidence (
	assessment_id INTEGER NOT NULL REFERENCES assessments (id),
	indicator_id  TEXT    NOT NULL,
	page_url      TEXT    NOT NULL,
	element       TEXT    NOT NULL DEFAULT '',
	text          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX evidence_assessment ON evidence (assessment_id, indicator_id);

CREATE TABLE dead_services (
	assessment_id INTEGER NOT NULL REFERENCES assessments (id),
	page_url      TEXT    NOT NULL,
	url           TEXT    NOT NULL,
	text          TEXT    NOT NULL DEFAULT '',
	reason        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX dead_services_assessment ON dead_services (assessment_id);

CREATE TABLE locks (
	name         TEXT    PRIMARY KEY,
	token        TEXT    NOT NULL,
	owner        TEXT    NOT NULL,
	pid          INTEGER NOT NULL,
	host         TEXT    NOT NULL,
	acquired_at  INTEGER NOT NULL,
	heartbeat_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);

-- Views for researchers: readable ISO 8601 UTC times, slugs instead of row ids.

-- One point per target and crawl: when a crawl was re-analysed, the newest
-- assessment of that crawl (highest id) replaces the older ones.
CREATE VIEW v_stage_history AS
SELECT t.slug AS target, a.id AS assessment_id, a.run_id, a.assessed_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', a.assessed_at / 1000, 'unixepoch') AS assessed,
       a.stage, a.score, a.reachable
FROM (SELECT target_id, assessed_at, max(id) AS id FROM assessments GROUP BY target_id, assessed_at) p
JOIN assessments a ON a.id = p.id
JOIN targets t ON t.id = a.target_id;

CREATE VIEW v_latest_assessment AS
SELECT t.slug AS target, t.name, t.url, t.level, t.region, t.parent, t.country, t.lang,
       a.id AS assessment_id, a.run_id, a.assessed_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', a.assessed_at / 1000, 'unixepoch') AS assessed,
       a.catalogue_version, a.reachable, a.stage, a.score, a.confidence, a.frameworks,
       a.criterion_scores, a.next_steps, a.pages_analyzed
FROM targets t
JOIN assessments a ON a.id = (SELECT x.id FROM assessments x WHERE x.target_id = t.id
                              ORDER BY x.assessed_at DESC, x.id DESC LIMIT 1);

CREATE VIEW v_daily_uptime AS
SELECT t.slug AS target, d.day, d.checks, d.successes, d.blocked, d.maintenance,
       CASE WHEN d.checks - d.blocked > 0 THEN CAST(d.successes AS REAL) / (d.checks - d.blocked) END AS check_uptime,
       CASE WHEN d.up_us + d.down_us > 0 THEN CAST(d.up_us AS REAL) / (d.up_us + d.down_us) END AS time_uptime,
       d.up_us / 1e6 AS up_s, d.down_us / 1e6 AS down_s,
       CASE WHEN d.successes > 0 THEN d.latency_sum_us / 1e3 / d.successes END AS latency_mean_ms,
       d.latency_p95_us / 1e3 AS latency_p95_ms
FROM probe_daily d JOIN targets t ON t.id = d.target_id;

CREATE VIEW v_outages AS
SELECT t.slug AS target, o.id AS outage_id, o.cause, o.started_at, o.ended_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', o.started_at / 1000, 'unixepoch') AS started,
       strftime('%Y-%m-%dT%H:%M:%SZ', o.ended_at / 1000, 'unixepoch') AS ended,
       o.ended_at IS NULL AS ongoing,
       (coalesce(o.ended_at, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) - o.started_at) / 1000.0 AS duration_s
FROM outages o JOIN targets t ON t.id = o.target_id;

CREATE VIEW v_probes AS
SELECT t.slug AS target, p.id AS probe_id, p.run_id, p.at,
       strftime('%Y-%m-%dT%H:%M:%SZ', p.at / 1000, 'unixepoch') AS probed,
       u.url, p.outcome, p.http_status, p.dns_us, p.connect_us, p.tls_us, p.ttfb_us, p.total_us,
       p.bytes, f.url AS final_url, p.tls_valid,
       strftime('%Y-%m-%dT%H:%M:%SZ', p.tls_expiry / 1000, 'unixepoch') AS tls_expiry,
       p.https_redirect, p.hsts, p.error
FROM probes p
JOIN targets t ON t.id = p.target_id
JOIN probe_urls u ON u.id = p.url_id
LEFT JOIN probe_urls f ON f.id = p.final_url_id;
