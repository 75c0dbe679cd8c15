package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/egovbench/egovbench"
)

// InsertProbes stores a batch of probes and, in the same transaction,
// updates the hourly and daily rollups, the per-target last-probe state
// and the outages. The batch may hold probes of many targets and times in
// any order (a whole synthetic day is fine); every target must be stored.
//
// Time weighting: a probe's outcome is taken to hold from its time until
// the target's next probe, capped at the gap cap (WithGapCap, default 15
// min), and minus maintenance windows. So the time after a probe is
// attributed when the next probe of that target arrives, possibly in a later
// batch or after a restart (probe_last keeps what is needed). A probe no
// later than the target's last stored probe ("late") counts in the check
// figures of its bucket but not in time weighting or outages.
func (db *DB) InsertProbes(ctx context.Context, ps []egovbench.Probe) error {
	if len(ps) == 0 {
		return nil
	}
	var learned map[string]int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		learned, err = db.insertProbes(ctx, tx, ps, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert probes: %w", err)
	}
	db.learnURLs(learned)
	return nil
}

func (db *DB) learnURLs(m map[string]int64) {
	if len(m) == 0 {
		return
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	// The dictionary only grows with the number of distinct home URLs, but a
	// hostile redirect target could vary endlessly; bound the cache.
	if len(db.urlIDs) > 100_000 {
		clear(db.urlIDs)
	}
	for k, v := range m {
		db.urlIDs[k] = v
	}
}

type lastProbe struct {
	at      int64
	outcome egovbench.Outcome
}

type hourKey struct {
	target int64
	hour   int64
}

type dayKey struct {
	target int64
	day    int64 // day start, Unix ms UTC
}

// insertProbes does the work of InsertProbes inside tx and returns the probe
// URLs it resolved, to be cached once tx commits. ids maps the batch's
// target slugs to row ids when the caller knows them all already (nil:
// they are looked up).
func (db *DB) insertProbes(ctx context.Context, tx *sql.Tx, ps []egovbench.Probe, ids map[string]int64) (map[string]int64, error) {
	var err error
	if ids == nil {
		if ids, err = db.batchTargetIDs(ctx, tx, ps); err != nil {
			return nil, err
		}
	}
	type item struct {
		p   *egovbench.Probe
		tid int64
		at  int64
	}
	items := make([]item, len(ps))
	minAt, maxAt := int64(1<<62), int64(-1<<62)
	for i := range ps {
		p := &ps[i]
		tid, ok := ids[p.TargetID]
		if !ok {
			return nil, fmt.Errorf("probe %d: target %q is not stored (upsert targets first): %w", i, p.TargetID, egovbench.ErrNotFound)
		}
		if p.At.IsZero() {
			return nil, fmt.Errorf("probe %d of %q: no time: %w", i, p.TargetID, egovbench.ErrInvalid)
		}
		if !slices.Contains(egovbench.Outcomes, p.Outcome) {
			return nil, fmt.Errorf("probe %d of %q: unknown outcome %q: %w", i, p.TargetID, p.Outcome, egovbench.ErrInvalid)
		}
		at := ms(p.At)
		items[i] = item{p, tid, at}
		minAt, maxAt = min(minAt, at), max(maxAt, at)
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if a.tid != b.tid {
			return cmpInt(a.tid, b.tid)
		}
		return cmpInt(a.at, b.at)
	})

	gapCap := db.gapCap.Milliseconds()
	windows, err := db.loadWindows(ctx, tx, minAt-gapCap, maxAt+1)
	if err != nil {
		return nil, err
	}
	tids := make([]int64, 0, len(items))
	for i, it := range items {
		if i == 0 || it.tid != items[i-1].tid {
			tids = append(tids, it.tid)
		}
	}
	last, open, err := db.loadTargetState(ctx, tx, tids)
	if err != nil {
		return nil, err
	}
	urlIDs, err := db.resolveURLs(ctx, tx, ps)
	if err != nil {
		return nil, err
	}

	probeRows := db.cachedInsert(probesInsert())
	defer probeRows.close()
	// Outages change rarely: their statements are taken only when needed.
	var openOutage, closeOutage *sql.Stmt
	defer func() {
		for _, st := range []*sql.Stmt{openOutage, closeOutage} {
			if st != nil {
				st.Close()
			}
		}
	}()

	hourly := map[hourKey]*agg{}
	daily := map[dayKey]*agg{}
	hourAgg := func(tid, t int64) *agg {
		k := hourKey{tid, floorTo(t, hourMS)}
		a := hourly[k]
		if a == nil {
			a = &agg{}
			hourly[k] = a
		}
		return a
	}
	dayAgg := func(tid, t int64) *agg {
		k := dayKey{tid, floorTo(t, dayMS)}
		a := daily[k]
		if a == nil {
			a = &agg{}
			daily[k] = a
		}
		return a
	}
	changed := map[int64]bool{}
	for _, it := range items {
		p := it.p
		ws := windows.forTarget(it.tid)
		inMaint := inSpans(it.at, ws)
		total := us(p.Total)
		hourAgg(it.tid, it.at).check(p.Outcome.Up(), p.Outcome.Counted(), inMaint, total)
		dayAgg(it.tid, it.at).check(p.Outcome.Up(), p.Outcome.Counted(), inMaint, total)

		var runID, finalID, errText any
		if p.RunID != 0 {
			runID = p.RunID
		}
		if p.FinalURL != "" {
			finalID = urlIDs[p.FinalURL]
		}
		if p.Error != "" {
			errText = p.Error
		}
		if err := probeRows.add(ctx, tx, it.tid, runID, it.at, urlIDs[p.URL], string(p.Outcome), p.HTTPStatus,
			us(p.DNS), us(p.Connect), us(p.TLS), us(p.TTFB), total, p.Bytes, finalID,
			boolInt(p.TLSValid), msOrNull(p.TLSExpiry), boolInt(p.HTTPSRedirect), boolInt(p.HSTS), errText); err != nil {
			return nil, fmt.Errorf("probes: %w", err)
		}

		prev, seen := last[it.tid]
		if seen && it.at <= prev.at {
			continue // late: see InsertProbes
		}
		if seen && prev.outcome.Counted() {
			for _, s := range heldSpans(prev.at, it.at, gapCap, ws) {
				up := prev.outcome.Up()
				splitSpan(s, hourMS, func(b, l int64) { addHeld(hourAgg(it.tid, b), up, l) })
				splitSpan(s, dayMS, func(b, l int64) { addHeld(dayAgg(it.tid, b), up, l) })
			}
		}
		last[it.tid] = lastProbe{it.at, p.Outcome}
		changed[it.tid] = true

		if inMaint || !p.Outcome.Counted() {
			continue
		}
		if id, ok := open[it.tid]; ok && p.Outcome.Up() {
			if closeOutage == nil {
				if closeOutage, err = db.stmts.stmt(ctx, tx, qCloseOutage); err != nil {
					return nil, err
				}
			}
			if _, err := closeOutage.ExecContext(ctx, it.at, id); err != nil {
				return nil, fmt.Errorf("close outage of %q: %w", p.TargetID, err)
			}
			delete(open, it.tid)
		} else if !ok && !p.Outcome.Up() {
			if openOutage == nil {
				if openOutage, err = db.stmts.stmt(ctx, tx, qOpenOutage); err != nil {
					return nil, err
				}
			}
			res, err := openOutage.ExecContext(ctx, it.tid, it.at, string(p.Outcome))
			if err != nil {
				return nil, fmt.Errorf("open outage of %q: %w", p.TargetID, err)
			}
			if open[it.tid], err = res.LastInsertId(); err != nil {
				return nil, err
			}
		}
	}

	if err := probeRows.flush(ctx, tx); err != nil {
		return nil, fmt.Errorf("probes: %w", err)
	}
	if err := db.saveLast(ctx, tx, last, changed); err != nil {
		return nil, err
	}
	if err := db.flushHourly(ctx, tx, hourly); err != nil {
		return nil, err
	}
	if err := db.flushDaily(ctx, tx, daily); err != nil {
		return nil, err
	}
	return urlIDs, nil
}

