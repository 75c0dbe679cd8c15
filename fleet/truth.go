package fleet

import "github.com/egovbench/egovbench"

// Behaviour says how a simulated site answers, independent of what it offers.
type Behaviour string

// Behaviours of simulated sites.
const (
	// BehaviourOK answers normally.
	BehaviourOK Behaviour = "ok"
	// BehaviourDown refuses connections: Resolve maps its hosts to a closed port.
	BehaviourDown Behaviour = "down"
	// BehaviourSlow answers every request after Options.SlowDelay.
	BehaviourSlow Behaviour = "slow"
	// BehaviourMaintenance answers 503 with a "Sedang dalam pemeliharaan" page.
	BehaviourMaintenance Behaviour = "maintenance"
	// BehaviourDeadServices advertises online services whose links are dead
	// (404 or a "dalam pengembangan" page); only its working features count.
	BehaviourDeadServices Behaviour = "dead_services"
	// BehaviourBlocked answers 403 with a web application firewall page to every request.
	BehaviourBlocked Behaviour = "blocked"
	// BehaviourExpiredCert serves HTTPS with an expired certificate.
	BehaviourExpiredCert Behaviour = "expired_cert"
	// BehaviourRobotsDisallow serves a robots.txt that disallows everything, so
	// a polite crawler may fetch nothing else.
	BehaviourRobotsDisallow Behaviour = "robots_disallow"
	// BehaviourHostile is a compromised site whose content carries markup
	// injection, javascript: URLs, huge strings and bidi controls.
	BehaviourHostile Behaviour = "hostile"
)

// TLSMode says how a simulated site uses HTTPS.
type TLSMode string

// TLS modes of simulated sites.
const (
	// TLSHSTS redirects http:// to https:// and sends Strict-Transport-Security.
	TLSHSTS TLSMode = "https_hsts"
	// TLSNoHSTS serves both http:// and https:// without redirect or HSTS.
	TLSNoHSTS TLSMode = "https_no_hsts"
	// TLSHTTPOnly serves http:// only; port 443 refuses connections.
	TLSHTTPOnly TLSMode = "http_only"
	// TLSExpired redirects http:// to an https:// whose certificate has expired.
	TLSExpired TLSMode = "https_expired"
)

// robotsMode selects the robots.txt a site serves.
type robotsMode int

const (
	robotsStandard    robotsMode = iota // disallows an admin area, names the sitemap when there is one
	robotsMissing                       // 404
	robotsBroken                        // an HTML error page served as robots.txt
	robotsDisallowAll                   // Disallow: /
)

// FeatureStage returns the stage a corpus feature id evidences (StageNone
// for technology features) and whether the id is in the vocabulary of
// shared/corpus/README.md.
func FeatureStage(id string) (egovbench.Stage, bool) { return egovbench.FeatureStage(id) }

// siteSpec is one row of the ground truth: who the site is, how it behaves
// and what it truly offers.
type siteSpec struct {
	id, name string
	domain   string // registrable domain, e.g. kotasentosa.go.id
	www      bool   // the site lives on www.<domain>; otherwise on the apex
	apexURL  bool   // the target URL names the other (redirecting) host
	level    string
	region   string
	parent   string
	country  string
	lang     string
	head     string // title of the head of government
	headName string
	stage    egovbench.Stage
	beh      Behaviour
	tls      TLSMode
	robots   robotsMode
	sitemap  bool
	features string // space separated corpus feature ids the site truly has
	dead     string // service features advertised with dead links (never counted)
	// hidden are features the site serves that a correct, polite crawler
	// cannot see (behind an expired certificate or a robots.txt that
	// disallows everything); they never count either.
	hidden string
	// traps puts service words where there is no service (a perda on local
	// taxes, a paper permit form), as real sites do, to catch analyzers that
	// match words without context.
	traps bool
	// class is the error class of issue 10 (1-7) a site of classes.go
	// exhibits; 0 for every other site. Class sites keep everything on their
	// main host and add the class's own content to the standard layout.
	class int
	// classFeatures are true features that the class's own content provides
	// (classes.go), not the standard layout; they count like features.
	classFeatures string
	// js builds the site's pages with script; staticStage is then the
	// highest stage a reader of the static HTML alone can find.
	js          jsMode
	staticStage egovbench.Stage
}

// Heads of government, used in page text.
const (
	headWali     = "Wali Kota"
	headBupati   = "Bupati"
	headGubernur = "Gubernur"
	headMayor    = "Mayor"
	headLeader   = "Leader of the Council"
)

