package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// SaveAssessment stores an assessment on its own, as an analyze run does
// when it re-scores a stored crawl: a.RunID is the analyze run, so earlier
// assessments of the same crawl stay. If the run lists the target as
// pending, it is marked done in the same transaction (re-analysis resumes
// like a crawl). A second assessment of a target in the same run is refused.
func (db *DB) SaveAssessment(ctx context.Context, a egovbench.Assessment) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error { return db.saveAssessmentTx(ctx, tx, a) })
	if err != nil {
		return fmt.Errorf("save assessment of %q in run %d: %w", a.TargetID, a.RunID, err)
	}
	return nil
}

// saveAssessmentTx is SaveAssessment's work inside tx.
func (db *DB) saveAssessmentTx(ctx context.Context, tx *sql.Tx, a egovbench.Assessment) error {
	tid, err := targetRowID(ctx, tx, a.TargetID)
	if err != nil {
		return err
	}
	if err := db.saveAssessment(ctx, tx, tid, a); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE crawls SET status = 'done', finished_at = ?, pages = ?
		WHERE run_id = ? AND target_id = ? AND status = 'pending'`, ms(db.now()), a.PagesAnalyzed, a.RunID, tid)
	return err
}

func jsonOrNull[T any](v T, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func (db *DB) saveAssessment(ctx context.Context, tx *sql.Tx, tid int64, a egovbench.Assessment) error {
	if a.RunID == 0 || a.AssessedAt.IsZero() {
		return fmt.Errorf("assessment needs a run and a time: %w", egovbench.ErrInvalid)
	}
	if _, err := egovbench.ParseStage(a.Stage.String()); err != nil {
		return fmt.Errorf("assessment: %w", err)
	}
	if math.IsNaN(a.Score) || math.IsInf(a.Score, 0) || math.IsNaN(a.Confidence) || math.IsInf(a.Confidence, 0) {
		return fmt.Errorf("assessment: score and confidence must be finite: %w", egovbench.ErrInvalid)
	}
	for k, v := range a.CriterionScores {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("assessment: criterion score %q must be finite: %w", k, egovbench.ErrInvalid)
		}
	}
	fw, err := jsonOrNull(a.Frameworks, len(a.Frameworks) == 0)
	if err != nil {
		return err
	}
	cs, err := jsonOrNull(a.CriterionScores, len(a.CriterionScores) == 0)
	if err != nil {
		return err
	}
	ns, err := jsonOrNull(a.NextSteps, a.NextSteps == nil)
	if err != nil {
		return err
	}
	ast, err := db.stmts.stmt(ctx, tx, qAssessment)
	if err != nil {
		return fmt.Errorf("assessment: %w", err)
	}
	defer ast.Close()
	status := a.Status
	if status == "" {
		status = egovbench.StatusAssessed
	}
	if !slices.Contains(egovbench.AssessmentStatuses, status) {
		return fmt.Errorf("assessment: unknown status %q: %w", status, egovbench.ErrInvalid)
	}
	res, err := ast.ExecContext(ctx, a.RunID, tid, ms(a.AssessedAt), a.CatalogueVersion, boolInt(a.Reachable),
		a.Stage.String(), a.Score, a.Confidence, fw, cs, ns, a.PagesAnalyzed, a.Language, boolInt(a.LanguageCovered),
		string(status), a.StatusCause)
	if err != nil {
		return fmt.Errorf("assessment: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	// Indicators and evidence go out as multi-row inserts: a catalogue has
	// dozens of each, and one statement per row was most of the cost.
	ist := db.cachedInsert(indicatorsInsert())
	defer ist.close()
	est := db.cachedInsert(evidenceInsert())
	defer est.close()
	for i, r := range a.Indicators {
		if err := ist.add(ctx, tx, id, r.ID, i, boolInt(r.Met)); err != nil {
			return fmt.Errorf("indicators: %w", err)
		}
		for _, e := range r.Evidence {
			if err := est.add(ctx, tx, id, r.ID, e.PageURL, e.Element, e.Text, boolInt(e.Rendered)); err != nil {
				return fmt.Errorf("evidence: %w", err)
			}
		}
	}
	if err := ist.flush(ctx, tx); err != nil {
		return fmt.Errorf("indicators: %w", err)
	}
	if err := est.flush(ctx, tx); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	for _, list := range []struct {
		q    string
		what string
		ds   []egovbench.DeadService
	}{{qDeadService, "dead service", a.DeadServices}, {qUnverifiedService, "unverified service", a.UnverifiedServices}} {
		if len(list.ds) == 0 {
			continue
		}
		st, err := db.stmts.stmt(ctx, tx, list.q)
		if err != nil {
			return fmt.Errorf("%ss: %w", list.what, err)
		}
		defer st.Close()
		for _, d := range list.ds {
			if _, err := st.ExecContext(ctx, id, d.PageURL, d.URL, d.Text, d.Reason); err != nil {
				return fmt.Errorf("%s %q: %w", list.what, d.URL, err)
			}
		}
	}
	return nil
}

// stagePoints is one assessment per target and crawl time: when a crawl was
// re-analysed, the newest assessment of it (highest id) stands. The GROUP BY
// runs on the covering index (target_id, assessed_at, id), in that order.
const stagePoints = `SELECT target_id, assessed_at, max(id) AS id FROM assessments GROUP BY target_id, assessed_at`

// latestIDs and previousIDs select one assessment id per target with index
// seeks (newest crawl time, then newest analysis of it), instead of ranking
// every assessment: years of daily crawls stay cheap.
const (
	latestIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.id
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) AS id FROM targets t`
	previousIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.id
		AND a.assessed_at < (SELECT max(x.assessed_at) FROM assessments x WHERE x.target_id = t.id)
		AND a.status IN ` + measuredStatuses + `
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) AS id FROM targets t`
	// latestMeasuredIDs is each target's newest assessment that observed
	// the site: of the newest crawl time whose current (highest id)
	// analysis was measured.
	latestMeasuredIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.id
		AND a.id = (SELECT max(b.id) FROM assessments b WHERE b.target_id = t.id AND b.assessed_at = a.assessed_at)
		AND a.status IN ` + measuredStatuses + `
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) AS id FROM targets t`
	// asOfIDs takes the moment in Unix milliseconds.
	asOfIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.id AND a.assessed_at < ?
		ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1) AS id FROM targets t`
	// runIDs takes the run id: the crawl time the run assessed, then the
	// newest analysis of that crawl.
	runIDs = `SELECT (SELECT a.id FROM assessments a WHERE a.target_id = t.id
		AND a.assessed_at = (SELECT x.assessed_at FROM assessments x WHERE x.run_id = ?1 AND x.target_id = t.id)
		ORDER BY a.id DESC LIMIT 1) AS id FROM targets t`
)

// measuredStatuses is egovbench.AssessmentStatus.Measured as SQL.
const measuredStatuses = `('assessed', 'not_official')`

// LatestMeasured returns each target's latest assessment that observed the
// site (status assessed or not_official), skipping unreachable and blocked
// runs: what a stage drop is judged against. Targets never measured are absent.
func (db *DB) LatestMeasured(ctx context.Context) (map[string]egovbench.Assessment, error) {
	m, err := db.assessments(ctx, latestMeasuredIDs)
	if err != nil {
		return nil, fmt.Errorf("latest measured assessments: %w", err)
	}
	return m, nil
}

// LatestAssessments returns each target's latest assessment (newest crawl
// time, and of that crawl the newest analysis), with indicators, evidence
// and dead services, keyed by target ID.
func (db *DB) LatestAssessments(ctx context.Context) (map[string]egovbench.Assessment, error) {
	m, err := db.assessments(ctx, latestIDs)
	if err != nil {
		return nil, fmt.Errorf("latest assessments: %w", err)
	}
	return m, nil
}

// PreviousAssessments returns, per target, the newest measured assessment
// (status assessed or not_official) of a crawl before the latest one
// (re-analyses of the latest crawl do not count as a previous state), so
// reports can show what changed between two observations: a run in which
// the site did not answer is skipped. Targets with no such crawl are absent.
func (db *DB) PreviousAssessments(ctx context.Context) (map[string]egovbench.Assessment, error) {
	m, err := db.assessments(ctx, previousIDs)
	if err != nil {
		return nil, fmt.Errorf("previous assessments: %w", err)
	}
	return m, nil
}

// AssessmentsAsOf returns each target's state at a past moment: its newest
// assessment of a crawl made before at (the newest analysis of that crawl),
// keyed by target ID. Targets not crawled before at are absent. Reports
// compare the latest state with it (report --since).
func (db *DB) AssessmentsAsOf(ctx context.Context, at time.Time) (map[string]egovbench.Assessment, error) {
	m, err := db.assessments(ctx, asOfIDs, ms(at))
	if err != nil {
		return nil, fmt.Errorf("assessments as of %s: %w", at.UTC().Format(time.RFC3339), err)
	}
	return m, nil
}

// RunAssessments returns each target's state as of a run: the newest
// analysis of the crawl the run made (or, for an analyze run, re-analysed),
// keyed by target ID; targets the run did not assess are absent. A run that
// does not exist is an error wrapping ErrNotFound (report --compare).
func (db *DB) RunAssessments(ctx context.Context, runID int64) (map[string]egovbench.Assessment, error) {
	if _, err := db.Run(ctx, runID); err != nil {
		return nil, err
	}
	m, err := db.assessments(ctx, runIDs, runID)
	if err != nil {
		return nil, fmt.Errorf("assessments of run %d: %w", runID, err)
	}
	return m, nil
}

// assessments loads the full assessments whose ids the selection returns,
// in one read transaction so that the queries agree.
func (db *DB) assessments(ctx context.Context, selection string, args ...any) (map[string]egovbench.Assessment, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids, err := selectIDs(ctx, tx, selection, args...)
	if err != nil {
		return nil, err
	}
	byID, err := loadAssessments(ctx, tx, ids, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]egovbench.Assessment, len(byID))
	for _, a := range byID {
		out[a.TargetID] = *a
	}
	return out, nil
}

// selectIDs runs a query that returns one (possibly NULL) assessment id per row.
func selectIDs(ctx context.Context, q queryer, selection string, args ...any) ([]int64, error) {
	idRows, err := q.QueryContext(ctx, selection, args...)
	if err != nil {
		return nil, err
	}
	defer idRows.Close()
	var ids []int64
	for idRows.Next() {
		var id sql.NullInt64
		if err := idRows.Scan(&id); err != nil {
			return nil, err
		}
		if id.Valid {
			ids = append(ids, id.Int64)
		}
	}
	return ids, idRows.Err()
}

// loadAssessments loads the assessments with the given ids, keyed by id. A
// light load is what exports carry: Indicators lists only the met ones, and
// evidence, dead and unverified services, frameworks, criterion scores and
// next steps are left out (they are most of an assessment's rows and decoding).
func loadAssessments(ctx context.Context, tx *sql.Tx, ids []int64, light bool) (map[int64]*egovbench.Assessment, error) {
	byID := make(map[int64]*egovbench.Assessment, len(ids))
	if len(ids) == 0 {
		return byID, nil
	}
	idJSON, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// The ids go to the loads as one JSON array.
	with := `WITH sel(id) AS (SELECT value FROM json_each(?)) `
	rows, err := tx.QueryContext(ctx, with+`SELECT a.id, t.slug, a.run_id, a.assessed_at, a.catalogue_version, a.reachable,
		a.stage, a.score, a.confidence, a.frameworks, a.criterion_scores, a.next_steps, a.pages_analyzed,
		a.language, a.language_covered, a.status, a.status_cause
		FROM sel JOIN assessments a ON a.id = sel.id JOIN targets t ON t.id = a.target_id`, string(idJSON))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a egovbench.Assessment
		var id, at int64
		var stage string
		var fw, cs, ns sql.NullString
		if err := rows.Scan(&id, &a.TargetID, &a.RunID, &at, &a.CatalogueVersion, &a.Reachable, &stage, &a.Score,
			&a.Confidence, &fw, &cs, &ns, &a.PagesAnalyzed, &a.Language, &a.LanguageCovered,
			&a.Status, &a.StatusCause); err != nil {
			return nil, err
		}
		a.AssessedAt = fromMS(at)
		if a.Stage, err = egovbench.ParseStage(stage); err != nil {
			return nil, err
		}
		for _, j := range []struct {
			s   sql.NullString
			dst any
		}{{fw, &a.Frameworks}, {cs, &a.CriterionScores}, {ns, &a.NextSteps}} {
			if j.s.Valid && !light {
				if err := json.Unmarshal([]byte(j.s.String), j.dst); err != nil {
					return nil, fmt.Errorf("assessment %d: %w", id, err)
				}
			}
		}
		byID[id] = &a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()

	if light {
		// One row per assessment: the met ids joined in catalogue order. A
		// row per indicator was most of the time of a 100,000-row export.
		mrows, err := tx.QueryContext(ctx, with+`SELECT i.assessment_id, group_concat(i.indicator_id, char(31) ORDER BY i.position)
			FROM sel JOIN assessment_indicators i ON i.assessment_id = sel.id WHERE i.met = 1 GROUP BY i.assessment_id`, string(idJSON))
		if err != nil {
			return nil, err
		}
		defer mrows.Close()
		for mrows.Next() {
			var id int64
			var met string
			if err := mrows.Scan(&id, &met); err != nil {
				return nil, err
			}
			a := byID[id]
			for _, ind := range strings.Split(met, "\x1f") {
				a.Indicators = append(a.Indicators, egovbench.IndicatorResult{ID: ind, Met: true})
			}
		}
		return byID, mrows.Err()
	}

	// Indicators come in catalogue order; evidence is attached by indicator id.
	pos := map[int64]map[string]int{}
	irows, err := tx.QueryContext(ctx, with+`SELECT i.assessment_id, i.indicator_id, i.met FROM sel
		JOIN assessment_indicators i ON i.assessment_id = sel.id ORDER BY i.assessment_id, i.position`, string(idJSON))
	if err != nil {
		return nil, err
	}
	defer irows.Close()
	for irows.Next() {
		var id int64
		var r egovbench.IndicatorResult
		if err := irows.Scan(&id, &r.ID, &r.Met); err != nil {
			return nil, err
		}
		a := byID[id]
		if pos[id] == nil {
			pos[id] = map[string]int{}
		}
		pos[id][r.ID] = len(a.Indicators)
		a.Indicators = append(a.Indicators, r)
	}
	if err := irows.Err(); err != nil {
		return nil, err
	}
	irows.Close()

	// Each indicator's evidence in the order it was stored. Walking the
	// (assessment_id, indicator_id) index in order gives that without
	// sorting every row of the batch first (ORDER BY rowid did: half the
	// time of reading evidence).
	erows, err := tx.QueryContext(ctx, `SELECT e.assessment_id, e.indicator_id, e.page_url, e.element, e.text, e.rendered
		FROM evidence e WHERE e.assessment_id IN (SELECT value FROM json_each(?))
		ORDER BY e.assessment_id, e.indicator_id, e.rowid`, string(idJSON))
	if err != nil {
		return nil, err
	}
	defer erows.Close()
	for erows.Next() {
		var id int64
		var ind string
		var e egovbench.Evidence
		if err := erows.Scan(&id, &ind, &e.PageURL, &e.Element, &e.Text, &e.Rendered); err != nil {
			return nil, err
		}
		if i, ok := pos[id][ind]; ok {
			r := &byID[id].Indicators[i]
			r.Evidence = append(r.Evidence, e)
		}
	}
	if err := erows.Err(); err != nil {
		return nil, err
	}
	erows.Close()

	for _, list := range []struct {
		table string
		dst   func(*egovbench.Assessment) *[]egovbench.DeadService
	}{
		{"dead_services", func(a *egovbench.Assessment) *[]egovbench.DeadService { return &a.DeadServices }},
		{"unverified_services", func(a *egovbench.Assessment) *[]egovbench.DeadService { return &a.UnverifiedServices }},
	} {
		if err := readServiceLinks(ctx, tx, with, list.table, string(idJSON), byID, list.dst); err != nil {
			return nil, err
		}
	}
	return byID, nil
}

// StageHistory returns one light point per target and crawl (the newest
// analysis of each crawl), ordered by target ID then time: what trend charts
// need, without indicators or evidence.
func (db *DB) StageHistory(ctx context.Context) ([]egovbench.StagePoint, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	defer tx.Rollback()
	slugs, err := targetSlugs(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.target_id, a.run_id, p.assessed_at, a.stage, a.score
		FROM (`+stagePoints+`) p JOIN assessments a ON a.id = p.id WHERE a.status IN `+measuredStatuses)
	if err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	defer rows.Close()
	var out []egovbench.StagePoint
	var stage sql.RawBytes
	for rows.Next() {
		var p egovbench.StagePoint
		var tid, at int64
		if err := rows.Scan(&tid, &p.RunID, &at, &stage, &p.Score); err != nil {
			return nil, fmt.Errorf("stage history: %w", err)
		}
		p.TargetID, p.At = slugs[tid], fromMS(at)
		if p.Stage, err = stageOf(stage); err != nil {
			return nil, fmt.Errorf("stage history: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stage history: %w", err)
	}
	// Rows come grouped by internal id in time order; a stable sort by slug
	// keeps the time order within each target.
	slices.SortStableFunc(out, func(a, b egovbench.StagePoint) int { return strings.Compare(a.TargetID, b.TargetID) })
	return out, nil
}

