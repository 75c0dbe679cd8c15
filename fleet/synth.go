package fleet

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/egovbench/egovbench"
)

// syntheticSpecs generates n sites by deterministic variation from seed:
// stages, features, TLS modes and names vary. Every site behaves ok, so
// benchmark wall times depend on politeness only, unless faults is set:
// then about one site in twelve is down, slow, under maintenance, blocked or
// has dead service links, drawn from a separate generator so the rest of
// the fleet is the same with or without faults. A share script of the sites
// (from a third generator) build their pages with script, the three ways of
// the default fleet's script-built sites about evenly (modals only on sites
// with a complaint form).
func syntheticSpecs(n int, seed int64, faults bool, script float64) []siteSpec {
	frng := rand.New(rand.NewPCG(uint64(seed), 0x6661756c7473))
	srng := rand.New(rand.NewPCG(uint64(seed), 0x736372697074))
	scripted := map[jsMode]int{}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x65676f7662656e63))
	// Word lists for region names; combined they name no real Indonesian
	// kota or kabupaten.
	synthPrefixes := [...]string{"Sumber", "Tanjung", "Bukit", "Lembah", "Muara", "Pulau", "Teluk", "Batu", "Sungai", "Padang",
		"Gunung", "Danau", "Karang", "Rawa", "Tanah", "Air", "Ujung", "Kuala", "Pematang", "Lubuk"}
	synthSuffixes := [...]string{"Jaya", "Makmur", "Indah", "Permai", "Lestari", "Raya", "Asri", "Damai", "Sejahtera", "Harapan",
		"Mulia", "Sentosa", "Abadi", "Mandiri", "Selaras", "Bahagia", "Cemerlang", "Gemilang", "Berseri", "Bestari"}
	synthDirections := [...]string{"", "Utara", "Selatan", "Barat", "Timur", "Tengah"}
	synthProvinces := [...]string{"Nusa Sejahtera", "Tanjung Mutiara", "Samudra Raya", "Bumi Lestari", "Kepulauan Nirwana",
		"Swarna Dwipa", "Tirta Kencana", "Giri Mulya"}
	type combo struct{ name, slug string }
	var combos []combo
	for _, p := range synthPrefixes {
		for _, s := range synthSuffixes {
			for _, d := range synthDirections {
				name := strings.TrimSpace(p + " " + s + " " + d)
				combos = append(combos, combo{name, strings.ToLower(strings.ReplaceAll(name, " ", ""))})
			}
		}
	}
	rng.Shuffle(len(combos), func(i, j int) { combos[i], combos[j] = combos[j], combos[i] })

	specs := make([]siteSpec, 0, n)
	for i := 0; i < n; i++ {
		c := combos[i%len(combos)]
		if round := i / len(combos); round > 0 {
			c.name += " " + strconv.Itoa(round+1)
			c.slug += strconv.Itoa(round + 1)
		}
		sp := siteSpec{region: synthProvinces[rng.IntN(len(synthProvinces))], beh: BehaviourOK, www: rng.IntN(5) != 0}
		if rng.IntN(4) == 0 {
			sp.level, sp.id, sp.domain, sp.name = "kota", "kota-"+c.slug, c.slug+"kota.go.id", "Pemerintah Kota "+c.name
			sp.head = headWali
		} else {
			sp.level, sp.id, sp.domain, sp.name = "kabupaten", "kab-"+c.slug, c.slug+"kab.go.id", "Pemerintah Kabupaten "+c.name
			sp.head = headBupati
		}
		sp.headName = synthHeadName(rng)
		switch r := rng.IntN(10); {
		case r < 7:
			sp.tls = TLSHSTS
		case r < 9:
			sp.tls = TLSNoHSTS
		default:
			sp.tls = TLSHTTPOnly
		}
		sp.sitemap = rng.IntN(3) == 0
		sp.stage, sp.features = synthFeatures(rng)
		if faults && frng.IntN(12) == 0 {
			sp = withFault(sp, frng)
		}
		if script > 0 && srng.Float64() < script {
			// Forms move into modals only where there is a complaint
			// form to move (as on the default fleet's modal site).
			// The mode used least so far, so the three stay about even.
			modes := []jsMode{jsMenu, jsSPA}
			if fs := strings.Fields(sp.features); contains(fs, "complaint") && contains(fs, "feedback_form") {
				modes = append(modes, jsModal)
			}
			sp.js = modes[0]
			for _, m := range modes[1:] {
				if scripted[m] < scripted[sp.js] {
					sp.js = m
				}
			}
			scripted[sp.js]++
		}
		specs = append(specs, sp)
	}
	return specs
}

