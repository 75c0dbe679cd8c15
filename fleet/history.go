package fleet

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// Phase is a stretch of one site's history in which it differs from its
// ground-truth row: earlier in its development (features it does not have
// yet), with services in maintenance, wholly in maintenance, or slow at
// certain hours. While a phase holds, the fleet serves the site as the
// phase says and reports the phase's truth from SitesAt, so a crawl at any
// simulated time is a real crawl of a real state with a known answer.
type Phase struct {
	// Site is the target id of the site.
	Site string
	// From and Until bound the phase: From <= now < Until. A zero From
	// means since always, a zero Until means from then on.
	From, Until time.Time
	// Without lists features the site does not offer during the phase
	// (not built yet, or withdrawn); the stage follows what is left.
	Without []string
	// ServicesDown lists transaction services (account, apply_online,
	// tracking, payment, booking, esignature) whose service host answers
	// 503 with a maintenance page during the phase: still advertised, they
	// are dead links and do not count.
	ServicesDown []string
	// Maintenance makes the whole site answer 503 with a maintenance page.
	Maintenance bool
	// SlowHours are the UTC hours of the day in which every answer waits
	// SlowDelay, as an overloaded server does at its busy hours.
	SlowHours []int
	// SlowDelay is the wait in SlowHours (default Options.SlowDelay).
	SlowDelay time.Duration
}

func (p Phase) holds(t time.Time) bool {
	return (p.From.IsZero() || !t.Before(p.From)) && (p.Until.IsZero() || t.Before(p.Until))
}

// serviceKinds maps a transaction service to the subdomain kind serving it
// on a modern site (dead services always sit on subdomains).
var serviceKinds = map[string]string{"account": kindSicantik, "apply_online": kindSicantik, "tracking": kindSicantik,
	"payment": kindPajak, "booking": kindAntrean, "esignature": kindTTE}

// variant is a site as a phase shapes it.
type variant struct {
	phase     Phase
	site      *site
	maintKind map[string]bool // service host kinds answering 503
}

// buildVariants derives each phase's site from the site's row. Hosts a
// variant serves that its base site does not (service subdomains of
// services in maintenance) are added to the fleet's host table.
func (f *Fleet) buildVariants() error {
	byID := map[string]*site{}
	for _, s := range f.sites {
		byID[s.spec.id] = s
	}
	for _, ph := range f.opts.Phases {
		base, ok := byID[ph.Site]
		if !ok {
			return fmt.Errorf("phase for unknown site %q", ph.Site)
		}
		if !ph.Until.IsZero() && !ph.From.Before(ph.Until) {
			return fmt.Errorf("phase of %s: From %s is not before Until %s", ph.Site, ph.From, ph.Until)
		}
		if ph.SlowDelay < 0 {
			return fmt.Errorf("phase of %s: negative slow delay %s", ph.Site, ph.SlowDelay)
		}
		for _, h := range ph.SlowHours {
			if h < 0 || h > 23 {
				return fmt.Errorf("phase of %s: slow hour %d is not 0-23", ph.Site, h)
			}
		}
		sp := base.spec
		features := strings.Fields(sp.features)
		drop := append(append([]string(nil), ph.Without...), ph.ServicesDown...)
		for _, d := range drop {
			if !slices.Contains(features, d) {
				return fmt.Errorf("phase of %s: the site has no feature %q", ph.Site, d)
			}
		}
		for _, d := range ph.ServicesDown {
			if _, ok := serviceKinds[d]; !ok {
				return fmt.Errorf("phase of %s: %q is not a transaction service", ph.Site, d)
			}
		}
		features = slices.DeleteFunc(features, func(x string) bool { return slices.Contains(drop, x) })
		sp.features = strings.Join(features, " ")
		sp.dead = strings.TrimSpace(sp.dead + " " + strings.Join(ph.ServicesDown, " "))
		if ph.Maintenance {
			sp.beh = BehaviourMaintenance
		}
		if sp.beh == BehaviourMaintenance {
			sp.stage = egovbench.StageNone
		} else {
			sp.stage = highestStage(sp.features)
		}
		// The variant is the site as its row would describe it then: an
		// earlier site may keep its services on the main host, as sites
		// do before they grow subdomains.
		v := newSite(sp, base.synthetic, base.newsCount)
		v.idx = base.idx
		vr := &variant{phase: ph, site: v, maintKind: map[string]bool{}}
		for _, d := range ph.ServicesDown {
			vr.maintKind[serviceKinds[d]] = true
		}
		for h := range v.hosts {
			if other, dup := f.byHost[h]; dup && other != base {
				return fmt.Errorf("phase of %s: host %s belongs to %s", ph.Site, h, other.spec.id)
			}
			f.byHost[h] = base
		}
		base.variants = append(base.variants, vr)
	}
	for _, s := range f.sites {
		sort.SliceStable(s.variants, func(i, j int) bool { return s.variants[i].phase.From.Before(s.variants[j].phase.From) })
	}
	return nil
}

