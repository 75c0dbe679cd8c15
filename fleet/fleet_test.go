package fleet

import (
	"bytes"
	"crypto/x509"
	"encoding/csv"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

const testSlow = 150 * time.Millisecond

func TestGroundTruthIsConsistent(t *testing.T) {
	specs := append(append(append(defaultSpecs(), hostileSpec()), classSpecs()...), scriptSpecs()...)
	ids, domains := map[string]bool{}, map[string]bool{}
	stages := map[egovbench.Stage]int{}
	for _, sp := range specs {
		t.Run(sp.id, func(t *testing.T) {
			if ids[sp.id] || domains[sp.domain] {
				t.Fatalf("duplicate id or domain")
			}
			ids[sp.id], domains[sp.domain] = true, true
			max := egovbench.StageNone
			claimed := sp.features + " " + sp.classFeatures
			for _, f := range strings.Fields(claimed + " " + sp.dead + " " + sp.hidden) {
				st, ok := FeatureStage(f)
				if !ok {
					t.Fatalf("feature %q not in the corpus vocabulary", f)
				}
				if strings.Contains(" "+claimed+" ", " "+f+" ") && st > max {
					max = st
				}
			}
			if sp.stage != max {
				t.Errorf("stage %v, but the highest stage among its features is %v", sp.stage, max)
			}
			visible := expectedOutcome(sp.beh) == egovbench.OutcomeOK
			if !visible && strings.TrimSpace(claimed) != "" {
				t.Errorf("behaviour %s hides the site, yet it claims features", sp.beh)
			}
			if visible && sp.stage == egovbench.StageNone {
				t.Errorf("reachable site without a stage")
			}
			if strings.Contains(sp.features, "national_link") && !strings.Contains(sp.features, "complaint") {
				t.Errorf("national_link always links LAPOR!, so complaint must be claimed")
			}
			if sp.parent != "" && !parentExists(specs, sp.parent) {
				t.Errorf("parent %q is not in the fleet", sp.parent)
			}
		})
		stages[sp.stage]++
	}
	for _, st := range egovbench.Stages {
		if stages[st] < 3 {
			t.Errorf("only %d sites at stage %v; the fleet must span all stages", stages[st], st)
		}
	}
}

func parentExists(specs []siteSpec, id string) bool {
	for _, sp := range specs {
		if sp.id == id {
			return true
		}
	}
	return false
}

func TestListensOnLoopbackOnly(t *testing.T) {
	f := startFleet(t, Options{})
	for _, a := range []string{f.HTTPAddr(), f.HTTPSAddr()} {
		host, _, err := net.SplitHostPort(a)
		if err != nil || host != "127.0.0.1" {
			t.Errorf("listener %s not on 127.0.0.1", a)
		}
	}
	r := f.Resolve()
	if len(r) == 0 {
		t.Fatal("empty resolve map")
	}
	for hp, a := range r {
		host, _, err := net.SplitHostPort(a)
		if err != nil || !net.ParseIP(host).IsLoopback() || host != "127.0.0.1" {
			t.Errorf("%s resolves to %s, not 127.0.0.1", hp, a)
		}
	}
	for _, s := range f.Sites() {
		for _, h := range s.Hosts {
			if _, ok := r[h+":443"]; !ok {
				t.Errorf("%s: host %s missing from Resolve", s.Target.ID, h)
			}
		}
	}
	if _, err := f.DialContext(t.Context(), "tcp", "example.com:443"); err == nil {
		t.Error("DialContext reached a host outside the fleet")
	}
}

func TestHomepageBehaviour(t *testing.T) {
	f := startFleet(t, Options{SlowDelay: testSlow, Hostile: true})
	follow, noFollow := plainClient(f, true), plainClient(f, false)
	for _, s := range f.Sites() {
		t.Run(s.Target.ID, func(t *testing.T) {
			checkHomepage(t, follow, noFollow, s, testSlow)
		})
	}
}

// checkHomepage checks that a site's target URL answers as its Behaviour
// and TLS mode say.
func checkHomepage(t *testing.T, follow, noFollow *http.Client, s Site, slow time.Duration) {
	t.Helper()
	start := time.Now()
	p, err := get(t, follow, s.Target.URL)
	elapsed := time.Since(start)
	switch s.Behaviour {
	case BehaviourDown:
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("want connection refused, got %v", err)
		}
		return
	case BehaviourExpiredCert:
		var ce x509.CertificateInvalidError
		if !errors.As(err, &ce) || ce.Reason != x509.Expired {
			t.Fatalf("want expired certificate error, got %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	want := map[Behaviour]int{BehaviourMaintenance: 503, BehaviourBlocked: 403}[s.Behaviour]
	if want == 0 {
		want = 200
	}
	if p.status != want {
		t.Fatalf("status %d, want %d", p.status, want)
	}
	if !strings.HasPrefix(p.ctype, "text/html") {
		t.Errorf("content type %q", p.ctype)
	}
	switch s.Behaviour {
	case BehaviourMaintenance:
		if !strings.Contains(p.body, "Sedang dalam pemeliharaan") {
			t.Error("maintenance page lacks its message")
		}
	case BehaviourSlow:
		if elapsed < slow {
			t.Errorf("slow site answered in %v, before its delay %v", elapsed, slow)
		}
	case BehaviourRobotsDisallow:
		r, err := get(t, follow, strings.TrimSuffix(s.Target.URL, "/")+"/robots.txt")
		if err != nil || !strings.Contains(r.body, "Disallow: /\n") {
			t.Errorf("robots.txt does not disallow everything: %v %q", err, r.body)
		}
	}
	checkTLSMode(t, noFollow, s)
}

// checkTLSMode checks how the main host answers on both schemes.
func checkTLSMode(t *testing.T, c *http.Client, s Site) {
	t.Helper()
	host := s.Hosts[0]
	for _, h := range s.Hosts {
		if strings.HasPrefix(s.Target.URL, "https://"+h+"/") || strings.HasPrefix(s.Target.URL, "http://"+h+"/") {
			host = h
		}
	}
	resp, err := c.Get("http://" + host + "/")
	if err != nil {
		t.Fatalf("http: %v", err)
	}
	resp.Body.Close()
	switch s.TLS {
	case TLSHSTS, TLSExpired:
		if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(resp.Header.Get("Location"), "https://"+host+"/") {
			t.Errorf("http:// answers %d %q, want a redirect to https", resp.StatusCode, resp.Header.Get("Location"))
		}
	case TLSNoHSTS, TLSHTTPOnly:
		if resp.StatusCode == http.StatusMovedPermanently && strings.HasPrefix(resp.Header.Get("Location"), "https://") {
			t.Errorf("http:// redirects to https for mode %s", s.TLS)
		}
	}
	resp, err = c.Get("https://" + host + "/")
	switch s.TLS {
	case TLSHTTPOnly:
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("https on an http-only site: want refused, got %v", err)
		}
		return
	case TLSExpired:
		if err == nil {
			resp.Body.Close()
			t.Error("expired certificate accepted")
		}
		return
	}
	if err != nil {
		t.Fatalf("https: %v", err)
	}
	resp.Body.Close()
	hsts := resp.Header.Get("Strict-Transport-Security") != ""
	if hsts != (s.TLS == TLSHSTS) {
		t.Errorf("HSTS header present=%v for mode %s", hsts, s.TLS)
	}
}

func TestSitesExposeTheirFeatures(t *testing.T) {
	f := startFleet(t, Options{SlowDelay: time.Millisecond, Hostile: true})
	c := plainClient(f, true)
	for _, s := range f.Sites() {
		if s.Outcome != egovbench.OutcomeOK {
			continue
		}
		t.Run(s.Target.ID, func(t *testing.T) {
			t.Parallel()
			checkFeatures(t, f, c, s, 200)
		})
	}
}

func TestDeadServicesAreDead(t *testing.T) {
	f := startFleet(t, Options{})
	c := plainClient(f, true)
	n := 0
	for _, s := range f.Sites() {
		if s.Behaviour != BehaviourDeadServices {
			continue
		}
		n++
		sc := crawlSite(t, c, s, 200)
		dead := 0
		for u, st := range sc.other {
			if st == http.StatusNotFound {
				dead++
				t.Logf("404 %s", u)
			}
		}
		placeholder := 0
		for _, p := range sc.pages {
			if strings.Contains(p.body, "dalam pengembangan") {
				placeholder++
			}
		}
		if dead == 0 || placeholder == 0 {
			t.Errorf("%s: %d dead links, %d placeholder pages; want both", s.Target.ID, dead, placeholder)
		}
		if len(s.DeadFeatures) == 0 {
			t.Errorf("%s: no dead features listed", s.Target.ID)
		}
	}
	if n == 0 {
		t.Fatal("no dead_services site in the default fleet")
	}
}

func TestTargetsCSV(t *testing.T) {
	f := startFleet(t, Options{Hostile: true})
	var buf bytes.Buffer
	if err := f.TargetsCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "id,name,url,level,region,parent,country,lang" {
		t.Fatalf("header %q", got)
	}
	sites := f.Sites()
	if len(rows)-1 != len(sites) {
		t.Fatalf("%d rows for %d sites", len(rows)-1, len(sites))
	}
	for i, s := range sites {
		tg := s.Target
		want := []string{tg.ID, tg.Name, tg.URL, tg.Level, tg.Region, tg.Parent, tg.Country, tg.Lang}
		if !reflect.DeepEqual(rows[i+1], want) {
			t.Errorf("row %d = %q, want %q", i+1, rows[i+1], want)
		}
	}
}

func TestSyntheticFleetIsDeterministic(t *testing.T) {
	a := startFleet(t, Options{Sites: 300, Seed: 42})
	b := startFleet(t, Options{Sites: 300, Seed: 42})
	c := startFleet(t, Options{Sites: 300, Seed: 43})
	if len(a.Sites()) != 300 {
		t.Fatalf("%d sites, want 300", len(a.Sites()))
	}
	if !reflect.DeepEqual(a.Sites(), b.Sites()) {
		t.Fatal("same seed gave different sites")
	}
	if reflect.DeepEqual(a.Sites(), c.Sites()) {
		t.Fatal("different seeds gave the same sites")
	}
	var ca, cb bytes.Buffer
	a.TargetsCSV(&ca)
	b.TargetsCSV(&cb)
	if !bytes.Equal(ca.Bytes(), cb.Bytes()) {
		t.Fatal("same seed gave different targets files")
	}
	clA, clB := plainClient(a, true), plainClient(b, true)
	stages := map[egovbench.Stage]int{}
	for i, s := range a.Sites() {
		stages[s.TrueStage]++
		if !s.Synthetic {
			t.Errorf("%s not marked synthetic", s.Target.ID)
		}
		if i%37 != 0 {
			continue
		}
		pa, err := get(t, clA, s.Target.URL)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := get(t, clB, s.Target.URL)
		if err != nil {
			t.Fatal(err)
		}
		if pa.body != pb.body {
			t.Errorf("%s: homepage differs between two fleets with the same seed", s.Target.ID)
		}
	}
	for _, st := range egovbench.Stages {
		if stages[st] == 0 {
			t.Errorf("no synthetic site at stage %v", st)
		}
	}
}

func TestSyntheticSitesHaveExactPagesAndTheirFeatures(t *testing.T) {
	for _, pages := range []int{12, 20} {
		f := startFleet(t, Options{Sites: 60, Seed: 7, PagesPerSite: pages})
		c := plainClient(f, true)
		for i, s := range f.Sites() {
			if i%3 != 0 {
				continue
			}
			t.Run(s.Target.ID, func(t *testing.T) {
				sc := checkFeatures(t, f, c, s, 500)
				if len(sc.pages) != pages {
					t.Errorf("%d HTML pages, want %d", len(sc.pages), pages)
				}
			})
		}
	}
}

// TestSyntheticScriptShare: a share of a synthetic fleet's sites are built
// by script the three ways of the default fleet's script-built sites; the
// rest of the fleet is unchanged, and a browser's view of a script-built
// site (scriptView) has all its pages and features.
func TestSyntheticScriptShare(t *testing.T) {
	plain := startFleet(t, Options{Sites: 60, Seed: 7})
	f := startFleet(t, Options{Sites: 60, Seed: 7, ScriptShare: 0.5})
	c := plainClient(f, true)
	base := plain.Sites()
	shells := map[string]string{jsMenu.String(): `<header id="header"></header>`, jsSPA.String(): `<div id="app"></div>`,
		jsModal.String(): `class="modal" hidden`}
	modes := map[string]int{}
	for i, s := range f.Sites() {
		if s.Script == "" {
			if !reflect.DeepEqual(s, base[i]) {
				t.Errorf("%s: static site differs from the fleet without script sites", s.Target.ID)
			}
			continue
		}
		modes[s.Script]++
		want := base[i]
		want.Script, want.StaticStage = s.Script, egovbench.StageNone
		if !reflect.DeepEqual(s, want) {
			t.Errorf("%s: script-built site's truth %+v, want %+v", s.Target.ID, s, want)
		}
		t.Run(s.Target.ID, func(t *testing.T) {
			home, err := get(t, c, s.Target.URL)
			if err != nil {
				t.Fatal(err)
			}
			if shell := shells[s.Script]; !strings.Contains(home.body, shell) {
				t.Errorf("%s homepage lacks %q", s.Script, shell)
			}
			if sc := checkFeatures(t, f, c, s, 500); len(sc.pages) != 20 {
				t.Errorf("%d HTML pages as a browser sees them, want 20", len(sc.pages))
			}
		})
	}
	n := modes[jsMenu.String()] + modes[jsSPA.String()] + modes[jsModal.String()]
	if len(modes) != 3 || n < 20 || n > 40 {
		t.Errorf("script-built sites %v of 60 with share 0.5", modes)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{{Sites: -1}, {PagesPerSite: 3}, {Sites: 60, ScriptShare: 1.5}, {Sites: 60, ScriptShare: -0.1},
		{ScriptShare: 0.5}, {Sites: 5, ScriptShare: 0.5}} {
		if f, err := Start(t.Context(), o); err == nil {
			f.Close()
			t.Errorf("Start(%+v) accepted", o)
		}
	}
}

func TestDefaultSubset(t *testing.T) {
	f := startFleet(t, Options{Sites: 5})
	s := f.Sites()
	if len(s) != 5 || s[0].Target.ID != defaultSpecs()[0].id {
		t.Fatalf("want the first 5 default sites, got %d", len(s))
	}
}

func TestNationalSystemsAnswer(t *testing.T) {
	f := startFleet(t, Options{})
	c := plainClient(f, true)
	for _, h := range f.NationalHosts() {
		p, err := get(t, c, "http://"+h+"/")
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if h == natSSO {
			p, err = get(t, c, "https://"+h+"/login")
			if err != nil {
				t.Fatal(err)
			}
		}
		if p.status != http.StatusOK || !strings.HasPrefix(p.url, "https://") {
			t.Errorf("%s: status %d at %s", h, p.status, p.url)
		}
	}
}

func TestExternalStubsAnswerOnLoopback(t *testing.T) {
	f := startFleet(t, Options{})
	c := plainClient(f, true)
	for _, u := range []string{"https://wa.me/6281200000000?text=Halo", "https://www.facebook.com/kotasentosa", "https://x.com/kotasentosa"} {
		p, err := get(t, c, u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if p.status != http.StatusOK {
			t.Errorf("%s: status %d", u, p.status)
		}
	}
	for _, h := range f.NationalHosts() {
		if h == "wa.me" || h == "x.com" {
			t.Errorf("stub %s listed as a national system", h)
		}
	}
}

func TestCertificates(t *testing.T) {
	f := startFleet(t, Options{})
	if !bytes.Contains(f.CACertPEM(), []byte("BEGIN CERTIFICATE")) {
		t.Fatal("CA PEM missing")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(f.CACertPEM()) {
		t.Fatal("CA PEM does not parse")
	}
	a, err := f.ca.leaf("www.kotasentosa.go.id", false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.ca.leaf("www.kotasentosa.go.id", false)
	if a != b {
		t.Error("leaf certificates are not cached")
	}
	if _, err := a.Leaf.Verify(x509.VerifyOptions{DNSName: "www.kotasentosa.go.id", Roots: pool}); err != nil {
		t.Errorf("leaf does not verify: %v", err)
	}
	if _, err := a.Leaf.Verify(x509.VerifyOptions{DNSName: "www.other.go.id", Roots: pool}); err == nil {
		t.Error("leaf verifies for another name")
	}
}

func TestContentIsDatedFromRefDate(t *testing.T) {
	ref := time.Date(2030, time.May, 10, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		opts Options
		url  string
		want string
	}{
		{Options{}, "https://www.kotasentosa.go.id/", "18 Januari 2026"},
		{Options{RefDate: ref}, "https://www.kotasentosa.go.id/", "8 Mei 2030"},
		{Options{RefDate: ref}, "https://www.thornwickvale.gov.uk/", "8 May 2030"},
	} {
		f := startFleet(t, tc.opts)
		body := serveLocal(f, true, http.MethodGet, tc.url).Body.String()
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s with RefDate %v lacks %q", tc.url, tc.opts.RefDate, tc.want)
		}
	}
}

func TestSyntheticFaults(t *testing.T) {
	plain := startFleet(t, Options{Sites: 300, Seed: 5})
	f := startFleet(t, Options{Sites: 300, Seed: 5, Faults: true, SlowDelay: 5 * time.Millisecond})
	follow, noFollow := plainClient(f, true), plainClient(f, false)
	base := plain.Sites()
	seen := map[Behaviour]int{}
	for i, s := range f.Sites() {
		seen[s.Behaviour]++
		if s.Behaviour == BehaviourOK {
			if !reflect.DeepEqual(s, base[i]) {
				t.Errorf("%s: healthy site differs from the fleet without faults", s.Target.ID)
			}
			continue
		}
		t.Run(s.Target.ID, func(t *testing.T) {
			checkHomepage(t, follow, noFollow, s, 5*time.Millisecond)
			if s.Outcome == egovbench.OutcomeOK {
				checkFeatures(t, f, follow, s, 100)
			}
			if got := highestStage(strings.Join(s.Features, " ")); got != s.TrueStage {
				t.Errorf("stage %v, features say %v", s.TrueStage, got)
			}
		})
	}
	for _, b := range []Behaviour{BehaviourDown, BehaviourSlow, BehaviourMaintenance, BehaviourBlocked, BehaviourDeadServices} {
		if seen[b] == 0 {
			t.Errorf("no synthetic site with behaviour %s among %v", b, seen)
		}
	}
}
