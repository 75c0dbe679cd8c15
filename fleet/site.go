package fleet

import (
	"sort"
	"strings"

	"github.com/egovbench/egovbench"
)

// Site is one simulated government website and its ground truth.
type Site struct {
	// Target is what a targets file lists for the site.
	Target egovbench.Target
	// TrueStage is the highest stage whose features the site really exposes
	// with working links; StageNone when a crawler cannot see its content
	// (down, maintenance, blocked, expired certificate, robots disallow).
	TrueStage egovbench.Stage
	// Features are the corpus feature ids the site truly has, sorted. Empty
	// when TrueStage is StageNone.
	Features []string
	// DeadFeatures are services the site advertises whose links are dead
	// (404 or an "under development" page); they never count.
	DeadFeatures []string
	// Behaviour says how the site answers.
	Behaviour Behaviour
	// TLS says how the site uses HTTPS.
	TLS TLSMode
	// Outcome is the probe outcome class a correct crawler records for the
	// target URL.
	Outcome egovbench.Outcome
	// Hosts are every host name the site serves (main host, the redirecting
	// apex or www alias, service and agency subdomains), sorted.
	Hosts []string
	// Synthetic is true for sites generated for benchmarks.
	Synthetic bool
	// StaticStage is the highest stage a reader of the static HTML alone
	// can find: TrueStage, except on sites that build their pages with
	// script (Script names how), where only a browser sees TrueStage.
	StaticStage egovbench.Stage
	Script      string
}

