package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/egovbench/egovbench"
)

// The Each* methods stream what the slice-returning readers load whole: a
// list of 100,000 targets or 20,000 sites with years of daily rollups must
// not be held in memory at once. Each runs in one read transaction, so what
// it yields is one consistent state of the database, and pages through
// targets in slug order with keyset pagination.

// siteBatch is how many targets one page of a stream loads: large enough
// that per-query cost vanishes, small enough that a page's memory does not
// matter.
const siteBatch = 256

type targetRow struct {
	id int64
	t  egovbench.Target
}

// eachTargetBatch calls fn with the targets in slug order, n at a time.
func eachTargetBatch(ctx context.Context, q queryer, n int, fn func([]targetRow) error) error {
	last := ""
	first := true
	batch := make([]targetRow, 0, n)
	for {
		batch = batch[:0]
		rows, err := q.QueryContext(ctx, `SELECT id, slug, name, url, level, region, parent, country, lang
			FROM targets WHERE ? OR slug > ? ORDER BY slug LIMIT ?`, first, last, n)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r targetRow
			t := &r.t
			if err := rows.Scan(&r.id, &t.ID, &t.Name, &t.URL, &t.Level, &t.Region, &t.Parent, &t.Country, &t.Lang); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(batch); err != nil {
			return err
		}
		if len(batch) < n {
			return nil
		}
		first, last = false, batch[len(batch)-1].t.ID
	}
}

// batchIDs is the JSON array of a batch's row ids, the argument of json_each.
func batchIDs(b []targetRow) string {
	ids := make([]int64, len(b))
	for i, r := range b {
		ids[i] = r.id
	}
	j, _ := json.Marshal(ids) // []int64 always marshals
	return string(j)
}

// Per-batch selections of latestIDs, previousIDs, asOfIDs and runIDs: ?1
// is the batch's row ids, ?2 the moment or the run; ?3 (latest and previous)
// the moment the report is as of: only assessments made before it count.
const (
	batchLatestIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.value AND a.assessed_at < ?3
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) FROM json_each(?1) t`
	batchPreviousIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.value
		AND a.assessed_at < (SELECT max(x.assessed_at) FROM assessments x WHERE x.target_id = t.value AND x.assessed_at < ?3)
		AND a.status IN ` + measuredStatuses + `
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) FROM json_each(?1) t`
	batchAsOfIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.value AND a.assessed_at < ?2
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) FROM json_each(?1) t`
	batchRunIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.value
		AND a.assessed_at = (SELECT x.assessed_at FROM assessments x WHERE x.run_id = ?2 AND x.target_id = t.value)
		ORDER BY a.id DESC LIMIT 1) FROM json_each(?1) t`
)

// beforeMS is the bound "made before until" in the store's milliseconds: no
// bound when until is zero.
func beforeMS(until time.Time) int64 {
	if until.IsZero() {
		return math.MaxInt64
	}
	return ms(until)
}

// NewestAssessment returns the crawl time and run of the newest assessment
// (the newest analysis of the newest crawl); zero values when there is none.
func (db *DB) NewestAssessment(ctx context.Context) (time.Time, int64, error) {
	return db.NewestAssessmentBefore(ctx, time.Time{})
}

// NewestAssessmentBefore is NewestAssessment among the assessments of
// crawls made before until (zero: all), for a report as of a past moment.
func (db *DB) NewestAssessmentBefore(ctx context.Context, until time.Time) (time.Time, int64, error) {
	var at, run int64
	err := db.read.QueryRowContext(ctx, `SELECT assessed_at, run_id FROM assessments WHERE assessed_at < ?
		ORDER BY assessed_at DESC, id DESC LIMIT 1`, beforeMS(until)).Scan(&at, &run)
	if err == sql.ErrNoRows {
		return time.Time{}, 0, nil
	}
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("newest assessment: %w", err)
	}
	return fromMS(at), run, nil
}