// withFault gives a synthetic site one of the fleet's faults and adjusts its
// ground truth to what a crawler can still establish.
func withFault(sp siteSpec, rng *rand.Rand) siteSpec {
	switch rng.IntN(5) {
	case 0:
		sp.beh = BehaviourDown
	case 1:
		sp.beh = BehaviourMaintenance
	case 2:
		sp.beh = BehaviourBlocked
	case 3:
		sp.beh = BehaviourSlow
		return sp
	default:
		// The services menu advertises applications and payment whose
		// links are dead; real transaction features, if any, are lost too.
		sp.beh = BehaviourDeadServices
		sp.dead = "apply_online payment"
		var keep []string
		for _, f := range strings.Fields(sp.features) {
			if st, _ := FeatureStage(f); st != egovbench.StageTransaction {
				keep = append(keep, f)
			}
		}
		sp.features = strings.Join(keep, " ")
		sp.stage = highestStage(sp.features)
		return sp
	}
	sp.features, sp.stage = "", egovbench.StageNone
	return sp
}

// highestStage is the stage of the highest feature in a feature list.
func highestStage(features string) egovbench.Stage {
	max := egovbench.StageNone
	for _, f := range strings.Fields(features) {
		if st, _ := FeatureStage(f); st > max {
			max = st
		}
	}
	return max
}

func synthHeadName(rng *rand.Rand) string {
	first := [...]string{"Ahmad", "Budi", "Siti", "Dewi", "Rahmat", "Yusuf", "Agus", "Lina", "Hendra", "Nur"}
	last := [...]string{"Saputra", "Wijaya", "Hasibuan", "Pratama", "Kusuma", "Lestari", "Siregar", "Nugroho", "Rahayu", "Harahap"}
	return "H. " + first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
}

// synthFeatures draws a stage and a feature set whose highest stage is it.
// Features that need files or extra hosts (downloadable forms, agency
// directories) are left out so a site's pages are exactly its page budget.
func synthFeatures(rng *rand.Rand) (egovbench.Stage, string) {
	var stage egovbench.Stage
	switch r := rng.IntN(100); {
	case r < 30:
		stage = egovbench.StagePresence
	case r < 65:
		stage = egovbench.StageInteraction
	case r < 85:
		stage = egovbench.StageIntegration
	default:
		stage = egovbench.StageTransaction
	}
	f := []string{"contact", "leadership", "organisation", "news"}
	pick := func(pool []string, lo, hi int) []string {
		p := append([]string(nil), pool...)
		rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		k := lo + rng.IntN(hi-lo+1)
		return p[:k]
	}
	f = append(f, pick([]string{"regulations", "budget", "public_info", "service_info", "procurement"}, 1, 5)...)
	if stage >= egovbench.StageInteraction {
		f = append(f, pick([]string{"search", "complaint", "feedback_form", "email_officials", "chat", "social", "survey", "subscribe"}, 2, 5)...)
	}
	if stage >= egovbench.StageIntegration {
		// Synthetic sites reach SSO and open data through national systems,
		// and every national block links LAPOR!, a complaint channel; so
		// integration always brings national_link and complaint.
		f = append(f, "national_link")
		f = append(f, pick([]string{"sso", "open_data"}, 0, 2)...)
		if !contains(f, "complaint") {
			f = append(f, "complaint")
		}
	}
	if stage >= egovbench.StageTransaction {
		f = append(f, pick([]string{"account", "apply_online", "tracking", "payment", "booking", "esignature"}, 1, 4)...)
	}
	for _, t := range []struct {
		id  string
		pct int
	}{{"viewport", 85}, {"lang", 90}, {"privacy", 30}, {"accessibility", 15}} {
		if rng.IntN(100) < t.pct {
			f = append(f, t.id)
		}
	}
	return stage, strings.Join(f, " ")
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// fitPages sets a synthetic site's number of news articles so that its main
// host has exactly pages HTML pages, dropping optional features first when
// the feature pages alone would not fit.
func fitPages(s *site, pages int) *site {
	droppable := []string{"accessibility", "privacy", "subscribe", "survey", "procurement", "service_info", "public_info",
		"budget", "regulations", "esignature", "booking", "payment", "tracking", "apply_online", "account", "open_data"}
	for {
		articles := pages - len(s.mainPages())
		if articles >= 1 {
			s.newsCount = articles
			return s
		}
		sp := s.spec
		fs := strings.Fields(sp.features)
		dropped := false
		for _, d := range droppable {
			if !contains(fs, d) || !canDrop(fs, d, sp.stage) {
				continue
			}
			var keep []string
			for _, x := range fs {
				if x != d {
					keep = append(keep, x)
				}
			}
			sp.features = strings.Join(keep, " ")
			dropped = true
			break
		}
		if !dropped {
			s.newsCount = 1
			return s
		}
		s = newSite(sp, true, 0)
	}
}

// canDrop keeps at least one feature at the site's stage.
func canDrop(fs []string, d string, stage egovbench.Stage) bool {
	if st, _ := FeatureStage(d); st != stage {
		return true
	}
	n := 0
	for _, x := range fs {
		if st, _ := FeatureStage(x); st == stage {
			n++
		}
	}
	return n > 1
}