// Has reports whether the site truly has the feature id.
func (s Site) Has(feature string) bool {
	for _, f := range s.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// Host kinds: what a host name of a site serves.
const (
	kindMain     = "main"
	kindAlias    = "alias" // apex or www: redirects to the main host
	kindPPID     = "ppid"
	kindJDIH     = "jdih"
	kindLPSE     = "lpse"
	kindLapor    = "lapor"
	kindData     = "data"
	kindSSO      = "sso"
	kindSicantik = "sicantik"
	kindPajak    = "pajak"
	kindAntrean  = "antrean"
	kindTTE      = "tte"
	kindAgency   = "agency"
)

// agency is an OPD or kecamatan subdomain listed by an agency directory.
type agency struct{ sub, name string }

// agencies lists the directory of agency_portal sites: six agencies (OPD)
// and four districts (kecamatan), each with its own subdomain.
func agencies(level string) []agency {
	a := []agency{
		{"dinkes", "Dinas Kesehatan"},
		{"disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"},
		{"dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"},
		{"bappeda", "Badan Perencanaan Pembangunan Daerah"},
		{"dishub", "Dinas Perhubungan"},
		{"disdik", "Dinas Pendidikan"},
	}
	if level == "provinsi" {
		return append(a,
			agency{"bapenda", "Badan Pendapatan Daerah"},
			agency{"bpbd", "Badan Penanggulangan Bencana Daerah"},
			agency{"rsud", "Rumah Sakit Umum Daerah"},
			agency{"inspektorat", "Inspektorat Daerah"})
	}
	return append(a,
		agency{"kec-kotabarat", "Kecamatan Kota Barat"},
		agency{"kec-kotatimur", "Kecamatan Kota Timur"},
		agency{"kec-pesisir", "Kecamatan Pesisir"},
		agency{"kec-bukitsari", "Kecamatan Bukit Sari"})
}

// site is a simulated site with everything the handlers need.
type site struct {
	spec      siteSpec
	pub       Site
	feat      map[string]bool
	dead      map[string]bool
	scheme    string
	mainHost  string
	aliasHost string
	// modern sites keep their services on subdomains (ppid., lapor.,
	// sicantik., ...); the others keep everything on the main host.
	modern    bool
	synthetic bool
	newsCount int
	idx       int               // position in the fleet, varies headlines
	hosts     map[string]string // host -> kind
	agencies  map[string]agency // host -> agency
	en        bool
	// variants are the site's Options.Phases, by start; empty for most.
	variants []*variant
}

// newSite derives a site from its ground truth row.
func newSite(sp siteSpec, synthetic bool, newsCount int) *site {
	s := &site{spec: sp, feat: map[string]bool{}, dead: map[string]bool{}, synthetic: synthetic,
		newsCount: newsCount, hosts: map[string]string{}, agencies: map[string]agency{}}
	if sp.country == "" {
		s.spec.country = "ID"
	}
	if sp.lang == "" {
		s.spec.lang = "id"
	}
	s.en = s.spec.lang == "en"
	for _, f := range strings.Fields(sp.features + " " + sp.hidden) {
		s.feat[f] = true
	}
	for _, f := range strings.Fields(sp.dead) {
		s.dead[f] = true
	}
	s.scheme = "https"
	if sp.tls == TLSHTTPOnly {
		s.scheme = "http"
	}
	if sp.www {
		s.mainHost, s.aliasHost = "www."+sp.domain, sp.domain
	} else {
		s.mainHost, s.aliasHost = sp.domain, "www."+sp.domain
	}
	s.modern = !synthetic && !s.en && sp.stage >= egovbench.StageIntegration && sp.class == 0
	s.hosts[s.mainHost] = kindMain
	s.hosts[s.aliasHost] = kindAlias
	if s.modern {
		for f, kind := range map[string]string{
			"public_info": kindPPID, "regulations": kindJDIH, "procurement": kindLPSE, "complaint": kindLapor,
			"open_data": kindData, "sso": kindSSO, "account": kindSicantik, "apply_online": kindSicantik,
			"tracking": kindSicantik, "payment": kindPajak, "booking": kindAntrean, "esignature": kindTTE,
		} {
			if s.feat[f] {
				s.hosts[kind+"."+sp.domain] = kind
			}
		}
	}
	// Dead services always sit on subdomains that answer with errors.
	for f, kind := range map[string]string{"apply_online": kindSicantik, "tracking": kindSicantik,
		"account": kindSicantik, "payment": kindPajak, "booking": kindAntrean, "esignature": kindTTE} {
		if s.dead[f] {
			s.hosts[kind+"."+sp.domain] = kind
		}
	}
	if s.feat["agency_portal"] {
		for _, a := range agencies(sp.level) {
			h := a.sub + "." + sp.domain
			s.hosts[h] = kindAgency
			s.agencies[h] = a
		}
	}

	target := s.scheme + "://" + s.mainHost + "/"
	if sp.apexURL {
		target = s.scheme + "://" + s.aliasHost + "/"
	}
	s.pub = Site{
		Target: egovbench.Target{ID: sp.id, Name: sp.name, URL: target, Level: sp.level, Region: sp.region,
			Parent: sp.parent, Country: s.spec.country, Lang: s.spec.lang},
		TrueStage:    sp.stage,
		Features:     sortedFields(sp.features + " " + sp.classFeatures),
		DeadFeatures: sortedFields(sp.dead),
		Behaviour:    sp.beh,
		TLS:          sp.tls,
		Outcome:      expectedOutcome(sp.beh),
		Synthetic:    synthetic,
		StaticStage:  sp.stage,
		Script:       sp.js.String(),
	}
	if sp.js != jsNone {
		s.pub.StaticStage = sp.staticStage
	}
	for h := range s.hosts {
		s.pub.Hosts = append(s.pub.Hosts, h)
	}
	sort.Strings(s.pub.Hosts)
	return s
}

func sortedFields(s string) []string {
	f := strings.Fields(s)
	sort.Strings(f)
	if len(f) == 0 {
		return nil
	}
	return f
}

// expectedOutcome is the probe class of the target URL for a behaviour.
func expectedOutcome(b Behaviour) egovbench.Outcome {
	switch b {
	case BehaviourDown:
		return egovbench.OutcomeConnectionRefused
	case BehaviourMaintenance:
		return egovbench.OutcomeMaintenance
	case BehaviourBlocked, BehaviourRobotsDisallow:
		return egovbench.OutcomeBlocked
	case BehaviourExpiredCert:
		return egovbench.OutcomeTLSError
	}
	return egovbench.OutcomeOK
}

// tr picks the Indonesian or English wording.
func (s *site) tr(id, en string) string {
	if s.en {
		return en
	}
	return id
}

// u builds an absolute URL on the main host. Absolute URLs everywhere let the
// same layout serve the service and agency subdomains.
func (s *site) u(path string) string { return s.scheme + "://" + s.mainHost + path }

// sub builds an absolute URL on a subdomain of the site.
func (s *site) sub(kind, path string) string {
	return s.scheme + "://" + kind + "." + s.spec.domain + path
}

// path is the main-host path of a page key, in the site's language.
func (s *site) path(key string) string {
	id, en := pathNames(key)
	if s.en {
		return en
	}
	return id
}

// pathNames maps page keys to their Indonesian and English paths.
func pathNames(key string) (id, en string) {
	switch key {
	case "profile":
		return "/profil", "/about"
	case "leader":
		return "/profil/pimpinan", "/about/leader"
	case "news":
		return "/berita", "/news"
	case "contact":
		return "/kontak", "/contact"
	case "regulations":
		return "/produk-hukum", "/bylaws"
	case "budget":
		return "/transparansi-anggaran", "/budget"
	case "public_info":
		return "/ppid", "/freedom-of-information"
	case "services":
		return "/standar-pelayanan", "/services"
	case "procurement":
		return "/pengadaan", "/tenders"
	case "search":
		return "/cari", "/search"
	case "complaint":
		return "/pengaduan", "/complaints"
	case "forms":
		return "/unduhan", "/forms"
	case "survey":
		return "/survei-kepuasan", "/survey"
	case "subscribe":
		return "/berlangganan", "/subscribe"
	case "agencies":
		return "/perangkat-daerah", "/departments"
	case "data":
		return "/data", "/data"
	case "register":
		return "/layanan/akun/daftar", "/account/register"
	case "signin":
		return "/layanan/akun/masuk", "/account/sign-in"
	case "apply":
		return "/layanan/permohonan", "/apply"
	case "track":
		return "/layanan/lacak", "/track"
	case "pay":
		return "/layanan/pembayaran", "/pay"
	case "book":
		return "/layanan/antrean", "/book"
	case "verify":
		return "/layanan/verifikasi-dokumen", "/verify-document"
	case "privacy":
		return "/kebijakan-privasi", "/privacy"
	case "a11y":
		return "/aksesibilitas", "/accessibility"
	}
	return "/", "/"
}

// featureURL is where a feature's page lives, following the site's layout.
func (s *site) featureURL(f string) string {
	if s.modern || s.dead[f] {
		switch f {
		case "public_info":
			return s.sub(kindPPID, "/")
		case "regulations":
			return s.sub(kindJDIH, "/")
		case "procurement":
			return s.sub(kindLPSE, "/")
		case "complaint":
			return s.sub(kindLapor, "/")
		case "open_data":
			return s.sub(kindData, "/")
		case "sso":
			return s.sub(kindSSO, "/login")
		case "account":
			return s.sub(kindSicantik, "/daftar")
		case "apply_online":
			return s.sub(kindSicantik, "/permohonan")
		case "tracking":
			return s.sub(kindSicantik, "/lacak")
		case "payment":
			return s.sub(kindPajak, "/")
		case "booking":
			return s.sub(kindAntrean, "/")
		case "esignature":
			return s.sub(kindTTE, "/verifikasi")
		}
	}
	key := f
	switch f {
	case "open_data":
		key = "data"
	case "account":
		key = "register"
	case "apply_online":
		key = "apply"
	case "tracking":
		key = "track"
	case "payment":
		key = "pay"
	case "booking":
		key = "book"
	case "esignature":
		key = "verify"
	case "organisation":
		key = "profile"
	case "leadership":
		key = "leader"
	case "service_info":
		key = "services"
	case "forms_download":
		key = "forms"
	case "agency_portal":
		key = "agencies"
	case "accessibility":
		key = "a11y"
	}
	if f == "sso" {
		return "https://" + natSSO + "/login?client_id=" + s.spec.id
	}
	return s.u(s.path(key))
}