// maxRangeBuckets bounds the range query of flushRollups: a batch whose
// keys span more buckets than this (a late probe from long ago among fresh
// ones) reads row by row instead of scanning everything in between.
const maxRangeBuckets = 62

func (db *DB) flushHourly(ctx context.Context, tx *sql.Tx, aggs map[hourKey]*agg) error {
	return flushRollups(ctx, tx, db.stmts, "probe_hourly", "hour", aggs,
		func(k hourKey) (int64, any) { return k.target, k.hour },
		func(tid int64, kv any) (hourKey, error) {
			h, ok := kv.(int64)
			if !ok {
				return hourKey{}, fmt.Errorf("hour %v is not an integer", kv)
			}
			return hourKey{tid, h}, nil
		},
		func() (any, any, bool) {
			lo, hi := int64(1<<62), int64(-1<<62)
			for k := range aggs {
				lo, hi = min(lo, k.hour), max(hi, k.hour)
			}
			return lo, hi, (hi-lo)/hourMS <= maxRangeBuckets
		})
}

func (db *DB) flushDaily(ctx context.Context, tx *sql.Tx, aggs map[dayKey]*agg) error {
	if err := db.flushDailyRows(ctx, tx, aggs); err != nil {
		return err
	}
	// Every day whose rows this transaction changes counts a write, in the
	// same transaction: a reader never sees changed rows under an old count.
	days := map[int64]bool{}
	for k := range aggs {
		days[k.day] = true
	}
	if len(days) == 0 {
		return nil
	}
	st, err := db.stmts.stmt(ctx, tx, qDayWritten)
	if err != nil {
		return fmt.Errorf("probe_daily_writes: %w", err)
	}
	defer st.Close()
	for _, d := range slices.Sorted(maps.Keys(days)) {
		if _, err := st.ExecContext(ctx, dayString(d)); err != nil {
			return fmt.Errorf("probe_daily_writes: %w", err)
		}
	}
	return nil
}

