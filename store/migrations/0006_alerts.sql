-- 0006_alerts: the daemon's alert state and webhook queue, kept in the
-- database so that a restart (kill -9 included) neither posts again an
-- event already announced nor loses one not yet delivered.

CREATE TABLE alert_state (
	target_id     INTEGER PRIMARY KEY REFERENCES targets (id),
	failures      INTEGER NOT NULL,
	since_at      INTEGER,
	down          INTEGER NOT NULL CHECK (down IN (0, 1)),
	last_probe_at INTEGER,
	stage         TEXT CHECK (stage IN ('none', 'presence', 'interaction', 'integration', 'transaction')),
	updated_at    INTEGER NOT NULL
);

CREATE TABLE alert_outbox (
	id              INTEGER PRIMARY KEY,
	key             TEXT    NOT NULL UNIQUE,
	type            TEXT    NOT NULL,
	target_id       INTEGER NOT NULL REFERENCES targets (id),
	body            TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dropped')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT    NOT NULL DEFAULT '',
	finished_at     INTEGER
);
CREATE INDEX alert_outbox_pending ON alert_outbox (status, id);
