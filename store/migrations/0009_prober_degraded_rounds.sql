-- 0009_prober_degraded_rounds: probe rounds in which the prober's own
-- network failed (every canary failed, or most targets failed with
-- network-class errors at once). Their probes are not stored as probes: they
-- would open an outage for every site and count as downtime. The round is
-- kept here, so a report can say how much monitoring was lost.
CREATE TABLE prober_degraded_rounds (
	id      INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,
	targets INTEGER NOT NULL CHECK (targets >= 0),
	failed  INTEGER NOT NULL CHECK (failed >= 0),
	reason  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX prober_degraded_rounds_at ON prober_degraded_rounds (at);