func (db *DB) flushDailyRows(ctx context.Context, tx *sql.Tx, aggs map[dayKey]*agg) error {
	return flushRollups(ctx, tx, db.stmts, "probe_daily", "day", aggs,
		func(k dayKey) (int64, any) { return k.target, dayString(k.day) },
		func(tid int64, kv any) (dayKey, error) {
			var s string
			switch v := kv.(type) {
			case string:
				s = v
			case []byte:
				s = string(v)
			default:
				return dayKey{}, fmt.Errorf("day %v is not text", kv)
			}
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return dayKey{}, err
			}
			return dayKey{tid, ms(d)}, nil
		},
		func() (any, any, bool) {
			lo, hi := int64(1<<62), int64(-1<<62)
			for k := range aggs {
				lo, hi = min(lo, k.day), max(hi, k.day)
			}
			return dayString(lo), dayString(hi), (hi-lo)/dayMS <= maxRangeBuckets
		})
}

func addHeld(a *agg, up bool, lenMS int64) {
	if up {
		a.upUS += lenMS * 1000
	} else {
		a.downUS += lenMS * 1000
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// dayStartMS is the start, in Unix ms, of a stored day (dayString's
// YYYY-MM-DD).
func dayStartMS(day string) (int64, error) {
	ok := len(day) == 10 && day[4] == '-' && day[7] == '-'
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				ok = false
			}
			n = 10*n + int(c-'0')
		}
		return n
	}
	if ok {
		y, m, d := num(day[:4]), num(day[5:7]), num(day[8:])
		if ok && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			return ms(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)), nil
		}
	}
	return 0, fmt.Errorf("stored day %q: want YYYY-MM-DD: %w", day, egovbench.ErrInvalid)
}

// dayString names the UTC day holding t (Unix ms).
func dayString(t int64) string { return fromMS(t).Format(time.DateOnly) }