// Feature sets reused by the table below, to keep rows readable.
const (
	fPresence    = "contact leadership organisation news regulations budget public_info service_info procurement"
	fInteraction = "search complaint feedback_form forms_download email_officials chat social survey subscribe"
	fIntegration = "national_link agency_portal sso open_data"
	fTransaction = "account apply_online tracking payment booking esignature"
	fTech        = "viewport lang privacy accessibility"
)

// defaultSpecs is the ground truth of the hand-made fleet: fictional regions
// of two fictional provinces plus three fictional English-speaking councils.
// stage must be the highest stage among features (checked by a test), or
// StageNone when a crawler cannot see the content at all.
func defaultSpecs() []siteSpec {
	const ns, tm = "Nusa Sejahtera", "Tanjung Mutiara"
	return []siteSpec{
		// Province of Nusa Sejahtera and its kota/kabupaten.
		{id: "prov-nusasejahtera", name: "Pemerintah Provinsi Nusa Sejahtera", domain: "nusasejahteraprov.go.id", www: true,
			level: "provinsi", region: ns, head: headGubernur, headName: "Dr. H. Arif Wicaksana Putra, M.Si.",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS, sitemap: true,
			features: fPresence + " " + fInteraction + " " + fIntegration + " " + fTransaction + " " + fTech},
		{id: "kota-sentosa", name: "Pemerintah Kota Sentosa", domain: "kotasentosa.go.id", www: true, apexURL: true,
			level: "kota", region: ns, parent: "prov-nusasejahtera", head: headWali, headName: "Ir. H. Budi Santoso Wiranata, M.T.",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS, sitemap: true,
			features: fPresence + " search complaint feedback_form forms_download email_officials chat social survey " + fIntegration + " account apply_online tracking payment booking viewport lang privacy"},
		{id: "kab-majumakmur", name: "Pemerintah Kabupaten Maju Makmur", domain: "majumakmurkab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "H. Muhammad Rizal Hakim, S.E.",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS,
			features: "contact leadership organisation news regulations budget public_info service_info search complaint feedback_form social chat national_link agency_portal payment esignature viewport lang"},
		{id: "kota-tanahpermai", name: "Pemerintah Kota Tanah Permai", domain: "tanahpermaikota.go.id", www: true,
			level: "kota", region: ns, parent: "prov-nusasejahtera", head: headWali, headName: "Hj. Sri Rahayu Lestari, S.H.",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSHSTS, sitemap: true,
			features: "contact leadership organisation news regulations budget public_info service_info procurement search complaint feedback_form email_officials social survey national_link agency_portal open_data viewport lang privacy"},
		{id: "kab-bukitharapan", name: "Pemerintah Kabupaten Bukit Harapan", domain: "bukitharapankab.go.id", www: false,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "Drs. Yohanes Lado Bere",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSNoHSTS,
			features: "contact leadership organisation news public_info service_info search complaint social national_link sso viewport lang"},
		{id: "kab-lembahhijau", name: "Pemerintah Kabupaten Lembah Hijau", domain: "lembahhijaukab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "H. Andi Mappanyukki Ramli",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHTTPOnly, robots: robotsMissing, traps: true,
			features: "contact leadership organisation news regulations budget public_info search complaint feedback_form forms_download email_officials chat social viewport lang"},
		{id: "kota-telukdamai", name: "Pemerintah Kota Teluk Damai", domain: "telukdamaikota.go.id", www: true,
			level: "kota", region: ns, parent: "prov-nusasejahtera", head: headWali, headName: "Drs. Hendrik Sahetapy",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHSTS,
			features: "contact leadership organisation news budget service_info survey subscribe email_officials viewport lang accessibility"},
		{id: "kab-pantaicemara", name: "Pemerintah Kabupaten Pantai Cemara", domain: "pantaicemarakab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "H. Syamsul Bahri Nasution",
			stage: egovbench.StagePresence, beh: BehaviourOK, tls: TLSNoHSTS, traps: true,
			features: "contact leadership organisation news regulations budget lang"},
		{id: "kab-sungaijernih", name: "Pemerintah Kabupaten Sungai Jernih", domain: "sungaijernihkab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "Ir. Made Sudarsana",
			stage: egovbench.StageNone, beh: BehaviourDown, tls: TLSHSTS,
			features: ""},
		{id: "kota-danaubiru", name: "Pemerintah Kota Danau Biru", domain: "danaubirukota.go.id", www: true,
			level: "kota", region: ns, parent: "prov-nusasejahtera", head: headWali, headName: "dr. Maria Goretti Tanamal",
			stage: egovbench.StageIntegration, beh: BehaviourSlow, tls: TLSHSTS,
			features: "contact leadership organisation news public_info service_info complaint feedback_form social national_link viewport lang"},
		{id: "kab-gunungasri", name: "Pemerintah Kabupaten Gunung Asri", domain: "gunungasrikab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "H. Darmawan Saputra",
			stage: egovbench.StageNone, beh: BehaviourMaintenance, tls: TLSHSTS,
			features: ""},
		{id: "kab-padanglestari", name: "Pemerintah Kabupaten Padang Lestari", domain: "padanglestarikab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "Drs. H. Zainal Abidin",
			stage: egovbench.StageInteraction, beh: BehaviourDeadServices, tls: TLSHSTS,
			features: "contact leadership organisation news public_info service_info complaint feedback_form social viewport lang",
			dead:     "apply_online tracking payment booking"},
		{id: "kota-karangindah", name: "Pemerintah Kota Karang Indah", domain: "karangindahkota.go.id", www: true,
			level: "kota", region: ns, parent: "prov-nusasejahtera", head: headWali, headName: "H. Rudi Hartono",
			stage: egovbench.StageNone, beh: BehaviourBlocked, tls: TLSHSTS,
			features: ""},
		{id: "kab-rimbaraya", name: "Pemerintah Kabupaten Rimba Raya", domain: "rimbarayakab.go.id", www: true,
			level: "kabupaten", region: ns, parent: "prov-nusasejahtera", head: headBupati, headName: "Ir. Stefanus Kolo",
			stage: egovbench.StageNone, beh: BehaviourExpiredCert, tls: TLSExpired,
			features: "", hidden: "contact leadership organisation news regulations public_info search complaint feedback_form viewport lang"},
		// Province of Tanjung Mutiara and its kota/kabupaten.
		{id: "prov-tanjungmutiara", name: "Pemerintah Provinsi Tanjung Mutiara", domain: "tanjungmutiaraprov.go.id", www: true,
			level: "provinsi", region: tm, head: headGubernur, headName: "Prof. Dr. Hasanuddin Rauf, M.Si.",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSHSTS, sitemap: true,
			features: fPresence + " search complaint feedback_form forms_download email_officials social survey subscribe national_link agency_portal open_data viewport lang privacy accessibility"},
		{id: "kota-bandarsuri", name: "Pemerintah Kota Bandar Suri", domain: "bandarsurikota.go.id", www: true,
			level: "kota", region: tm, parent: "prov-tanjungmutiara", head: headWali, headName: "H. Firman Syahputra, S.T.",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS,
			features: "contact leadership organisation news regulations public_info service_info search complaint feedback_form chat social national_link sso account apply_online tracking booking viewport lang privacy"},
		{id: "kab-kepulauanselaras", name: "Pemerintah Kabupaten Kepulauan Selaras", domain: "kepulauanselaraskab.go.id", www: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "Abdul Gafur Umasugi, S.Pi.",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSNoHSTS, robots: robotsBroken,
			features: "contact leadership organisation news budget procurement complaint feedback_form chat viewport lang"},
		{id: "kab-sawahluhur", name: "Pemerintah Kabupaten Sawah Luhur", domain: "sawahluhurkab.go.id", www: false, apexURL: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "H. Asep Kurniawan",
			stage: egovbench.StagePresence, beh: BehaviourOK, tls: TLSHTTPOnly,
			features: "contact leadership organisation news regulations lang"},
		{id: "kab-hulumandiri", name: "Pemerintah Kabupaten Hulu Mandiri", domain: "hulumandirikab.go.id", www: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "Drs. Yusran Effendi",
			stage: egovbench.StagePresence, beh: BehaviourOK, tls: TLSHSTS, sitemap: true,
			features: "contact leadership organisation news regulations budget public_info service_info procurement viewport lang"},
		{id: "kota-muarateduh", name: "Pemerintah Kota Muara Teduh", domain: "muarateduhkota.go.id", www: true,
			level: "kota", region: tm, parent: "prov-tanjungmutiara", head: headWali, headName: "H. Bahtiar Lubis",
			stage: egovbench.StageNone, beh: BehaviourRobotsDisallow, tls: TLSHSTS, robots: robotsDisallowAll,
			features: "", hidden: "contact leadership organisation news budget service_info social email_officials viewport lang"},
		{id: "kab-batuselaksa", name: "Pemerintah Kabupaten Batu Selaksa", domain: "batuselaksakab.go.id", www: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "Ir. H. Taufik Hidayat",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSHSTS,
			features: "contact leadership organisation news regulations budget public_info service_info procurement search complaint social national_link agency_portal viewport lang"},
		{id: "kab-tirtaamerta", name: "Pemerintah Kabupaten Tirta Amerta", domain: "tirtaamertakab.go.id", www: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "I Gusti Ngurah Wirawan",
			stage: egovbench.StagePresence, beh: BehaviourOK, tls: TLSHSTS,
			features: "contact leadership organisation news public_info service_info viewport lang"},
		// Fictional English-speaking councils.
		{id: "gb-thornwickvale", name: "Thornwick Vale Borough Council", domain: "thornwickvale.gov.uk", www: true,
			level: "municipality", region: "Thornwick", country: "GB", lang: "en", head: headLeader, headName: "Cllr Margaret Ellery",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS, sitemap: true,
			features: "contact leadership organisation news regulations budget public_info service_info procurement search complaint feedback_form forms_download email_officials social subscribe account apply_online tracking payment booking viewport lang privacy accessibility"},
		{id: "au-portcalder", name: "City of Port Calder", domain: "portcalder.vic.gov.au", www: true,
			level: "municipality", region: "Calder", country: "AU", lang: "en", head: headMayor, headName: "Cr Daniel Okafor",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHSTS,
			features: "contact leadership organisation news budget service_info search feedback_form email_officials social survey viewport lang privacy accessibility"},
		{id: "us-ashvale", name: "Town of Ashvale", domain: "ashvaletown.gov", www: true,
			level: "municipality", region: "Ashvale", country: "US", lang: "en", head: headMayor, headName: "Mayor Linda Prescott",
			stage: egovbench.StagePresence, beh: BehaviourOK, tls: TLSNoHSTS,
			features: "contact leadership organisation news budget procurement lang"},
	}
}

