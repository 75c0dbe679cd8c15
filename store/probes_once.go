package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egovbench/egovbench"
)

// InsertProbesOnce stores what probe workers sent (see package dist): the
// probes as InsertProbes does, and the rounds their workers judged
// degraded, in one transaction. It is idempotent, for a hub that may be
// handed a message again after a crash between its commit and its ack: a
// probe whose target already has a stored probe at the same instant (to
// the millisecond, as stored) is dropped, and so is a degraded round
// identical to a stored one. It returns how many probes and rounds were
// new.
func (db *DB) InsertProbesOnce(ctx context.Context, ps []egovbench.Probe, rounds []egovbench.DegradedRound) (probes, degraded int, err error) {
	if len(ps) == 0 && len(rounds) == 0 {
		return 0, 0, nil
	}
	for _, r := range rounds {
		if err := checkDegradedRound(r); err != nil {
			return 0, 0, err
		}
	}
	var learned map[string]int64
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		var fresh []egovbench.Probe
		var ids map[string]int64
		if len(ps) > 0 {
			var err error
			if ids, err = db.batchTargetIDs(ctx, tx, ps); err != nil {
				return err
			}
			if fresh, err = newProbes(ctx, tx, ps, ids); err != nil {
				return err
			}
		}
		if len(fresh) > 0 {
			var err error
			if learned, err = db.insertProbes(ctx, tx, fresh, ids); err != nil {
				return err
			}
		}
		probes = len(fresh)
		for _, r := range rounds {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM prober_degraded_rounds
				WHERE at = ? AND targets = ? AND failed = ? AND reason = ?`, ms(r.At), r.Targets, r.Failed, r.Reason).Scan(&n)
			if err != nil {
				return fmt.Errorf("degraded round: %w", err)
			}
			if n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, qInsertDegradedRound, ms(r.At), r.Targets, r.Failed, r.Reason); err != nil {
				return fmt.Errorf("degraded round: %w", err)
			}
			degraded++
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("insert probes once: %w", err)
	}
	db.learnURLs(learned)
	return probes, degraded, nil
}

// newProbes returns the probes of ps not stored yet, nor repeated within
// ps. A probe of a target that is not stored is kept: insertProbes then
// refuses the batch with ErrNotFound, as InsertProbes would.
func newProbes(ctx context.Context, tx *sql.Tx, ps []egovbench.Probe, ids map[string]int64) ([]egovbench.Probe, error) {
	st, err := tx.PrepareContext(ctx, `SELECT 1 FROM probes WHERE target_id = ? AND at = ? LIMIT 1`)
	if err != nil {
		return nil, fmt.Errorf("stored probes: %w", err)
	}
	defer st.Close()
	type key struct {
		tid string
		at  int64
	}
	seen := make(map[key]bool, len(ps))
	out := make([]egovbench.Probe, 0, len(ps))
	for _, p := range ps {
		k := key{p.TargetID, ms(p.At)}
		if seen[k] {
			continue
		}
		seen[k] = true
		if tid, ok := ids[p.TargetID]; ok {
			var one int
			switch err := st.QueryRowContext(ctx, tid, k.at).Scan(&one); {
			case err == nil:
				continue // stored before
			case err != sql.ErrNoRows:
				return nil, fmt.Errorf("stored probes: %w", err)
			}
		}
		out = append(out, p)
	}
	return out, nil
}