// stageOf parses a stored stage name without allocating.
func stageOf(b []byte) (egovbench.Stage, error) {
	for _, s := range []egovbench.Stage{egovbench.StageNone, egovbench.StagePresence, egovbench.StageInteraction,
		egovbench.StageIntegration, egovbench.StageTransaction} {
		if string(b) == s.String() {
			return s, nil
		}
	}
	return egovbench.ParseStage(string(b))
}

// readServiceLinks attaches the rows of a service-link table (dead_services,
// unverified_services; a constant of this package, never input) to the
// selected assessments, in the order they were written.
func readServiceLinks(ctx context.Context, tx *sql.Tx, with, table, ids string, byID map[int64]*egovbench.Assessment,
	dst func(*egovbench.Assessment) *[]egovbench.DeadService) error {
	rows, err := tx.QueryContext(ctx, with+`SELECT d.assessment_id, d.page_url, d.url, d.text, d.reason
		FROM sel JOIN `+table+` d ON d.assessment_id = sel.id ORDER BY d.rowid`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d egovbench.DeadService
		if err := rows.Scan(&id, &d.PageURL, &d.URL, &d.Text, &d.Reason); err != nil {
			return err
		}
		list := dst(byID[id])
		*list = append(*list, d)
	}
	return rows.Err()
}
