-- 0010_probe_daily_writes: one row per UTC day of probe_daily whose counter
-- grows with every transaction that changes that day's rows (stored probes,
-- pruned rollups), so that a reader keeping files derived from the daily
-- rollups (the report's monthly uptime tables) can tell which days changed
-- without reading them. Rows are never deleted: a day pruned and written
-- again keeps counting up, so a counter value is never seen twice.
CREATE TABLE probe_daily_writes (
	day    TEXT    NOT NULL PRIMARY KEY,
	writes INTEGER NOT NULL CHECK (writes >= 1)
) WITHOUT ROWID;
INSERT INTO probe_daily_writes (day, writes) SELECT DISTINCT day, 1 FROM probe_daily;