// hostileSpec is the compromised site added by Options.Hostile.
func hostileSpec() siteSpec {
	return siteSpec{id: "kab-rawabening", name: "Pemerintah Kabupaten Rawa Bening", domain: "rawabeningkab.go.id", www: true,
		level: "kabupaten", region: "Tanjung Mutiara", parent: "prov-tanjungmutiara", head: headBupati, headName: "H. Syahrul Gunawan",
		stage: egovbench.StageInteraction, beh: BehaviourHostile, tls: TLSHSTS,
		features: "contact leadership organisation news search complaint feedback_form social viewport lang"}
}

// scriptSpecs are the sites of the default fleet that build their pages
// with script (after the hostile site, so that adding them changed no other
// site's content).
func scriptSpecs() []siteSpec {
	const tm = "Tanjung Mutiara"
	return []siteSpec{
		{id: "kab-lerengbiru", name: "Pemerintah Kabupaten Lereng Biru", domain: "lerengbirukab.go.id", www: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "H. La Ode Muhammad Sabir",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSHSTS, js: jsMenu,
			// The homepage names the head and the news; everything else is
			// in the menu a script fetches.
			staticStage: egovbench.StagePresence,
			features:    "contact leadership organisation news regulations budget public_info service_info complaint feedback_form social national_link agency_portal viewport lang"},
		{id: "kota-cahayabaru", name: "Pemerintah Kota Cahaya Baru", domain: "cahayabarukota.go.id", www: true,
			level: "kota", region: tm, parent: "prov-tanjungmutiara", head: headWali, headName: "dr. Indah Permatasari, M.Kes.",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHSTS, js: jsSPA,
			// Every page is an empty app root.
			staticStage: egovbench.StageNone,
			features:    "contact leadership organisation news regulations budget public_info service_info search complaint feedback_form email_officials social viewport lang"},
		{id: "kab-tanjungpinang", name: "Pemerintah Kabupaten Tanjung Pinang Raya", domain: "tanjungpinangrayakab.go.id", www: true,
			level: "kabupaten", region: tm, parent: "prov-tanjungmutiara", head: headBupati, headName: "H. Raja Ariza Fahmi",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHSTS, js: jsModal,
			// The complaint and feedback forms are written by script.
			staticStage: egovbench.StagePresence,
			features:    "contact leadership organisation news regulations budget public_info service_info complaint feedback_form viewport lang"},
	}
}