// resolveURLs maps every probe URL and final URL to its probe_urls id,
// adding new ones. Storing each distinct URL once keeps the probes table
// small: a year of 5-minute probes repeats the same few hundred URLs.
func (db *DB) resolveURLs(ctx context.Context, tx *sql.Tx, ps []egovbench.Probe) (map[string]int64, error) {
	out := map[string]int64{}
	var missing []string
	db.mu.Lock()
	for i := range ps {
		for j, u := range [2]string{ps[i].URL, ps[i].FinalURL} {
			if _, ok := out[u]; ok || (j == 1 && u == "") {
				continue // an empty final URL is stored as NULL
			}
			if id, ok := db.urlIDs[u]; ok {
				out[u] = id
			} else {
				out[u] = 0
				missing = append(missing, u)
			}
		}
	}
	db.mu.Unlock()
	for _, u := range missing {
		var id int64
		err := db.queryRow(ctx, tx, qProbeURLID, u).Scan(&id)
		if err == sql.ErrNoRows {
			err = db.queryRow(ctx, tx, qProbeURLNew, u).Scan(&id)
		}
		if err != nil {
			return nil, fmt.Errorf("probe url: %w", err)
		}
		out[u] = id
	}
	return out, nil
}

// windowSet holds the maintenance windows that matter for one batch.
type windowSet struct {
	all       []span
	perTarget map[int64][]span
}

func (w windowSet) forTarget(tid int64) []span {
	if len(w.perTarget[tid]) == 0 {
		return w.all
	}
	return append(append([]span(nil), w.all...), w.perTarget[tid]...)
}

func (db *DB) loadWindows(ctx context.Context, tx *sql.Tx, from, to int64) (windowSet, error) {
	ws := windowSet{perTarget: map[int64][]span{}}
	st, err := db.stmts.stmt(ctx, tx, qWindows)
	if err != nil {
		return ws, fmt.Errorf("maintenance windows: %w", err)
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, from, to)
	if err != nil {
		return ws, fmt.Errorf("maintenance windows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tid sql.NullInt64
		var s span
		if err := rows.Scan(&tid, &s.from, &s.to); err != nil {
			return ws, fmt.Errorf("maintenance windows: %w", err)
		}
		if tid.Valid {
			ws.perTarget[tid.Int64] = append(ws.perTarget[tid.Int64], s)
		} else {
			ws.all = append(ws.all, s)
		}
	}
	return ws, rows.Err()
}

func loadLast(ctx context.Context, tx *sql.Tx) (map[int64]lastProbe, error) {
	rows, err := tx.QueryContext(ctx, `SELECT target_id, at, outcome FROM probe_last`)
	if err != nil {
		return nil, fmt.Errorf("last probes: %w", err)
	}
	defer rows.Close()
	m := map[int64]lastProbe{}
	for rows.Next() {
		var tid int64
		var l lastProbe
		var o string
		if err := rows.Scan(&tid, &l.at, &o); err != nil {
			return nil, fmt.Errorf("last probes: %w", err)
		}
		l.outcome = egovbench.Outcome(o)
		m[tid] = l
	}
	return m, rows.Err()
}

func (db *DB) saveLast(ctx context.Context, tx *sql.Tx, last map[int64]lastProbe, changed map[int64]bool) error {
	ins := db.cachedInsert(probeLastUpsert())
	defer ins.close()
	for tid := range changed {
		l := last[tid]
		if err := ins.add(ctx, tx, tid, l.at, string(l.outcome)); err != nil {
			return fmt.Errorf("save last probes: %w", err)
		}
	}
	if err := ins.flush(ctx, tx); err != nil {
		return fmt.Errorf("save last probes: %w", err)
	}
	return nil
}

func loadOpenOutages(ctx context.Context, tx *sql.Tx) (map[int64]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT target_id, id FROM outages WHERE ended_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("open outages: %w", err)
	}
	defer rows.Close()
	m := map[int64]int64{}
	for rows.Next() {
		var tid, id int64
		if err := rows.Scan(&tid, &id); err != nil {
			return nil, fmt.Errorf("open outages: %w", err)
		}
		m[tid] = id
	}
	return m, rows.Err()
}

