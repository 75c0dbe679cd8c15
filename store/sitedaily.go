package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovbench/egovbench"
)

// dailyReader reads the daily rollups of EachSite's batches — most of a
// site's rows: a year of days against two assessments — on a second read
// transaction, while the pass's own transaction reads the batch's
// assessments, history and outages: on a 20,000-site year the two halves
// take about the same time, and read one after the other they were the
// whole length of an incremental report.
//
// The second transaction must see the data the first sees. SQLite gives each
// read transaction the snapshot of its first read, and every commit that
// changes probe_daily counts its days in probe_daily_writes (flushes and
// prunes alike), so two snapshots with the same counts hold the same daily
// rollups. When they differ (a flush committed between the two first reads)
// the second is taken again, and after a few tries the rollups are read on
// the pass's own transaction, as they are when the read pool has no
// connection to spare beyond the two: a table written beside the report must
// still find one, or it would wait for the pass that waits for it.
type dailyReader struct {
	tx       *sql.Tx // the second transaction; nil: read on the pass's own
	from, to time.Time
	req      chan []targetRow
	res      chan dailyBatch
	done     chan struct{}
}

type dailyBatch struct {
	rows [][]egovbench.Rollup
	err  error
}

// dailyMark moves with every commit that changes probe_daily.
const dailyMark = `SELECT coalesce(sum(writes), 0), count(*) FROM probe_daily_writes`

// companionTries bounds the attempts at a second snapshot equal to the first.
const companionTries = 3

func (db *DB) newDailyReader(ctx context.Context, tx *sql.Tx, from, to time.Time) (*dailyReader, error) {
	r := &dailyReader{from: from, to: to}
	if db.read.Stats().MaxOpenConnections < 3 {
		return r, nil
	}
	var want [2]int64
	// The pass's transaction takes its snapshot here, if it has not yet.
	if err := tx.QueryRowContext(ctx, dailyMark).Scan(&want[0], &want[1]); err != nil {
		return nil, fmt.Errorf("daily rollups: %w", err)
	}
	for range companionTries {
		tx2, err := db.read.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("daily rollups: %w", err)
		}
		var got [2]int64
		if err := tx2.QueryRowContext(ctx, dailyMark).Scan(&got[0], &got[1]); err != nil {
			tx2.Rollback()
			return nil, fmt.Errorf("daily rollups: %w", err)
		}
		if got == want {
			r.tx = tx2
			break
		}
		tx2.Rollback()
	}
	if r.tx == nil {
		return r, nil
	}
	r.req, r.res, r.done = make(chan []targetRow), make(chan dailyBatch, 1), make(chan struct{})
	go func() {
		defer close(r.done)
		for b := range r.req {
			rows, err := readDaily(ctx, r.tx, b, r.from, r.to)
			r.res <- dailyBatch{rows, err}
		}
	}()
	return r, nil
}

// start begins reading b's rollups on the second transaction; each start
// is followed by a deliver of the same batch.
func (r *dailyReader) start(b []targetRow) {
	if r.tx != nil {
		r.req <- b
	}
}

// deliver returns b's rollups by batch position, each target's in day
// order, reading them on tx when there is no second transaction.
func (r *dailyReader) deliver(ctx context.Context, tx *sql.Tx, b []targetRow) ([][]egovbench.Rollup, error) {
	if r.tx == nil {
		return readDaily(ctx, tx, b, r.from, r.to)
	}
	got := <-r.res
	return got.rows, got.err
}

func readDaily(ctx context.Context, tx *sql.Tx, b []targetRow, from, to time.Time) ([][]egovbench.Rollup, error) {
	rows := make([][]egovbench.Rollup, len(b))
	err := batchDaily(ctx, tx, b, from, to, func(k int, ro egovbench.Rollup) {
		if rows[k] == nil {
			// A target's rows come in day order: the first one's day
			// bounds how many there can be (a year at most is sized).
			rows[k] = make([]egovbench.Rollup, 0, min(max(int(to.Sub(ro.Start)/(24*time.Hour))+1, 1), 400))
		}
		rows[k] = append(rows[k], ro)
	})
	return rows, err
}

// close stops the second reader (a batch started and not delivered is
// dropped) and ends its transaction.
func (r *dailyReader) close() {
	if r.tx == nil {
		return
	}
	close(r.req)
	<-r.done
	r.tx.Rollback()
}
