package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestStreamsMatchSliceReaders checks every Each* stream against the reader
// that loads everything at once, over more targets than one page of a stream
// (siteBatch), with targets never assessed, assessed once, re-analysed, and
// with and without probes and outages.
func TestStreamsMatchSliceReaders(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	n := 2*siteBatch + 17
	ts := testTargets(n)
	for i := range ts {
		ts[i].ID = fmt.Sprintf("s%04d", (i*7919)%n) // slug order differs from row order
	}
	mustUpsert(t, db, ts)
	ids := make([]string, n)
	for i := range ts {
		ids[i] = ts[i].ID
	}
	for day := range 3 {
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
		if err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Duration(day) * 24 * time.Hour)
		for i, id := range ids {
			switch {
			case i%7 == 0: // never assessed
				continue
			case i%5 == 0 && day < 2: // assessed once
				continue
			}
			a := testAssessment(id, run.ID, at, egovbench.Stage(1+(i+day)%4), float64((i*3+day*11)%100))
			if err := db.SaveAssessment(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ps []egovbench.Probe
	for i, id := range ids {
		if i%3 == 0 {
			continue // never probed
		}
		for h := range 50 {
			o := egovbench.OutcomeOK
			if i%4 == 1 && h%10 == 3 {
				o = egovbench.OutcomeTimeout
			}
			ps = append(ps, probe(id, t0.Add(time.Duration(h)*time.Hour), o, time.Duration(100+h)*time.Millisecond))
		}
	}
	if err := db.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	to := t0.AddDate(0, 0, 10)

	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := db.PreviousAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := db.StageHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	daily, err := db.Rollups(ctx, Daily, time.Time{}, to)
	if err != nil {
		t.Fatal(err)
	}
	outages, err := db.Outages(ctx, time.Time{}, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) == 0 || len(prev) == 0 || len(hist) == 0 || len(daily) == 0 || len(outages) == 0 {
		t.Fatalf("fixture too thin: %d latest, %d previous, %d history, %d daily, %d outages",
			len(latest), len(prev), len(hist), len(daily), len(outages))
	}

	t.Run("EachLatest", func(t *testing.T) {
		var got []string
		for _, light := range []bool{false, true} {
			got = got[:0]
			err := db.EachLatest(ctx, light, func(tg egovbench.Target, a *egovbench.Assessment) error {
				got = append(got, tg.ID)
				want, ok := latest[tg.ID]
				if !ok {
					if a != nil {
						t.Errorf("%s: latest %+v, want none", tg.ID, a)
					}
					return nil
				}
				if light {
					want = briefOf(want)
				}
				if a == nil || !reflect.DeepEqual(*a, want) {
					t.Errorf("%s (light %v):\n got %+v\nwant %+v", tg.ID, light, a, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n || !sortedStrings(got) {
				t.Errorf("light %v: %d targets, sorted %v", light, len(got), sortedStrings(got))
			}
		}
	})

	t.Run("EachStagePoint", func(t *testing.T) {
		var got []egovbench.StagePoint
		if err := db.EachStagePoint(ctx, func(p egovbench.StagePoint) error { got = append(got, p); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, hist) {
			t.Errorf("stage points differ: %d vs %d", len(got), len(hist))
		}
	})

	t.Run("EachSite", func(t *testing.T) {
		var gotHist []egovbench.StagePoint
		var gotDaily []egovbench.Rollup
		gotOut := map[string][]egovbench.Outage{}
		var wantOut = map[string][]egovbench.Outage{}
		for _, o := range outages {
			wantOut[o.TargetID] = append(wantOut[o.TargetID], o)
		}
		count := 0
		err := db.EachSite(ctx, SiteQuery{DailyTo: to, OutagesTo: to}, func(r egovbench.SiteRecord) error {
			count++
			for _, c := range []struct {
				name string
				got  *egovbench.Assessment
				m    map[string]egovbench.Assessment
			}{{"latest", r.Latest, latest}, {"previous", r.Previous, prev}} {
				want, ok := c.m[r.Target.ID]
				if ok != (c.got != nil) || (ok && !reflect.DeepEqual(*c.got, want)) {
					t.Errorf("%s %s:\n got %+v\nwant %+v", r.Target.ID, c.name, c.got, want)
				}
			}
			gotHist = append(gotHist, r.History...)
			gotDaily = append(gotDaily, r.Daily...)
			if len(r.Outages) > 0 {
				gotOut[r.Target.ID] = r.Outages
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if count != n {
			t.Errorf("%d sites, want %d", count, n)
		}
		if !reflect.DeepEqual(gotHist, hist) {
			t.Errorf("history differs: %d vs %d points", len(gotHist), len(hist))
		}
		if !reflect.DeepEqual(gotDaily, daily) {
			t.Errorf("daily rollups differ: %d vs %d", len(gotDaily), len(daily))
		}
		if !reflect.DeepEqual(gotOut, wantOut) {
			t.Errorf("outages differ:\n got %v\nwant %v", gotOut, wantOut)
		}
	})

	// Read brief, a record carries what the light latest read gives; the
	// records Detail asks for come in full, as without it. Both carry the
	// same stamp, and everything else is the same.
	t.Run("EachSite brief", func(t *testing.T) {
		full := map[string]egovbench.SiteRecord{}
		if err := db.EachSite(ctx, SiteQuery{DailyTo: to, OutagesTo: to}, func(r egovbench.SiteRecord) error {
			full[r.Target.ID] = r
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		asked, detailed, brief := 0, 0, 0
		q := SiteQuery{DailyTo: to, OutagesTo: to, Detail: func(r egovbench.SiteRecord) bool {
			asked++
			f := full[r.Target.ID]
			if !r.Brief || r.Stamp == "" || r.Stamp != f.Stamp || !reflect.DeepEqual(r.History, f.History) ||
				!reflect.DeepEqual(r.Daily, f.Daily) || !reflect.DeepEqual(r.Outages, f.Outages) {
				t.Errorf("%s: Detail was shown %+v, want the brief of %+v", r.Target.ID, r, f)
			}
			return asked%2 == 0
		}}
		err := db.EachSite(ctx, q, func(r egovbench.SiteRecord) error {
			f := full[r.Target.ID]
			want := f
			if r.Brief {
				brief++
				for _, a := range []**egovbench.Assessment{&want.Latest, &want.Previous} {
					if *a != nil {
						b := briefOf(**a)
						*a = &b
					}
				}
			} else {
				detailed++
			}
			want.Brief = r.Brief
			if !reflect.DeepEqual(r, want) {
				t.Errorf("%s (brief %v):\n got %+v\nwant %+v", r.Target.ID, r.Brief, r, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if asked != n || detailed != n/2 || brief != n-n/2 {
			t.Errorf("Detail asked about %d of %d sites; %d came in full, %d brief", asked, n, detailed, brief)
		}
	})

	t.Run("EachSite baselines", func(t *testing.T) {
		asOf, err := db.AssessmentsAsOf(ctx, t0.Add(36*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		byRun, err := db.RunAssessments(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			q    SiteQuery
			want map[string]egovbench.Assessment
		}{{SiteQuery{PreviousAsOf: t0.Add(36 * time.Hour)}, asOf}, {SiteQuery{PreviousRun: 1}, byRun}} {
			if len(c.want) == 0 {
				t.Fatalf("%+v: empty reference", c.q)
			}
			err := db.EachSite(ctx, c.q, func(r egovbench.SiteRecord) error {
				want, ok := c.want[r.Target.ID]
				if ok != (r.Previous != nil) || (ok && !reflect.DeepEqual(*r.Previous, want)) {
					t.Errorf("%+v %s: previous %+v, want %+v", c.q, r.Target.ID, r.Previous, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		at, run, err := db.NewestAssessment(ctx)
		if err != nil || !at.Equal(t0.Add(48*time.Hour)) || run != 3 {
			t.Errorf("NewestAssessment = %v, %d, %v", at, run, err)
		}
	})

	t.Run("EachSite until", func(t *testing.T) {
		// As of 36 hours in, the third crawl (48 h) has not happened: the
		// latest state is the one AssessmentsAsOf sees then, and the
		// history stops before it.
		until := t0.Add(36 * time.Hour)
		want, err := db.AssessmentsAsOf(ctx, until)
		if err != nil || len(want) == 0 {
			t.Fatalf("reference: %d states, %v", len(want), err)
		}
		var all []egovbench.StagePoint
		if err := db.EachStagePoint(ctx, func(p egovbench.StagePoint) error { all = append(all, p); return nil }); err != nil {
			t.Fatal(err)
		}
		var wantHist, gotHist []egovbench.StagePoint
		for _, p := range all {
			if p.At.Before(until) {
				wantHist = append(wantHist, p)
			}
		}
		if len(wantHist) == len(all) {
			t.Fatal("no stage point after the bound: the case tests nothing")
		}
		err = db.EachSite(ctx, SiteQuery{Until: until}, func(r egovbench.SiteRecord) error {
			w, ok := want[r.Target.ID]
			if ok != (r.Latest != nil) || (ok && !reflect.DeepEqual(*r.Latest, w)) {
				t.Errorf("%s latest %+v, want %+v", r.Target.ID, r.Latest, w)
			}
			if r.Previous != nil && !r.Previous.AssessedAt.Before(r.Latest.AssessedAt) {
				t.Errorf("%s previous at %v, not before latest at %v", r.Target.ID, r.Previous.AssessedAt, r.Latest.AssessedAt)
			}
			gotHist = append(gotHist, r.History...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotHist, wantHist) {
			t.Errorf("history: %d points, want the %d before %v", len(gotHist), len(wantHist), until)
		}
		at, run, err := db.NewestAssessmentBefore(ctx, until)
		if err != nil || !at.Equal(t0.Add(24*time.Hour)) || run != 2 {
			t.Errorf("NewestAssessmentBefore = %v, %d, %v; want %v, run 2", at, run, err, t0.Add(24*time.Hour))
		}
	})

	t.Run("stops on error", func(t *testing.T) {
		stop := fmt.Errorf("stop")
		calls := 0
		err := db.EachSite(ctx, SiteQuery{DailyTo: to, OutagesTo: to}, func(egovbench.SiteRecord) error { calls++; return stop })
		if calls != 1 || err == nil {
			t.Errorf("calls %d, err %v", calls, err)
		}
	})
}

func sortedStrings(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// briefOf is what a light or brief read gives of a stored assessment: its
// row, and its met indicators without evidence.
func briefOf(a egovbench.Assessment) egovbench.Assessment {
	var met []egovbench.IndicatorResult
	for _, r := range a.Indicators {
		if r.Met {
			met = append(met, egovbench.IndicatorResult{ID: r.ID, Met: true})
		}
	}
	a.Indicators, a.DeadServices, a.UnverifiedServices = met, nil, nil
	a.Frameworks, a.CriterionScores, a.NextSteps = nil, nil, nil
	return a
}