// flushRollups merges the batch's aggregates into the stored rows. The
// histogram cannot be merged in SQL, so the rows are read, merged in Go and
// upserted; the single writer connection makes that read-modify-write safe.
// keyVal maps a key to the stored key column value; keyRange gives the
// stored bounds of a range query covering all keys, or ok=false to read
// row by row (few keys, or keys scattered over a long time).
func flushRollups[K comparable](ctx context.Context, tx *sql.Tx, cache stmtCache, table, keyCol string, aggs map[K]*agg,
	key func(K) (int64, any), fromRow func(tid int64, kv any) (K, error), keyRange func() (lo, hi any, ok bool)) error {
	cols := rollupCols0
	stored := map[K]*agg{}
	scan := func(sc interface{ Scan(...any) error }, tid *int64, kv any) (*agg, error) {
		var cur agg
		var lo, hi sql.NullInt64
		var h []byte
		if err := sc.Scan(tid, kv, &cur.checks, &cur.successes, &cur.blocked, &cur.maintenance,
			&cur.upUS, &cur.downUS, &cur.latSumUS, &lo, &hi, &h); err != nil {
			return nil, err
		}
		if lo.Valid && hi.Valid {
			cur.hasLat, cur.latMinUS, cur.latMaxUS = true, lo.Int64, hi.Int64
		}
		var err error
		if cur.hist, err = decodeHist(h); err != nil {
			return nil, fmt.Errorf("%s row (%d, %v): %w", table, *tid, kv, err)
		}
		return &cur, nil
	}
	if lo, hi, ok := keyRange(); ok && len(aggs) >= 32 {
		rows, err := tx.QueryContext(ctx, `SELECT target_id, `+keyCol+`, `+cols+` FROM `+table+`
			WHERE `+keyCol+` >= ? AND `+keyCol+` <= ?`, lo, hi)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var tid int64
			var kv any
			cur, err := scan(rows, &tid, &kv)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			k, err := fromRow(tid, kv)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			if _, ok := aggs[k]; ok {
				stored[k] = cur
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		rows.Close()
	} else {
		sel, err := cache.stmt(ctx, tx, rollupSelect(table, keyCol))
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		defer sel.Close()
		for k := range aggs {
			tid, kv := key(k)
			var gotTID int64
			var gotKV any
			cur, err := scan(sel.QueryRowContext(ctx, tid, kv), &gotTID, &gotKV)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			stored[k] = cur
		}
	}
	up := &chunkedInsert{spec: rollupUpsert(table, keyCol), cache: cache, stmts: map[int]*sql.Stmt{}}
	defer up.close()
	for k, a := range aggs {
		tid, kv := key(k)
		cur := stored[k]
		if cur == nil {
			cur = &agg{}
		}
		cur.merge(a)
		var loV, hiV, p95V any
		if cur.hasLat {
			loV, hiV = cur.latMinUS, cur.latMaxUS
			if p, ok := cur.p95(); ok {
				p95V = p
			}
		}
		if err := up.add(ctx, tx, tid, kv, cur.checks, cur.successes, cur.blocked, cur.maintenance,
			cur.upUS, cur.downUS, cur.latSumUS, loV, hiV, p95V, cur.hist.encode()); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	if err := up.flush(ctx, tx); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	return nil
}

// chunkedInsert batches rows into multi-row INSERT statements: one statement
// per chunkRows rows instead of one per row, which is most of the cost of a
// probe batch through database/sql and cgo. With a statement cache the rows
// go out in the cached chunk sizes, so nothing is parsed; without one,
// statements are prepared once per chunk size and transaction, since parsing
// a statement with a thousand parameters costs more than running it. Call
// close when done.
type chunkedInsert struct {
	spec  insertSpec
	cache stmtCache
	args  []any
	stmts map[int]*sql.Stmt
}

const chunkRows = 64

func newChunkedInsert(prefix string, ncols int, suffix string) *chunkedInsert {
	return &chunkedInsert{spec: insertSpec{prefix, ncols, suffix}, stmts: map[int]*sql.Stmt{}}
}

// cachedInsert is a chunkedInsert whose statements come from the cache.
func (db *DB) cachedInsert(spec insertSpec) *chunkedInsert {
	return &chunkedInsert{spec: spec, cache: db.stmts, stmts: map[int]*sql.Stmt{}}
}

func (c *chunkedInsert) add(ctx context.Context, tx *sql.Tx, row ...any) error {
	if len(row) != c.spec.ncols {
		return fmt.Errorf("chunked insert: %d values for %d columns", len(row), c.spec.ncols)
	}
	c.args = append(c.args, row...)
	if len(c.args) >= chunkRows*c.spec.ncols {
		return c.flush(ctx, tx)
	}
	return nil
}

func (c *chunkedInsert) flush(ctx context.Context, tx *sql.Tx) error {
	args := c.args
	for len(args) > 0 {
		n := len(args) / c.spec.ncols
		if c.cache != nil {
			for _, size := range chunkSizes() {
				if size <= n {
					n = size
					break
				}
			}
		}
		st, ok := c.stmts[n]
		if !ok {
			var err error
			if st, err = c.cache.stmt(ctx, tx, c.spec.query(n)); err != nil {
				return err
			}
			c.stmts[n] = st
		}
		if _, err := st.ExecContext(ctx, args[:n*c.spec.ncols]...); err != nil {
			return err
		}
		args = args[n*c.spec.ncols:]
	}
	clear(c.args) // drop references to the batch's values
	c.args = c.args[:0]
	return nil
}

func (c *chunkedInsert) close() {
	for _, st := range c.stmts {
		st.Close()
	}
}

// Granularity selects hourly or daily rollups.
type Granularity int

// Rollup granularities.
const (
	Hourly Granularity = iota
	Daily
)

// Rollups returns the rollups whose bucket starts in [from rounded down to
// the bucket, to), ordered by target and time.
func (db *DB) Rollups(ctx context.Context, g Granularity, from, to time.Time) ([]egovbench.Rollup, error) {
	var out []egovbench.Rollup
	err := db.EachRollup(ctx, g, from, to, func(r egovbench.Rollup) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// rollupCols are the columns a Rollup is read from (maintenance is not
// part of one: each column read costs about as much as a row's step).
const rollupCols = `r.checks, r.successes, r.blocked, r.up_us, r.down_us, r.latency_sum_us,
	r.latency_min_us, r.latency_max_us, r.latency_p95_us, r.latency_hist`

// rollupScan reads rollup rows (the key, the bucket start in Unix ms, then
// rollupCols) without database/sql's reflection: each integer column is
// scanned into an any, which takes the driver's int64 as it is (into an
// *int64 database/sql goes through reflect, several times a row's cost of
// reading the integers themselves), and the histogram into RawBytes, which
// is decoded at once and so needs no copy. One serves a whole query.
type rollupScan struct {
	vals [rollupScanInts]any
	hist sql.RawBytes
	dest [rollupScanInts + 1]any
}

// rollupScanInts counts the key, the start and rollupCols' integers.
const rollupScanInts = 11

func newRollupScan() *rollupScan {
	s := &rollupScan{}
	for i := range s.vals {
		s.dest[i] = &s.vals[i]
	}
	s.dest[rollupScanInts] = &s.hist
	return s
}

// scan reads the current row into a (every field of a is set, maintenance
// to 0 as it is not read, so a may be reused from row to row: its
// histogram's storage is), and returns the key (the target's slug, or in a
// batch read its row id, as the driver gives them), the start and the
// stored p95 (valid false when NULL).
func (s *rollupScan) scan(rows *sql.Rows, a *agg) (key any, start int64, p95 sql.NullInt64, err error) {
	if err := rows.Scan(s.dest[:]...); err != nil {
		return nil, 0, p95, err
	}
	var ints [rollupScanInts]int64
	var null [rollupScanInts]bool
	for i, v := range s.vals[2:] {
		switch x := v.(type) {
		case int64:
			ints[i+2] = x
		case nil:
			null[i+2] = true
		default:
			return nil, 0, p95, fmt.Errorf("rollup column %d: %T, want an integer", i+2, v)
		}
	}
	for i := 2; i < 8; i++ {
		if null[i] {
			return nil, 0, p95, fmt.Errorf("rollup column %d: NULL, want an integer", i)
		}
	}
	// An hour is stored as Unix ms, a day as its text: it is read here
	// rather than by SQLite's date functions, which cost more than the
	// rest of the row.
	switch x := s.vals[1].(type) {
	case int64:
		start = x
	case string:
		if start, err = dayStartMS(x); err != nil {
			return nil, 0, p95, err
		}
	default:
		return nil, 0, p95, fmt.Errorf("rollup start: %T, want an hour or a day", s.vals[1])
	}
	a.checks, a.successes, a.blocked, a.maintenance = ints[2], ints[3], ints[4], 0
	a.upUS, a.downUS, a.latSumUS = ints[5], ints[6], ints[7]
	a.hasLat, a.latMinUS, a.latMaxUS = false, 0, 0
	if !null[8] && !null[9] {
		a.hasLat, a.latMinUS, a.latMaxUS = true, ints[8], ints[9]
	}
	p95 = sql.NullInt64{Int64: ints[10], Valid: !null[10]}
	if a.hist, err = decodeHistInto(a.hist[:0], s.hist); err != nil {
		return nil, 0, p95, err
	}
	return s.vals[0], start, p95, nil
}

func (a *agg) rollup(slug string, start time.Time) egovbench.Rollup {
	r := a.rollupP50(slug, start)
	if a.hasLat {
		if p, ok := a.p95(); ok {
			r.LatencyP95 = fromUS(p)
		}
	}
	return r
}

// rollupP50 is rollup without the p95, which stored rows have a column of.
func (a *agg) rollupP50(slug string, start time.Time) egovbench.Rollup {
	r := egovbench.Rollup{
		TargetID: slug, Start: start, Checks: int(a.checks), Successes: int(a.successes), Blocked: int(a.blocked),
		UpTime: fromUS(a.upUS), DownTime: fromUS(a.downUS), LatencySum: fromUS(a.latSumUS),
	}
	if a.hasLat {
		r.LatencyMin, r.LatencyMax = fromUS(a.latMinUS), fromUS(a.latMaxUS)
		if p, ok := a.p50(); ok {
			r.LatencyP50 = fromUS(p)
		}
	}
	return r
}

// Uptime sums the daily rollups of each target over the UTC days that start
// in [from rounded down to its day, to); Start of each result is that first
// day. The p50 and p95 come from the merged daily histograms, not averages
// of daily quantiles.
func (db *DB) Uptime(ctx context.Context, from, to time.Time) (map[string]egovbench.Rollup, error) {
	fromDay := floorTo(ms(from), dayMS)
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("uptime: %w", err)
	}
	defer tx.Rollback()
	slugs, err := targetSlugs(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("uptime: %w", err)
	}
	// Both queries read in primary-key order (target, day), which needs
	// neither a lookup per row through the day index nor a sort; the unary +
	// keeps the planner off the day index, which it would otherwise pick and
	// which is several times slower for long periods. Counters are summed in
	// SQL; only the histograms come to Go, to be merged.
	days := []any{dayString(fromDay), dayString(ms(to) - 1)}
	rows, err := tx.QueryContext(ctx, `SELECT target_id, sum(checks), sum(successes), sum(blocked), sum(maintenance),
		sum(up_us), sum(down_us), sum(latency_sum_us), min(latency_min_us), max(latency_max_us)
		FROM probe_daily WHERE +day >= ? AND +day <= ? GROUP BY target_id`, days...)
	if err != nil {
		return nil, fmt.Errorf("uptime: %w", err)
	}
	defer rows.Close()
	sums := map[int64]*agg{}
	for rows.Next() {
		var tid int64
		var a agg
		var lo, hi sql.NullInt64
		if err := rows.Scan(&tid, &a.checks, &a.successes, &a.blocked, &a.maintenance, &a.upUS, &a.downUS,
			&a.latSumUS, &lo, &hi); err != nil {
			return nil, fmt.Errorf("uptime: %w", err)
		}
		if lo.Valid && hi.Valid {
			a.hasLat, a.latMinUS, a.latMaxUS = true, lo.Int64, hi.Int64
		}
		sums[tid] = &a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("uptime: %w", err)
	}
	rows.Close()

	hrows, err := tx.QueryContext(ctx, `SELECT target_id, latency_hist FROM probe_daily
		WHERE +day >= ? AND +day <= ? AND latency_hist IS NOT NULL ORDER BY target_id, day`, days...)
	if err != nil {
		return nil, fmt.Errorf("uptime: %w", err)
	}
	defer hrows.Close()
	var dense denseHist
	curID := int64(-1)
	emit := func() {
		if a := sums[curID]; a != nil {
			a.hist = dense.sparse()
		}
		dense = denseHist{}
	}
	var h sql.RawBytes
	for hrows.Next() {
		var tid int64
		if err := hrows.Scan(&tid, &h); err != nil {
			return nil, fmt.Errorf("uptime: %w", err)
		}
		if tid != curID {
			emit()
			curID = tid
		}
		if err := dense.addEncoded(h); err != nil {
			return nil, fmt.Errorf("uptime: target %d: %w", tid, err)
		}
	}
	if err := hrows.Err(); err != nil {
		return nil, fmt.Errorf("uptime: %w", err)
	}
	emit()
	out := make(map[string]egovbench.Rollup, len(sums))
	for tid, a := range sums {
		out[slugs[tid]] = a.rollup(slugs[tid], fromMS(fromDay))
	}
	return out, nil
}

func targetSlugs(ctx context.Context, q queryer) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, slug FROM targets`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		m[id] = s
	}
	return m, rows.Err()
}

// Outages returns the outages that overlap [from, to), ongoing ones with a
// zero End, ordered by start.
func (db *DB) Outages(ctx context.Context, from, to time.Time) ([]egovbench.Outage, error) {
	var out []egovbench.Outage
	err := db.EachOutage(ctx, from, to, func(o egovbench.Outage) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// AddMaintenanceWindow records an analyst's maintenance window for one
// target ("" = every target). Probes inside it, and time inside it, are left
// out of both uptime figures and of outages. Rollups already written are not
// recomputed, so add windows before they begin (or at least before the probes
// that fall in them are inserted).
func (db *DB) AddMaintenanceWindow(ctx context.Context, targetID string, start, end time.Time, note string) error {
	if !end.After(start) {
		return fmt.Errorf("add maintenance window: end %s is not after start %s: %w", end, start, egovbench.ErrInvalid)
	}
	return db.withTx(ctx, func(tx *sql.Tx) error {
		var tid any
		if targetID != "" {
			id, err := targetRowID(ctx, tx, targetID)
			if err != nil {
				return fmt.Errorf("add maintenance window: %w", err)
			}
			tid = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO maintenance_windows (target_id, starts_at, ends_at, note) VALUES (?, ?, ?, ?)`,
			tid, ms(start), ms(end), note); err != nil {
			return fmt.Errorf("add maintenance window: %w", err)
		}
		return nil
	})
}

// pruneBatch bounds each delete transaction so that probe inserts and crawl
// saves never wait long behind retention.
const pruneBatch = 5000

// Prune deletes raw schedule probes older than rawBefore in bounded batches,
// each its own transaction, and returns how many were deleted. Rollups,
// outages and the probes taken as part of a crawl run (run_id set; a
// snapshot needs its probe to be re-analysed) are kept.
func (db *DB) Prune(ctx context.Context, rawBefore time.Time) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		// Ids grow with insertion, which follows time, so scanning in id
		// order finds old rows first without an index on at alone.
		res, err := db.write.ExecContext(ctx, `DELETE FROM probes WHERE id IN
			(SELECT id FROM probes WHERE at < ? AND run_id IS NULL ORDER BY id LIMIT ?)`, ms(rawBefore), pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}