// byTarget re-keys loaded assessments by target slug.
func byTarget(m map[int64]*egovbench.Assessment) map[string]*egovbench.Assessment {
	out := make(map[string]*egovbench.Assessment, len(m))
	for _, a := range m {
		out[a.TargetID] = a
	}
	return out
}

// EachLatest calls fn for every target in ID order with its latest
// assessment (nil when never assessed). A light read carries what exports
// show: Indicators holds only the met ones (so Met still answers), and
// evidence, dead services, frameworks, criterion scores and next steps are
// left out. Memory stays constant in the number of targets.
func (db *DB) EachLatest(ctx context.Context, light bool, fn func(egovbench.Target, *egovbench.Assessment) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("latest assessments: %w", err)
	}
	defer tx.Rollback()
	err = eachTargetBatch(ctx, tx, siteBatch, func(b []targetRow) error {
		ids, err := selectIDs(ctx, tx, batchLatestIDs, batchIDs(b), nil, int64(math.MaxInt64))
		if err != nil {
			return err
		}
		as, err := loadAssessments(ctx, tx, ids, light)
		if err != nil {
			return err
		}
		m := byTarget(as)
		for _, r := range b {
			if err := fn(r.t, m[r.t.ID]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("latest assessments: %w", err)
	}
	return nil
}

// EachStagePoint calls fn for every StageHistory point, ordered by target ID
// then time, without holding them all.
func (db *DB) EachStagePoint(ctx context.Context, fn func(egovbench.StagePoint) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("stage history: %w", err)
	}
	defer tx.Rollback()
	err = eachTargetBatch(ctx, tx, siteBatch, func(b []targetRow) error {
		return batchStagePoints(ctx, tx, b, math.MaxInt64, fn)
	})
	if err != nil {
		return fmt.Errorf("stage history: %w", err)
	}
	return nil
}

// batchStagePoints yields the stage points of a batch's targets in slug
// order (the batch's order), each target's in time order, of the crawls
// made before beforeMS.
func batchStagePoints(ctx context.Context, tx *sql.Tx, b []targetRow, beforeMS int64, fn func(egovbench.StagePoint) error) error {
	// The rows come in the order of the index (target_id, assessed_at,
	// id), targets by row id, and are handed on in the batch's (slug)
	// order: ordering by the batch's ordinal in SQL made SQLite sort every
	// row of the batch first. The newest analysis of each crawl is found on
	// the same covering index.
	ord := make(map[int64]int, len(b))
	for k, r := range b {
		ord[r.id] = k
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.target_id, a.run_id, a.assessed_at, a.stage, a.score
		FROM assessments a WHERE a.target_id IN (SELECT value FROM json_each(?))
			AND a.id = (SELECT max(x.id) FROM assessments x
			WHERE x.target_id = a.target_id AND x.assessed_at = a.assessed_at)
			AND a.status IN `+measuredStatuses+` AND a.assessed_at < ?
		ORDER BY a.target_id, a.assessed_at`, batchIDs(b), beforeMS)
	if err != nil {
		return err
	}
	defer rows.Close()
	pts := make([][]egovbench.StagePoint, len(b))
	var stage sql.RawBytes
	for rows.Next() {
		var p egovbench.StagePoint
		var tid, at int64
		if err := rows.Scan(&tid, &p.RunID, &at, &stage, &p.Score); err != nil {
			return err
		}
		k, ok := ord[tid]
		if !ok {
			return fmt.Errorf("stage point of target %d, not in the batch", tid)
		}
		p.TargetID, p.At = b[k].t.ID, fromMS(at)
		if p.Stage, err = stageOf(stage); err != nil {
			return err
		}
		pts[k] = append(pts[k], p)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, ps := range pts {
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// EachRollup calls fn for every rollup Rollups would return, in the same
// order (target, then time), without holding them all.
func (db *DB) EachRollup(ctx context.Context, g Granularity, from, to time.Time, fn func(egovbench.Rollup) error) error {
	var q string
	var args []any
	switch g {
	case Hourly:
		// CROSS JOIN fixes the loop order: targets in slug order, then a
		// primary-key range seek per target, so rows come out sorted without
		// a temporary B-tree over the whole period (10x faster on a year).
		q = `SELECT t.slug, r.hour, ` + rollupCols + ` FROM targets t CROSS JOIN probe_hourly r
			WHERE r.target_id = t.id AND r.hour >= ? AND r.hour < ? ORDER BY t.slug, r.hour`
		args = []any{floorTo(ms(from), hourMS), ms(to)}
	case Daily:
		q = `SELECT t.slug, r.day, ` + rollupCols + `
			FROM targets t CROSS JOIN probe_daily r
			WHERE r.target_id = t.id AND r.day >= ? AND r.day <= ? ORDER BY t.slug, r.day`
		args = []any{dayString(ms(from)), dayString(ms(to) - 1)}
	default:
		return fmt.Errorf("rollups: unknown granularity %d: %w", g, egovbench.ErrInvalid)
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("rollups: %w", err)
	}
	defer rows.Close()
	sc := newRollupScan()
	var a agg // reused: its histogram's storage serves every row
	for rows.Next() {
		key, start, p95, err := sc.scan(rows, &a)
		if err != nil {
			return fmt.Errorf("rollups: %w", err)
		}
		slug, ok := key.(string)
		if !ok {
			return fmt.Errorf("rollups: target slug %T, want text", key)
		}
		if err := fn(storedRollup(&a, slug, start, p95)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rollups: %w", err)
	}
	return nil
}

// storedRollup turns a scanned row into a Rollup. p50 is computed from the
// stored histogram; p95 has its own column, written from the same histogram
// when the row was built.
func storedRollup(a *agg, slug string, start int64, p95 sql.NullInt64) egovbench.Rollup {
	r := a.rollupP50(slug, fromMS(start))
	r.LatencyP95 = fromUS(p95.Int64)
	return r
}

// EachOutage calls fn for every outage Outages would return, in the same
// order, without holding them all.
func (db *DB) EachOutage(ctx context.Context, from, to time.Time, fn func(egovbench.Outage) error) error {
	rows, err := db.read.QueryContext(ctx, `SELECT t.slug, o.started_at, o.ended_at, o.cause
		FROM outages o JOIN targets t ON t.id = o.target_id
		WHERE o.started_at < ? AND (o.ended_at IS NULL OR o.ended_at > ?)
		ORDER BY o.started_at, t.slug`, ms(to), ms(from))
	if err != nil {
		return fmt.Errorf("outages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o egovbench.Outage
		var start int64
		var end sql.NullInt64
		var cause string
		if err := rows.Scan(&o.TargetID, &start, &end, &cause); err != nil {
			return fmt.Errorf("outages: %w", err)
		}
		o.Start, o.End, o.Cause = fromMS(start), fromNullMS(end), egovbench.Outcome(cause)
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("outages: %w", err)
	}
	return nil
}

// RunAssessedAt returns the crawl time of the oldest assessment a run made
// (zero when it made none): the date a baseline run stands for.
func (db *DB) RunAssessedAt(ctx context.Context, runID int64) (time.Time, error) {
	var at sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT min(assessed_at) FROM assessments WHERE run_id = ?`, runID).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("run %d assessed at: %w", runID, err)
	}
	return fromNullMS(at), nil
}