// at returns the site as it is at time t, and the phase in force (nil for
// the ground-truth row). The first phase that holds wins.
func (s *site) at(t time.Time) (*site, *variant) {
	for _, v := range s.variants {
		if v.phase.holds(t) {
			return v.site, v
		}
	}
	return s, nil
}

// now is the fleet's simulated time, or the reference date when no clock
// was given.
func (f *Fleet) now() time.Time {
	if f.opts.Now != nil {
		return f.opts.Now()
	}
	return f.opts.RefDate
}

// SitesAt returns the sites as they are at time t, with the truth of the
// phase in force for each.
func (f *Fleet) SitesAt(t time.Time) []Site {
	out := make([]Site, len(f.sites))
	for i, base := range f.sites {
		s, _ := base.at(t)
		out[i] = s.pub
		out[i].Features = append([]string(nil), s.pub.Features...)
		out[i].DeadFeatures = append([]string(nil), s.pub.DeadFeatures...)
		out[i].Hosts = append([]string(nil), s.pub.Hosts...)
	}
	return out
}

// slowMorning is how slow the demo's data centre is at its busy hours.
const slowMorning = 150 * time.Millisecond

// DemoHistory is the history the demo replays over the year ending at end:
// sites that moved up a stage during the year (one in the last month), one
// whose online services went into maintenance three weeks ago (it drops a
// stage), a site down for maintenance for two days and another for one
// night in the last month, and four slow every day from 08:00 to 10:00 WITA
// (00-02 UTC), as the Parepare study found sites slow at certain hours.
func DemoHistory(end time.Time) []Phase {
	month := func(n int) time.Time { return end.AddDate(0, -n, 0) }
	day := func(n int) time.Time { return end.AddDate(0, 0, -n) }
	return []Phase{
		// Tanah Permai joined the national systems, agency portal and open
		// data eight months ago: interaction -> integration.
		{Site: "kota-tanahpermai", Until: month(8), Without: []string{"national_link", "agency_portal", "open_data", "survey", "privacy"}},
		// Bukit Harapan linked LAPOR! and the national SSO two weeks ago:
		// the latest move up, on the changes page.
		{Site: "kab-bukitharapan", Until: day(15), Without: []string{"national_link", "sso"}},
		// Lembah Hijau opened its complaint desk and chat half a year ago:
		// presence -> interaction; a search box came in the spring.
		{Site: "kab-lembahhijau", Until: month(10), Without: []string{"search", "complaint", "feedback_form", "forms_download", "email_officials", "chat", "social", "budget"}},
		{Site: "kab-lembahhijau", From: month(10), Until: month(6), Without: []string{"search", "complaint", "feedback_form", "chat"}},
		// Maju Makmur added online tax payment three months ago.
		{Site: "kab-majumakmur", Until: month(3), Without: []string{"payment", "esignature"}},
		// Bandar Suri's permit services have been "under maintenance"
		// for three weeks: advertised, dead, and the stage drops since the
		// previous crawl.
		{Site: "kota-bandarsuri", From: day(21), ServicesDown: []string{"account", "apply_online", "tracking", "booking"}},
		// Whole-site maintenance: two days for Hulu Mandiri, one night for
		// the Tanjung Mutiara province.
		{Site: "kab-hulumandiri", From: day(12), Until: day(10), Maintenance: true},
		{Site: "prov-tanjungmutiara", From: day(5).Add(-8 * time.Hour), Until: day(5).Add(-2 * time.Hour), Maintenance: true},
		// The kabupaten hosted in the Tanjung Mutiara provincial data
		// centre are slow every morning from 08:00 to 10:00 WITA, when the
		// offices open: enough to show in the fleet's hour-of-day heat map.
		{Site: "kab-kepulauanselaras", SlowHours: []int{0, 1}, SlowDelay: slowMorning},
		{Site: "kab-sawahluhur", SlowHours: []int{0, 1}, SlowDelay: slowMorning},
		{Site: "kab-batuselaksa", SlowHours: []int{0, 1}, SlowDelay: slowMorning},
		{Site: "kab-tirtaamerta", SlowHours: []int{0, 1}, SlowDelay: slowMorning},
	}
}
