package store

import (
	"context"
	"errors"
	"testing"

	"github.com/egovbench/egovbench"
)

func TestRecordCrawlFailure(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(3))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001", "site-002"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCrawl(ctx, testSnapshot("site-002", run.ID, t0, "<html></html>"), egovbench.Assessment{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		target, reason string
		want           error
	}{
		{"site-000", "crawl crashed: boom", nil},
		{"site-000", "a second delivery of the same failure", nil}, // kept once, the first reason stays
		{"site-002", "already saved", egovbench.ErrInvalid},
		{"site-404", "not stored", egovbench.ErrNotFound},
		{"site-001", "", egovbench.ErrInvalid},
	} {
		err := db.RecordCrawlFailure(ctx, run.ID, c.target, 3, c.reason)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("RecordCrawlFailure(%s, %q) = %v, want %v", c.target, c.reason, err, c.want)
		}
	}
	got, err := db.FailedTargets(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["site-000"] != "crawl crashed: boom" {
		t.Errorf("FailedTargets = %v", got)
	}
	pending, err := db.PendingTargets(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 {
		t.Errorf("pending %v: a failed target stays pending", pending)
	}
}
