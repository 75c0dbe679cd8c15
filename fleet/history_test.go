package fleet

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestDemoHistoryIsServed moves the clock through the demo's year and checks
// that every site serves, at each time, exactly the features SitesAt says
// it has then, and that the history has the moves the demo promises.
func TestDemoHistoryIsServed(t *testing.T) {
	end := time.Date(2026, time.December, 3, 10, 0, 0, 0, time.UTC)
	clock := &testClock{t: end}
	f := startFleet(t, Options{SlowDelay: 40 * time.Millisecond, Now: clock.Now, Phases: DemoHistory(end)})
	c := plainClient(f, true)

	stages := map[string][]egovbench.Stage{}
	for m := 12; m >= 0; m-- {
		at := end.AddDate(0, -m, 0)
		clock.set(at)
		for _, s := range f.SitesAt(at) {
			stages[s.Target.ID] = append(stages[s.Target.ID], s.TrueStage)
			if s.Outcome != egovbench.OutcomeOK {
				continue
			}
			// The features served are the features of the phase in force.
			checkFeatures(t, f, c, s, 200)
		}
	}
	up, down := 0, 0
	for id, st := range stages {
		for i := 1; i < len(st); i++ {
			switch {
			case st[i] > st[i-1]:
				up++
				t.Logf("%s moves up: %v -> %v at month %d", id, st[i-1], st[i], i)
			case st[i] < st[i-1]:
				down++
				t.Logf("%s drops: %v -> %v at month %d", id, st[i-1], st[i], i)
			}
		}
	}
	if up < 3 || down < 1 {
		t.Errorf("the year has %d moves up and %d drops; the demo promises some of each", up, down)
	}
	if got := stages["kota-bandarsuri"]; got[0] != egovbench.StageTransaction || got[12] != egovbench.StageIntegration {
		t.Errorf("kota-bandarsuri: %v, want transaction a year ago and integration now", got)
	}
	// Sites() keeps describing the rows, whatever the clock says.
	for _, s := range f.Sites() {
		if s.Target.ID == "kota-bandarsuri" && s.TrueStage != egovbench.StageTransaction {
			t.Errorf("Sites() says kota-bandarsuri is %v", s.TrueStage)
		}
	}
}

// TestPhaseBehaviours: services in maintenance answer 503 while the portal
// links them; a site in maintenance answers 503 only within its phase; a
// site slow at certain hours is slow only then.
func TestPhaseBehaviours(t *testing.T) {
	end := time.Date(2026, time.December, 3, 10, 0, 0, 0, time.UTC)
	clock := &testClock{t: end}
	const slow = 150 * time.Millisecond
	f := startFleet(t, Options{SlowDelay: slow, Now: clock.Now, Phases: DemoHistory(end)})
	c := plainClient(f, true)
	site := func(id string) Site {
		for _, s := range f.SitesAt(clock.Now()) {
			if s.Target.ID == id {
				return s
			}
		}
		t.Fatalf("no site %s", id)
		return Site{}
	}

	// Bandar Suri now: the permit services answer 503 with a maintenance page.
	bs := site("kota-bandarsuri")
	if len(bs.DeadFeatures) == 0 || bs.Has("apply_online") {
		t.Errorf("kota-bandarsuri now: dead %v, features %v", bs.DeadFeatures, bs.Features)
	}
	p, err := get(t, c, "https://sicantik.bandarsurikota.go.id/permohonan")
	if err != nil {
		t.Fatal(err)
	}
	if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "pemeliharaan") {
		t.Errorf("service in maintenance: %d %q", p.status, p.body[:min(len(p.body), 200)])
	}
	if r, err := get(t, c, "https://sicantik.bandarsurikota.go.id/robots.txt"); err != nil || r.status != http.StatusOK {
		t.Errorf("robots.txt of a service in maintenance: %v %v", r, err)
	}
	home, err := get(t, c, bs.Target.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(home.body, "sicantik.bandarsurikota.go.id/permohonan") {
		t.Error("the portal no longer links its service in maintenance")
	}
	// A year ago the same URL served the service.
	clock.set(end.AddDate(-1, 0, 0))
	if p, err := get(t, c, "https://sicantik.bandarsurikota.go.id/permohonan"); err != nil || p.status != http.StatusOK {
		t.Errorf("service a year ago: %v %v", p, err)
	}

	// Hulu Mandiri is in maintenance 12 to 10 days before the end, not after.
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{end.AddDate(0, 0, -13), http.StatusOK},
		{end.AddDate(0, 0, -11), http.StatusServiceUnavailable},
		{end.AddDate(0, 0, -10), http.StatusOK},
	} {
		clock.set(tc.at)
		hm := site("kab-hulumandiri")
		p, err := get(t, c, hm.Target.URL)
		if err != nil {
			t.Fatal(err)
		}
		if p.status != tc.want {
			t.Errorf("kab-hulumandiri at %s: %d, want %d", tc.at, p.status, tc.want)
		}
		if wantNone := tc.want != http.StatusOK; (hm.TrueStage == egovbench.StageNone) != wantNone {
			t.Errorf("kab-hulumandiri at %s: true stage %v", tc.at, hm.TrueStage)
		}
	}

	// Sawah Luhur is slow from 00 to 02 UTC only, by the phase's delay.
	sl := site("kab-sawahluhur")
	for _, tc := range []struct {
		hour int
		slow bool
	}{{0, true}, {1, true}, {2, false}, {12, false}} {
		clock.set(time.Date(2026, time.November, 20, tc.hour, 30, 0, 0, time.UTC))
		start := time.Now()
		if _, err := get(t, c, sl.Target.URL); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); (took >= slowMorning) != tc.slow {
			t.Errorf("kab-sawahluhur at %02d:30 UTC took %s; slow hours wait %s", tc.hour, took, slowMorning)
		}
	}
}

func TestStartRejectsBadPhases(t *testing.T) {
	end := time.Date(2026, time.December, 3, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		phase Phase
		want  string
	}{
		{"unknown site", Phase{Site: "kota-atlantis"}, "unknown site"},
		{"empty range", Phase{Site: "kota-sentosa", From: end, Until: end}, "is not before"},
		{"bad hour", Phase{Site: "kota-sentosa", SlowHours: []int{24}}, "slow hour 24"},
		{"negative delay", Phase{Site: "kota-sentosa", SlowHours: []int{1}, SlowDelay: -time.Second}, "negative slow delay"},
		{"feature it lacks", Phase{Site: "kab-pantaicemara", Without: []string{"payment"}}, `no feature "payment"`},
		{"not a service", Phase{Site: "kota-sentosa", ServicesDown: []string{"news"}}, "not a transaction service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Start(t.Context(), Options{Phases: []Phase{tc.phase}})
			if err == nil {
				f.Close()
				t.Fatal("Start accepted the phase")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
