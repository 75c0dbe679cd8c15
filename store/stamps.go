package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// DataStamps are cheap marks of what the stored history holds, for callers
// that keep files derived from it between runs (the report's data tables):
// when a stamp is unchanged, so is everything it covers, as far as this
// package writes it. Each costs a few index lookups and one pass over the
// targets, not a read of the history. A hand edit of the database that
// adds no assessment or probe is not seen.
type DataStamps struct {
	// Assessments covers the targets and every assessment (with its
	// indicators, evidence and services, which are only ever written
	// with it): assessments are never updated or deleted, so their count
	// and highest id mark them.
	Assessments string
	// Probes covers the targets and what probes write: rollups, outages and
	// the last probe of each target. A probe newer than its target's last
	// moves that target's probe_last time, so the sum of them; every stored
	// probe, late ones included, takes a new highest id in probes (it
	// could only be taken again if pruning removed the newest row, which
	// needs the newest row to be a late probe older than the retention);
	// pruning rollups moves their oldest bucket.
	Probes string
	// Targets covers the targets alone (every column of every row).
	Targets string
	// Days covers the daily rollups one UTC day at a time, for files
	// derived from a part of them: each day that holds rows, in order, with
	// the count of transactions that changed its rows (stored probes,
	// including a next probe that attributes time to an earlier day, and
	// pruning), kept in probe_daily_writes. A day whose count and the
	// Targets stamp are unchanged reads the same. Counts only grow, so a
	// count is never seen twice for a day, even one pruned and written
	// again.
	Days []DayStamp
	// NewestProbe is the time of the newest probe stored (zero for none):
	// no rollup bucket starts after it and no outage starts after it, so
	// a table cut off at a later moment holds the same rows whatever that
	// moment is.
	NewestProbe time.Time
}

// DayStamp is a day's entry in DataStamps.Days.
type DayStamp struct {
	Day    string // YYYY-MM-DD, UTC
	Writes int64
}

// DataStamps reads the stamps in one read transaction.
func (db *DB) DataStamps(ctx context.Context) (DataStamps, error) {
	var s DataStamps
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return s, fmt.Errorf("data stamps: %w", err)
	}
	defer tx.Rollback()
	targets := sha256.New()
	rows, err := tx.QueryContext(ctx, `SELECT id, slug, name, url, level, region, parent, country, lang FROM targets ORDER BY id`)
	if err != nil {
		return s, fmt.Errorf("data stamps: %w", err)
	}
	defer rows.Close()
	var id int64
	f := make([]string, 8)
	for rows.Next() {
		if err := rows.Scan(&id, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]); err != nil {
			return s, fmt.Errorf("data stamps: %w", err)
		}
		fmt.Fprintf(targets, "%d", id)
		for _, v := range f {
			fmt.Fprintf(targets, "\x00%d:%s", len(v), v)
		}
		targets.Write([]byte{'\n'})
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("data stamps: %w", err)
	}
	rows.Close()
	tsum := hex.EncodeToString(targets.Sum(nil))
	s.Targets = tsum
	// Days before the oldest kept one have no rows: pruning deletes the
	// oldest days first.
	drows, err := tx.QueryContext(ctx, `SELECT day, writes FROM probe_daily_writes
		WHERE day >= (SELECT min(day) FROM probe_daily) ORDER BY day`)
	if err != nil {
		return s, fmt.Errorf("data stamps: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var d DayStamp
		if err := drows.Scan(&d.Day, &d.Writes); err != nil {
			return s, fmt.Errorf("data stamps: %w", err)
		}
		s.Days = append(s.Days, d)
	}
	if err := drows.Err(); err != nil {
		return s, fmt.Errorf("data stamps: %w", err)
	}
	drows.Close()
	mark := func(queries ...string) (string, error) {
		h := sha256.New()
		h.Write([]byte(tsum))
		for _, q := range queries {
			var vals [3]sql.NullString
			row := tx.QueryRowContext(ctx, q)
			if err := row.Scan(&vals[0], &vals[1], &vals[2]); err != nil {
				return "", fmt.Errorf("data stamps: %w", err)
			}
			for _, v := range vals {
				fmt.Fprintf(h, "\x00%t:%s", v.Valid, v.String)
			}
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	if s.Assessments, err = mark(`SELECT count(*), max(id), NULL FROM assessments`); err != nil {
		return s, err
	}
	if s.Probes, err = mark(
		`SELECT max(id), NULL, NULL FROM probes`,
		`SELECT count(*), max(at), sum(at) FROM probe_last`,
		`SELECT (SELECT min(hour) FROM probe_hourly), (SELECT min(day) FROM probe_daily), NULL`,
		`SELECT count(*), max(id), count(ended_at) FROM outages`,
	); err != nil {
		return s, err
	}
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(at) FROM probe_last`).Scan(&newest); err != nil {
		return s, fmt.Errorf("data stamps: %w", err)
	}
	s.NewestProbe = fromNullMS(newest)
	return s, nil
}