// SiteQuery bounds what EachSite reads besides assessments.
type SiteQuery struct {
	// Until, when set, makes the record as of a past moment: the latest
	// state, the crawl before it and the stage history count only the
	// assessments of crawls made before Until.
	Until time.Time
	// The previous state: the state as of PreviousAsOf (as AssessmentsAsOf)
	// when set, else as of run PreviousRun (as RunAssessments) when set,
	// else the crawl before the latest (as PreviousAssessments).
	PreviousAsOf time.Time
	PreviousRun  int64
	// Daily rollups whose day starts in [DailyFrom rounded down to its day, DailyTo).
	DailyFrom, DailyTo time.Time
	// Outages that overlap [OutagesFrom, OutagesTo).
	OutagesFrom, OutagesTo time.Time
	// Detail, when set, has the assessments read brief first (see
	// egovbench.SiteRecord.Brief) and in full only for the records it is
	// true for. It sees each record complete but for that, before fn does,
	// on the pass's goroutine.
	Detail func(egovbench.SiteRecord) bool
}

// EachSite calls fn for every target in ID order with everything a report
// shows of it: latest and previous assessments (in full, unless q.Detail
// says otherwise), stage history, daily rollups and outages. It reads a page
// of targets at a time, so memory stays constant in the number of targets;
// fn may keep what it is given. Each record's Stamp names its two
// assessments by id: assessments are written once and never changed.
func (db *DB) EachSite(ctx context.Context, q SiteQuery, fn func(egovbench.SiteRecord) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sites: %w", err)
	}
	defer tx.Rollback()
	daily, err := db.newDailyReader(ctx, tx, q.DailyFrom, q.DailyTo)
	if err != nil {
		return fmt.Errorf("sites: %w", err)
	}
	defer daily.close()
	// step reads batch b, whose rollups the second reader was started on,
	// and starts it on the next batch as soon as b's are in: it reads them
	// while the pass hands b's records on, rather than wait for the pass.
	step := func(b, next []targetRow) error {
		ids := batchIDs(b)
		recs := make([]egovbench.SiteRecord, len(b))
		idx := make(map[string]int, len(b))
		for i, r := range b {
			recs[i].Target = r.t
			idx[r.t.ID] = i
		}
		until := beforeMS(q.Until)
		prevQ, prevArgs := batchPreviousIDs, []any{ids, nil, until}
		switch {
		case !q.PreviousAsOf.IsZero():
			prevQ, prevArgs = batchAsOfIDs, []any{ids, ms(q.PreviousAsOf)}
		case q.PreviousRun != 0:
			prevQ, prevArgs = batchRunIDs, []any{ids, q.PreviousRun}
		}
		brief := q.Detail != nil
		// Each record's latest and previous assessment ids, 0 for none.
		aidOf := make([][2]int64, len(b))
		for n, sel := range [2]struct {
			q    string
			args []any
		}{{batchLatestIDs, []any{ids, nil, until}}, {prevQ, prevArgs}} {
			aids, err := selectIDs(ctx, tx, sel.q, sel.args...)
			if err != nil {
				return err
			}
			as, err := loadAssessments(ctx, tx, aids, brief)
			if err != nil {
				return err
			}
			for id, a := range as {
				k := idx[a.TargetID]
				aidOf[k][n] = id
				if n == 0 {
					recs[k].Latest = a
				} else {
					recs[k].Previous = a
				}
			}
		}
		for k := range recs {
			recs[k].Stamp = strconv.FormatInt(aidOf[k][0], 10) + "/" + strconv.FormatInt(aidOf[k][1], 10)
			recs[k].Brief = brief
		}
		if err := batchStagePoints(ctx, tx, b, until, func(p egovbench.StagePoint) error {
			r := &recs[idx[p.TargetID]]
			r.History = append(r.History, p)
			return nil
		}); err != nil {
			return err
		}
		days, err := daily.deliver(ctx, tx, b)
		if err != nil {
			return err
		}
		if next != nil {
			daily.start(next)
		}
		for k := range recs {
			recs[k].Daily = days[k]
		}
		if err := batchOutages(ctx, tx, b, q.OutagesFrom, q.OutagesTo, func(k int, o egovbench.Outage) {
			recs[k].Outages = append(recs[k].Outages, o)
		}); err != nil {
			return err
		}
		if brief {
			if err := detailAssessments(ctx, tx, recs, aidOf, q.Detail); err != nil {
				return err
			}
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	var pending []targetRow
	err = eachTargetBatch(ctx, tx, siteBatch, func(b []targetRow) error {
		b = slices.Clone(b) // eachTargetBatch reuses its slice
		if pending == nil {
			daily.start(b)
			pending = b
			return nil
		}
		err := step(pending, b)
		pending = b
		return err
	})
	if err == nil && pending != nil {
		err = step(pending, nil)
	}
	if err != nil {
		return fmt.Errorf("sites: %w", err)
	}
	return nil
}

// detailAssessments reads in full the assessments of the brief records
// detail asks for.
func detailAssessments(ctx context.Context, tx *sql.Tx, recs []egovbench.SiteRecord, aidOf [][2]int64, detail func(egovbench.SiteRecord) bool) error {
	var want []int64
	var need []int
	for k := range recs {
		if !detail(recs[k]) {
			continue
		}
		need = append(need, k)
		for _, id := range aidOf[k] {
			if id != 0 {
				want = append(want, id)
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	full, err := loadAssessments(ctx, tx, want, false)
	if err != nil {
		return err
	}
	for _, k := range need {
		r := &recs[k]
		r.Brief, r.Latest, r.Previous = false, full[aidOf[k][0]], full[aidOf[k][1]]
		if r.Previous != nil && r.Previous == r.Latest {
			// A baseline can be the latest crawl itself; the two stay
			// separate values, as when they are read apart.
			p := *r.Previous
			r.Previous = &p
		}
	}
	return nil
}

// batchDaily reads the daily rollups of a batch's targets by primary key,
// each target's in day order (the targets in row id order, not the
// batch's: ordering by the batch's ordinal made SQLite sort all the
// batch's rows, histograms and all, before the first came out).
func batchDaily(ctx context.Context, tx *sql.Tx, b []targetRow, from, to time.Time, fn func(int, egovbench.Rollup)) error {
	ord := make(map[int64]int, len(b))
	for k, r := range b {
		ord[r.id] = k
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.target_id, r.day, `+rollupCols+`
		FROM probe_daily r WHERE r.target_id IN (SELECT value FROM json_each(?))
		AND r.day >= ? AND r.day <= ? ORDER BY r.target_id, r.day`,
		batchIDs(b), dayString(ms(from)), dayString(ms(to)-1))
	if err != nil {
		return err
	}
	defer rows.Close()
	sc := newRollupScan()
	var a agg // reused: its histogram's storage serves every row
	for rows.Next() {
		key, start, p95, err := sc.scan(rows, &a)
		if err != nil {
			return err
		}
		tid, _ := key.(int64)
		k, ok := ord[tid]
		if !ok {
			return fmt.Errorf("daily rollup of target %v, not in the batch", key)
		}
		fn(k, storedRollup(&a, b[k].t.ID, start, p95))
	}
	return rows.Err()
}

// batchOutages reads the outages of a batch's targets that overlap [from, to).
func batchOutages(ctx context.Context, tx *sql.Tx, b []targetRow, from, to time.Time, fn func(int, egovbench.Outage)) error {
	rows, err := tx.QueryContext(ctx, `SELECT t.key, o.started_at, o.ended_at, o.cause
		FROM json_each(?) t CROSS JOIN outages o
		WHERE o.target_id = t.value AND o.started_at < ? AND (o.ended_at IS NULL OR o.ended_at > ?)
		ORDER BY t.key, o.started_at`, batchIDs(b), ms(to), ms(from))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		var o egovbench.Outage
		var start int64
		var end sql.NullInt64
		var cause string
		if err := rows.Scan(&k, &start, &end, &cause); err != nil {
			return err
		}
		o.TargetID = b[k].t.ID
		o.Start, o.End, o.Cause = fromMS(start), fromNullMS(end), egovbench.Outcome(cause)
		fn(k, o)
	}
	return rows.Err()
}
