package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/egovbench/egovbench"
)

// UpsertTargets inserts new targets and updates the stored fields of known
// ones (matched by Target.ID, the slug), all in one transaction: a bad
// target leaves the table as it was. Targets absent from the list are kept,
// since their history still belongs in reports.
func (db *DB) UpsertTargets(ctx context.Context, ts []egovbench.Target) error {
	seen := make(map[string]bool, len(ts))
	for i, t := range ts {
		if strings.TrimSpace(t.ID) == "" || strings.TrimSpace(t.URL) == "" {
			return fmt.Errorf("upsert targets: target %d (%q): id and url are required: %w", i, t.Name, egovbench.ErrInvalid)
		}
		if seen[t.ID] {
			return fmt.Errorf("upsert targets: duplicate id %q: %w", t.ID, egovbench.ErrInvalid)
		}
		seen[t.ID] = true
	}
	now := ms(db.now())
	return db.withTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO targets
			(slug, name, url, level, region, parent, country, lang, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name, url = excluded.url,
				level = excluded.level, region = excluded.region, parent = excluded.parent,
				country = excluded.country, lang = excluded.lang, updated_at = excluded.updated_at
			WHERE (name, url, level, region, parent, country, lang) IS NOT
				(excluded.name, excluded.url, excluded.level, excluded.region, excluded.parent, excluded.country, excluded.lang)`)
		if err != nil {
			return fmt.Errorf("upsert targets: %w", err)
		}
		defer st.Close()
		for _, t := range ts {
			if _, err := st.ExecContext(ctx, t.ID, t.Name, t.URL, t.Level, t.Region, t.Parent, t.Country, t.Lang, now, now); err != nil {
				return fmt.Errorf("upsert target %q: %w", t.ID, err)
			}
		}
		return nil
	})
}

// Targets returns every stored target ordered by ID.
func (db *DB) Targets(ctx context.Context) ([]egovbench.Target, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT slug, name, url, level, region, parent, country, lang
		FROM targets ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	defer rows.Close()
	var ts []egovbench.Target
	for rows.Next() {
		var t egovbench.Target
		if err := rows.Scan(&t.ID, &t.Name, &t.URL, &t.Level, &t.Region, &t.Parent, &t.Country, &t.Lang); err != nil {
			return nil, fmt.Errorf("targets: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return ts, nil
}

// queryer is what *sql.Tx and *sql.DB share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// targetRowID maps a slug to the internal row id; an unknown slug is an
// error, never a silent insert, so typos do not grow the target list.
func targetRowID(ctx context.Context, q queryer, slug string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM targets WHERE slug = ?`, slug).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("target %q is not stored (upsert targets first): %w", slug, egovbench.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("target %q: %w", slug, err)
	}
	return id, nil
}

// targetRowIDs loads the whole slug -> row id map; cheaper than one query
// per probe for batches that touch every target.
func targetRowIDs(ctx context.Context, q queryer) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT slug, id FROM targets`)
	if err != nil {
		return nil, fmt.Errorf("target ids: %w", err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var s string
		var id int64
		if err := rows.Scan(&s, &id); err != nil {
			return nil, fmt.Errorf("target ids: %w", err)
		}
		m[s] = id
	}
	return m, rows.Err()
}
