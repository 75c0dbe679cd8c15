package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/reports"
)

// countingSource notes the sites whose record a report read in full.
type countingSource struct {
	reports.BriefSource
	full []string
}

func (c *countingSource) note(r egovbench.SiteRecord) {
	if !r.Brief {
		c.full = append(c.full, r.Target.ID)
	}
}

func (c *countingSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	return c.BriefSource.EachSite(ctx, func(r egovbench.SiteRecord) error { c.note(r); return fn(r) })
}

func (c *countingSource) EachSiteBrief(ctx context.Context, detail func(egovbench.SiteRecord) bool, fn func(egovbench.SiteRecord) error) error {
	return c.BriefSource.EachSiteBrief(ctx, detail, func(r egovbench.SiteRecord) error { c.note(r); return fn(r) })
}

// generatedStamp is the moment a page says it was drawn: a page kept from
// an earlier report keeps the one it was drawn with.
var generatedStamp = regexp.MustCompile(`Generated: [^·<]*`)

// TestReportIncrementalSameAsFull: an incremental report from the store,
// which reads in full only the sites whose page it must draw again, is a
// full report at the same moment, file for file, but for the moment a kept
// page says it was drawn; and it draws again exactly the pages of the sites
// whose data they show changed.
func TestReportIncrementalSameAsFull(t *testing.T) {
	ctx := context.Background()
	cat := analyzer.DefaultCatalogue()
	const sites = 6
	db := smallYearDB(t, cat, sites)
	rf := reportFlags{lang: "en", tz: "Asia/Jakarta"}
	ts := yearTargets(sites)
	probe := func(i int, at time.Time, outcome egovbench.Outcome) func() error {
		return func() error {
			p := dailyProbe(i, ts[i], at.Truncate(24*time.Hour))
			p.At, p.Outcome = at, outcome
			if outcome != egovbench.OutcomeOK {
				p.HTTPStatus, p.Error = 0, "timeout"
			}
			return db.InsertProbes(ctx, []egovbench.Probe{p})
		}
	}
	end := yearBenchEnd // a Thursday: the week shown on the pages ends on the Monday before
	all := []string{"*"}
	steps := []struct {
		name   string
		change func() error
		now    time.Time
		// The sites whose page must be drawn again ("*": all); the others'
		// are kept.
		redrawn []string
	}{
		{"first report", nil, end.Add(time.Hour), all},
		{"nothing changed", nil, end.Add(2 * time.Hour), nil},
		{"a day of probes", func() error { return db.InsertProbes(ctx, dailyProbes(ts, end)) }, end.Add(25 * time.Hour), nil},
		{"an outage begins", probe(1, end.Add(25*time.Hour+30*time.Minute), egovbench.OutcomeTimeout), end.Add(26 * time.Hour), []string{ts[1].ID}},
		{"and ends", probe(1, end.Add(26*time.Hour+30*time.Minute), egovbench.OutcomeOK), end.Add(27 * time.Hour), []string{ts[1].ID}},
		// A probe stored late, for a day in a week the page shows.
		{"a late probe in March", probe(4, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), egovbench.OutcomeTimeout),
			end.Add(27*time.Hour + 30*time.Minute), []string{ts[4].ID}},
		{"a renamed site", func() error {
			renamed := slices.Clone(ts)
			renamed[2].Name = "Desa Baru"
			return db.UpsertTargets(ctx, renamed)
		}, end.Add(28 * time.Hour), []string{ts[2].ID}},
		// Every page says how new its data is: a crawl moves that for all.
		{"a crawl", func() error {
			run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{ts[3].ID}, 0)
			if err != nil {
				return err
			}
			g := newYearGen(cat, sites)
			a := synthAssessment(ts[3], run.ID, end.Add(28*time.Hour+30*time.Minute), cat.Version(), g.inds, g.weights,
				make([]float64, len(g.inds)), 1.05, rand.New(rand.NewPCG(7, 7)))
			return db.SaveAssessment(ctx, a)
		}, end.Add(29 * time.Hour), all},
		{"a week ends", nil, time.Date(2026, 11, 9, 1, 0, 0, 0, time.UTC), all},
	}
	prev := ""
	for _, s := range steps {
		if s.change != nil {
			if err := s.change(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		in, err := reportInput(ctx, db, cat, rf, s.now)
		if err != nil {
			t.Fatal(err)
		}
		src := &countingSource{BriefSource: in.Source.(reports.BriefSource)}
		in.Source = src
		dir, full := filepath.Join(t.TempDir(), "report"), filepath.Join(t.TempDir(), "full")
		if err := writeReport(ctx, db, dir, prev, in, s.now); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		readFull := src.full
		if err := writeReport(ctx, db, full, "", in, s.now); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, want := readTree(t, dir), readTree(t, full)
		delete(got, "manifest.json")
		delete(want, "manifest.json")
		if len(got) != len(want) || len(got) < 2*sites {
			t.Errorf("%s: %d files, a full report has %d", s.name, len(got), len(want))
		}
		for name, w := range want {
			g, w := generatedStamp.ReplaceAll(got[name], nil), generatedStamp.ReplaceAll(w, nil)
			if !bytes.Equal(g, w) {
				t.Errorf("%s: %s is not what a full report draws", s.name, name)
			}
		}
		var redrawn []string
		for _, tg := range ts {
			page := filepath.Join("sites", tg.ID+".html")
			a, errA := os.Stat(filepath.Join(prev, page))
			b, errB := os.Stat(filepath.Join(dir, page))
			if errB != nil {
				t.Fatalf("%s: %v", s.name, errB)
			}
			if prev == "" || errA != nil || !os.SameFile(a, b) {
				redrawn = append(redrawn, tg.ID)
			}
		}
		wantDrawn := s.redrawn
		if slices.Equal(wantDrawn, all) {
			wantDrawn = nil
			for _, tg := range ts {
				wantDrawn = append(wantDrawn, tg.ID)
			}
		}
		if !slices.Equal(redrawn, wantDrawn) {
			t.Errorf("%s: drew the pages of %s, want %s", s.name, strings.Join(redrawn, ", "), strings.Join(wantDrawn, ", "))
		}
		if !slices.Equal(readFull, wantDrawn) {
			t.Errorf("%s: read %s in full, want only the sites whose page is drawn", s.name, strings.Join(readFull, ", "))
		}
		prev = dir
	}
}
