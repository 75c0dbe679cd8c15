package fleet

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pageCtx carries what page builders need besides the site.
type pageCtx struct {
	ref time.Time // reference date content is dated from
	idx int       // site index, varies headlines between sites
}

// base builds the layout shared by all pages of a site.
func (s *site) base(c pageCtx, title string) *pageData {
	sp := s.spec
	p := &pageData{
		Viewport:    s.feat["viewport"],
		Title:       title + " | " + sp.name,
		Description: s.tr("Portal resmi ", "Official website of ") + sp.name,
		SiteName:    sp.name,
		HomeURL:     s.u("/"),
		Heading:     title,
		ChatLabel:   s.tr("Chat WhatsApp", "Chat with us on WhatsApp"),
	}
	if s.feat["lang"] {
		p.Lang = sp.lang
	}
	if s.feat["search"] {
		p.SearchURL = s.u(s.path("search"))
		p.SearchLabel = s.tr("Cari", "Search")
	}
	nav := []link{{Href: s.u("/"), Text: s.tr("Beranda", "Home")}}
	add := func(f, id, en string) {
		if s.feat[f] {
			nav = append(nav, link{Href: s.featureURL(f), Text: s.tr(id, en)})
		}
	}
	add("organisation", "Profil", "About the council")
	add("leadership", sp.head, sp.head)
	add("news", "Berita", "News")
	if s.modern {
		add("regulations", "JDIH", "Bylaws")
	} else {
		add("regulations", "Produk Hukum", "Bylaws")
	}
	add("budget", "Transparansi Anggaran", "Budget and spending")
	add("public_info", "PPID", "Freedom of information")
	add("service_info", "Standar Pelayanan", "Council services")
	if s.modern {
		add("procurement", "LPSE", "Tenders and contracts")
	} else {
		add("procurement", "Pengadaan", "Tenders and contracts")
	}
	add("agency_portal", "Perangkat Daerah", "Departments")
	add("contact", "Kontak", "Contact us")
	p.Nav = nav

	f := footerData{Heading: s.tr("Kontak", "Contact us"), Copyright: "© 2026 " + sp.name}
	if s.feat["contact"] {
		f.Address = s.address()
		f.Phone = s.tr("Telepon: ", "Telephone: ") + s.phone()
		f.Email = s.tr("Surel: ", "Email: ") + s.email("info")
	} else {
		f.Heading = sp.name
	}
	if s.feat["email_officials"] {
		f.Mailto = []link{{Href: "mailto:" + s.email("info"), Text: s.email("info")}}
	}
	if s.feat["social"] {
		h := strings.ReplaceAll(sp.id, "-", "")
		f.Social = []link{
			{Href: "https://www.facebook.com/" + h, Text: "Facebook"},
			{Href: "https://www.instagram.com/" + h, Text: "Instagram"},
			{Href: "https://www.youtube.com/@" + h, Text: "YouTube"},
			{Href: "https://x.com/" + h, Text: "X"},
		}
	}
	if s.feat["subscribe"] {
		f.Links = append(f.Links, link{Href: s.u("/rss.xml"), Text: "RSS"})
	}
	if s.feat["privacy"] {
		f.Links = append(f.Links, link{Href: s.featureURL("privacy"), Text: s.tr("Kebijakan Privasi", "Privacy notice")})
	}
	if s.feat["accessibility"] {
		f.Links = append(f.Links, link{Href: s.featureURL("accessibility"), Text: s.tr("Aksesibilitas", "Accessibility statement")})
	}
	p.Footer = f
	if s.feat["chat"] {
		p.WhatsApp = "https://wa.me/" + s.waNumber() + "?text=" + url.PathEscape(s.tr("Halo, saya ingin bertanya", "Hello, I have a question"))
	}
	return p
}

func (s *site) address() string {
	if s.en {
		return "Civic Centre, 1 Market Street, " + s.spec.region
	}
	office := "Kantor " + strings.TrimPrefix(s.spec.name, "Pemerintah ")
	return office + ", Jl. Jenderal Sudirman No. " + strconv.Itoa(1+len(s.spec.domain)%90) + ", " + s.spec.region
}

func (s *site) phone() string {
	n := 0
	for _, r := range s.spec.domain {
		n = (n*31 + int(r)) % 100000
	}
	if s.en {
		return fmt.Sprintf("01632 %06d", n)
	}
	return fmt.Sprintf("(0%d) %d", 411+n%300, 800000+n)
}

func (s *site) waNumber() string {
	n := 0
	for _, r := range s.spec.domain {
		n = (n*17 + int(r)) % 10000000
	}
	return fmt.Sprintf("62812%08d", n)
}

// currency is the symbol an English-speaking council prices in.
func (s *site) currency() string {
	if s.spec.country == "GB" {
		return "£"
	}
	return "$"
}

func (s *site) email(local string) string { return local + "@" + s.spec.domain }

// home builds the homepage.
func (s *site) home(c pageCtx) *pageData {
	sp := s.spec
	p := s.base(c, s.tr("Beranda", "Home"))
	p.Title = sp.name
	p.Heading = s.tr("Selamat Datang di Portal Resmi ", "Welcome to ") + sp.name
	p.Blocks = append(p.Blocks, block{Paras: []string{s.tr(
		"Portal ini menyajikan informasi resmi pemerintah daerah bagi masyarakat.",
		"This is the official website of the council for residents, businesses and visitors.")}})
	if s.feat["leadership"] {
		p.Blocks = append(p.Blocks, block{
			Heading: s.tr("Sambutan ", "A message from the ") + sp.head,
			Paras: []string{s.tr(sp.headName+", "+sp.head+" periode 2025-2030, mengajak seluruh warga membangun daerah bersama.",
				sp.headName+", "+sp.head+", welcomes you to the council's website.")},
			Links: []link{{Href: s.featureURL("leadership"), Text: s.tr("Profil "+sp.head, "About the "+sp.head)}},
		})
	}
	if s.feat["news"] {
		b := block{Heading: s.tr("Berita Terbaru", "Latest news")}
		for n := 1; n <= min(4, s.newsCount); n++ {
			it := s.news(n, c.ref, c.idx)
			b.Links = append(b.Links, link{Href: s.articleURL(it), Text: it.title, Note: formatDate(it.date, s.en)})
		}
		b.Links = append(b.Links, link{Href: s.featureURL("news"), Text: s.tr("Indeks berita", "All news")})
		p.Blocks = append(p.Blocks, b)
	}
	var more []block
	if b := s.servicesBlock(); len(b.Links) > 0 {
		more = append(more, b)
	}
	if s.feat["national_link"] {
		more = append(more, s.nationalBlock())
	}
	if s.feat["agency_portal"] {
		more = append(more, s.agencyBlock())
	}
	if sp.js == jsModal && s.feat["complaint"] {
		// The complaint service is a button on the homepage that opens its
		// form in a modal; no link leads to it.
		for i := range more {
			more[i].Links = slices.DeleteFunc(slices.Clone(more[i].Links), func(l link) bool { return l.Href == s.featureURL("complaint") })
		}
		more = slices.DeleteFunc(more, func(b block) bool { return len(b.Links) == 0 })
		b := s.complaintPage(c).Blocks[0]
		b.Heading = s.tr("Pengaduan Masyarakat", "Make a complaint")
		more = append(more, b)
	}
	if sp.js == jsMenu {
		// Services, national systems and agencies are menu items, and
		// the menu is built by script.
		for _, b := range more {
			p.Nav = append(p.Nav, b.Links...)
		}
		return p
	}
	p.Blocks = append(p.Blocks, more...)
	return p
}

// servicesBlock is the "Layanan Online" menu: interaction, integration and
// transaction services, and the dead links of a dead_services site.
func (s *site) servicesBlock() block {
	b := block{Heading: s.tr("Layanan Online", "Online services")}
	type item struct{ f, id, en string }
	items := []item{
		{"complaint", "Pengaduan Masyarakat", "Make a complaint"},
		{"survey", "Survei Kepuasan Masyarakat (SKM)", "Have your say: residents' survey"},
		{"forms_download", "Unduh Formulir", "Download a form"},
		{"subscribe", "Berlangganan Berita", "Sign up for email updates"},
		{"open_data", "Portal Satu Data " + s.regionName(), "Open data"},
		{"sso", "Single Sign-On (SSO)", "Government single sign-on"},
		{"account", "Daftar Akun Layanan", "Register for an account"},
		{"apply_online", "Ajukan Permohonan Izin Online", "Apply for a permit online"},
		{"tracking", "Lacak Status Permohonan", "Track your application"},
		{"payment", "Bayar Pajak Daerah & Retribusi", "Pay council tax or a parking fine"},
		{"booking", "Antrean Online", "Book an appointment"},
		{"esignature", "Verifikasi Dokumen TTE", "Verify a council document"},
	}
	for _, it := range items {
		if s.feat[it.f] || s.dead[it.f] {
			b.Links = append(b.Links, link{Href: s.featureURL(it.f), Text: s.tr(it.id, it.en)})
			if it.f == "account" {
				b.Links = append(b.Links, link{Href: s.signinURL(), Text: s.tr("Masuk Akun Layanan", "Sign in to your account")})
			}
		}
	}
	return b
}

func (s *site) signinURL() string {
	if s.modern {
		return s.sub(kindSicantik, "/masuk")
	}
	return s.u(s.path("signin"))
}

// regionName is the name of the region without the "Pemerintah" prefix.
func (s *site) regionName() string {
	return strings.TrimPrefix(s.spec.name, "Pemerintah ")
}

// National systems simulated by the fleet.
const (
	natLapor           = "www.lapor.go.id"
	natLaporUnresolved = "lapor.go.id" // not in Resolve: see nationalHosts
	natOSS             = "oss.go.id"
	natMPP             = "mppdigital.go.id"
	natDukcapil        = "dukcapil.kemendagri.go.id"
	natData            = "data.go.id"
	natJDIHN           = "jdihn.go.id"
	natSSO             = "sso.digital.go.id"
)

// nationalBlock links the national systems the site integrates with. The
// links are tied to features so that none of them suggests a service the
// site does not have (OSS implies online applications, MPP a booking).
func (s *site) nationalBlock() block {
	b := block{Heading: "Layanan Terintegrasi Nasional", Links: []link{
		{Href: "https://" + natLapor + "/instansi/" + s.spec.id, Text: "SP4N-LAPOR! Layanan Aspirasi dan Pengaduan Online Rakyat"},
	}}
	if s.feat["regulations"] {
		b.Links = append(b.Links, link{Href: "https://" + natJDIHN + "/", Text: "JDIH Nasional (JDIHN)"})
	}
	if s.feat["open_data"] {
		b.Links = append(b.Links, link{Href: "https://" + natData + "/organization/" + s.spec.id, Text: "Satu Data Indonesia"})
	}
	if s.feat["apply_online"] {
		b.Links = append(b.Links,
			link{Href: "https://" + natOSS + "/", Text: "OSS - Perizinan Berusaha Terintegrasi"},
			link{Href: "https://" + natDukcapil + "/", Text: "Layanan Adminduk Online Dukcapil"})
	}
	if s.feat["booking"] {
		b.Links = append(b.Links, link{Href: "https://" + natMPP + "/", Text: "MPP Digital"})
	}
	return b
}

func (s *site) agencyBlock() block {
	b := block{Heading: "Perangkat Daerah"}
	for _, a := range agencies(s.spec.level) {
		b.Links = append(b.Links, link{Href: s.sub(a.sub, "/"), Text: a.name})
	}
	return b
}

func (s *site) articleURL(it newsItem) string {
	return s.u(s.path("news") + "/" + strconv.Itoa(it.n) + "-" + slug(it.title))
}

// standardPage builds the page at path on the main host from the standard
// layout; nil means 404. mainPage adds what class sites show on top.
func (s *site) standardPage(c pageCtx, path string, q url.Values) *pageData {
	sp := s.spec
	has := func(f, key string) bool { return s.feat[f] && path == s.path(key) && !(s.modern && isSubFeature(f)) }
	switch {
	case path == "/":
		return s.home(c)
	case has("organisation", "profile"):
		p := s.base(c, s.tr("Profil Daerah", "About the council"))
		p.Blocks = []block{
			{Heading: s.tr("Visi & Misi", "Our vision and priorities"), Paras: []string{s.tr(
				"Visi: Terwujudnya "+s.regionName()+" yang maju, sejahtera dan berdaya saing.",
				"A greener, fairer and more prosperous "+sp.region+" for everyone.")},
				Items: []string{s.tr("Meningkatkan kualitas sumber daya manusia", "Better homes and neighbourhoods"),
					s.tr("Mewujudkan tata kelola pemerintahan yang bersih", "An open and efficient council"),
					s.tr("Membangun infrastruktur yang merata", "Support for local business")}},
			{Heading: s.tr("Struktur Organisasi", "How the council is organised"), Items: []string{
				sp.head, s.tr("Wakil "+sp.head, "Cabinet"), s.tr("Sekretaris Daerah", "Chief Executive"),
				s.tr("Asisten Pemerintahan", "Director of Place"), s.tr("Asisten Perekonomian dan Pembangunan", "Director of Resources")}},
		}
		return p
	case has("leadership", "leader"):
		p := s.base(c, s.tr("Profil "+sp.head, "The "+sp.head))
		p.Blocks = []block{{Heading: sp.headName, Paras: []string{s.tr(
			sp.headName+" menjabat sebagai "+sp.head+" "+s.regionName()+" periode 2025-2030.",
			sp.headName+" has been "+sp.head+" since May 2024.")}}}
		return p
	case s.feat["news"] && path == s.path("news"):
		p := s.base(c, s.tr("Berita", "News"))
		b := block{}
		for n := 1; n <= s.newsCount; n++ {
			it := s.news(n, c.ref, c.idx)
			b.Links = append(b.Links, link{Href: s.articleURL(it), Text: it.title, Note: formatDate(it.date, s.en)})
		}
		p.Blocks = []block{b}
		return p
	case s.feat["news"] && strings.HasPrefix(path, s.path("news")+"/"):
		rest := strings.TrimPrefix(path, s.path("news")+"/")
		num, _, _ := strings.Cut(rest, "-")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > s.newsCount {
			return nil
		}
		it := s.news(n, c.ref, c.idx)
		if rest != strconv.Itoa(n)+"-"+slug(it.title) {
			return nil
		}
		p := s.base(c, it.title)
		p.Blocks = []block{{Paras: []string{
			formatDate(it.date, s.en) + s.tr(" - Diskominfo "+s.regionName(), " - Communications team"),
			s.tr("Kegiatan ini dihadiri oleh unsur Forkopimda, tokoh masyarakat dan warga setempat.",
				"Residents, councillors and local groups came together for the occasion."),
			s.tr(sp.head+" menyampaikan terima kasih atas partisipasi seluruh pihak.",
				"The "+sp.head+" thanked everyone who took part."),
		}}}
		return p
	case has("contact", "contact"):
		p := s.base(c, s.tr("Kontak", "Contact us"))
		p.Blocks = []block{{Heading: s.tr("Alamat Kantor", "Our address"), Paras: []string{s.address(),
			s.tr("Telepon: ", "Telephone: ") + s.phone(), s.tr("Surel: ", "Email: ") + s.email("info"),
			s.tr("Jam layanan: Senin-Jumat 08.00-16.00 WITA", "Opening hours: Monday to Friday, 9am to 5pm")}}}
		if s.feat["email_officials"] {
			p.Blocks = append(p.Blocks, block{Heading: s.tr("Surel Pejabat", "Email a department"), Links: []link{
				{Href: "mailto:" + s.email("sekda"), Text: s.tr("Sekretaris Daerah", "Chief Executive's office")},
				{Href: "mailto:" + s.email("humas"), Text: s.tr("Bagian Humas dan Protokol", "Press office")},
				{Href: "mailto:" + s.email("diskominfo"), Text: s.tr("Dinas Komunikasi dan Informatika", "Digital services team")},
			}})
		}
		if s.feat["feedback_form"] {
			p.Blocks = append(p.Blocks, block{Heading: s.tr("Kirim Pesan", "Send us a message"), Form: &form{
				Action: s.u(s.path("contact")), Method: "post", Class: "contact-form", Submit: s.tr("Kirim", "Send"),
				Fields: []field{{Label: s.tr("Nama", "Name"), Name: "nama", Type: "text", Required: true},
					{Label: s.tr("Surel", "Email"), Name: "email", Type: "email", Required: true},
					{Label: s.tr("Pesan", "Your message"), Name: "pesan", Type: "textarea", Required: true}}}})
		}
		return p
	case has("regulations", "regulations"):
		p := s.base(c, s.tr("Produk Hukum Daerah", "Byelaws and policies"))
		p.Blocks = []block{s.docBlock("regulations")}
		return p
	case has("budget", "budget"):
		p := s.base(c, s.tr("Transparansi Pengelolaan Anggaran Daerah", "Budget and spending"))
		p.Blocks = []block{{Rows: [][]string{
			{s.tr("Uraian", "Item"), s.tr("Anggaran 2026 (Rp)", "Budget 2026 ("+s.currency()+")")},
			{s.tr("Pendapatan Daerah", "Income"), "1.284.500.000.000"},
			{s.tr("Belanja Daerah", "Spending"), "1.301.750.000.000"},
			{s.tr("Pembiayaan Netto", "Net financing"), "17.250.000.000"},
		}}}
		if !s.synthetic {
			p.Blocks = append(p.Blocks, s.docBlock("budget"))
		}
		return p
	case has("public_info", "public_info"):
		p := s.base(c, s.tr("Pejabat Pengelola Informasi dan Dokumentasi (PPID)", "Freedom of information"))
		p.Blocks = s.ppidBlocks()
		return p
	case has("service_info", "services"):
		p := s.base(c, s.tr("Standar Pelayanan Publik", "Council services"))
		p.Blocks = []block{{Heading: s.tr("Surat Keterangan Usaha", "Street trading licence"), Items: []string{
			s.tr("Persyaratan: fotokopi KTP-el, fotokopi KK, surat pengantar RT/RW", "Requirements: proof of identity and address"),
			s.tr("Prosedur: ajukan di kantor kelurahan, verifikasi, penandatanganan", "Procedure: we review the application within 10 working days"),
			s.tr("Waktu penyelesaian: 3 hari kerja", "Fee: "+s.currency()+"45 per year"),
			s.tr("Biaya: tidak dipungut biaya", "Appeals: write to the licensing team"),
		}}}
		return p
	case has("procurement", "procurement"):
		p := s.base(c, s.tr("Pengumuman Pengadaan Barang/Jasa", "Tenders and contracts"))
		p.Blocks = []block{{Rows: [][]string{
			{s.tr("Paket", "Contract"), s.tr("Pagu (Rp)", "Value ("+s.currency()+")"), s.tr("Tahap", "Status")},
			{s.tr("Rehabilitasi Gedung Pasar Sentral", "Parks maintenance 2026-2029"), "4.750.000.000", s.tr("Pengumuman", "Open")},
			{s.tr("Pengadaan Ambulans Puskesmas", "Street lighting upgrade"), "1.200.000.000", s.tr("Evaluasi", "Evaluation")},
		}}}
		return p
	case s.feat["search"] && path == s.path("search"):
		return s.searchPage(c, q.Get("q"))
	case has("complaint", "complaint"):
		return s.complaintPage(c)
	case has("forms_download", "forms") && !s.synthetic:
		p := s.base(c, s.tr("Unduh Formulir", "Download a form"))
		p.Blocks = []block{s.docBlock("forms")}
		return p
	case has("survey", "survey"):
		return s.surveyPage(c)
	case has("subscribe", "subscribe"):
		p := s.base(c, s.tr("Berlangganan Berita", "Sign up for email updates"))
		p.Blocks = []block{{Paras: []string{s.tr("Dapatkan berita terbaru melalui surel atau RSS.", "Get news by email or RSS.")},
			Links: []link{{Href: s.u("/rss.xml"), Text: "RSS"}},
			Form: &form{Action: s.u(s.path("subscribe")), Method: "post", Submit: s.tr("Berlangganan", "Subscribe"),
				Fields: []field{{Label: s.tr("Alamat surel", "Email address"), Name: "email", Type: "email", Required: true}}}}}
		return p
	case has("agency_portal", "agencies"):
		p := s.base(c, s.tr("Perangkat Daerah", "Departments"))
		p.Blocks = []block{s.agencyBlock()}
		return p
	case has("open_data", "data"):
		p := s.base(c, s.tr("Data Terbuka", "Open data"))
		b := block{Paras: []string{s.tr("Dataset daerah tersedia dalam format CSV dan JSON di Portal Satu Data Indonesia.",
			"Our datasets are published in CSV and JSON.")},
			Links: []link{{Href: "https://" + natData + "/organization/" + sp.id, Text: "Satu Data Indonesia"}}}
		for _, d := range datasets() {
			b.Items = append(b.Items, d.title+" (CSV)")
		}
		p.Blocks = []block{b}
		return p
	case has("account", "register"):
		return s.registerPage(c)
	case has("account", "signin"):
		return s.signinPage(c)
	case has("apply_online", "apply"):
		return s.applyPage(c)
	case has("tracking", "track"):
		return s.trackPage(c, q.Get("nomor"))
	case has("payment", "pay"):
		return s.payPage(c)
	case has("booking", "book"):
		return s.bookPage(c)
	case has("esignature", "verify"):
		return s.verifyPage(c)
	case has("privacy", "privacy"):
		p := s.base(c, s.tr("Kebijakan Privasi", "Privacy notice"))
		p.Blocks = []block{{Paras: []string{s.tr("Data pribadi yang Anda sampaikan hanya digunakan untuk keperluan layanan.",
			"We only use your personal data to provide the service you asked for.")}}}
		return p
	case has("accessibility", "a11y"):
		p := s.base(c, s.tr("Aksesibilitas", "Accessibility statement"))
		p.Blocks = []block{{Paras: []string{s.tr("Situs ini mendukung pengaturan ukuran huruf dan mode kontras tinggi.",
			"This website aims to meet WCAG 2.2 AA. You can change text size and contrast.")},
			Items: []string{s.tr("Perbesar huruf (A+)", "Larger text (A+)"), s.tr("Kontras tinggi", "High contrast")}}}
		return p
	}
	return nil
}

// isSubFeature reports whether a modern site serves the feature on a subdomain.
func isSubFeature(f string) bool {
	switch f {
	case "public_info", "regulations", "procurement", "complaint", "open_data", "sso",
		"account", "apply_online", "tracking", "payment", "booking", "esignature":
		return true
	}
	return false
}

func (s *site) docBlock(kind string) block {
	b := block{Heading: s.tr("Dokumen", "Documents")}
	base := s.u
	if s.modern && kind == "regulations" {
		base = func(p string) string { return s.sub(kindJDIH, p) }
	}
	if s.modern && kind == "ppid" {
		base = func(p string) string { return s.sub(kindPPID, p) }
	}
	for _, d := range s.documents(kind) {
		if s.synthetic {
			b.Items = append(b.Items, d.title)
			continue
		}
		b.Links = append(b.Links, link{Href: base("/files/" + d.file), Text: d.title, Note: "(PDF)"})
	}
	return b
}

func (s *site) ppidBlocks() []block {
	return []block{
		{Paras: []string{s.tr(
			"PPID menyediakan informasi publik sesuai Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik. Permohonan informasi dapat diajukan langsung di Meja Layanan PPID.",
			"You can ask for information the council holds under the Freedom of Information Act 2000 by writing to us.")},
			Items: []string{s.tr("Informasi Berkala", "Publication scheme"), s.tr("Informasi Serta Merta", "Disclosure log"), s.tr("Informasi Setiap Saat", "Transparency data")}},
		s.docBlock("ppid"),
	}
}

func (s *site) searchPage(c pageCtx, q string) *pageData {
	// Echo at most 200 valid runes of what the visitor typed.
	q = strings.ToValidUTF8(q, "\uFFFD")
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	p := s.base(c, s.tr("Hasil Pencarian", "Search results"))
	b := block{Paras: []string{s.tr("Kata kunci: ", "You searched for: ") + q}}
	needle := strings.ToLower(strings.TrimSpace(q))
	for n := 1; n <= s.newsCount && needle != ""; n++ {
		it := s.news(n, c.ref, c.idx)
		if strings.Contains(strings.ToLower(it.title), needle) {
			b.Links = append(b.Links, link{Href: s.articleURL(it), Text: it.title, Note: formatDate(it.date, s.en)})
		}
	}
	if len(b.Links) == 0 {
		b.Paras = append(b.Paras, s.tr("Tidak ada hasil.", "No results."))
	}
	p.Blocks = []block{b}
	return p
}

func (s *site) complaintPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Layanan Pengaduan dan Aspirasi Masyarakat", "Make a complaint"))
	b := block{Paras: []string{s.tr(
		"Sampaikan pengaduan, aspirasi dan laporan Anda. Setiap pengaduan ditindaklanjuti paling lambat 5 hari kerja.",
		"Tell us what went wrong and we will respond within 10 working days.")}}
	if s.feat["feedback_form"] {
		b.Form = &form{Action: s.featureURL("complaint"), Method: "post", Class: "complaint-form", Submit: s.tr("Kirim Pengaduan", "Submit complaint"),
			Fields: []field{
				{Label: s.tr("Nama Lengkap", "Full name"), Name: "nama", Type: "text", Required: true},
				{Label: s.tr("Nomor HP", "Phone number"), Name: "telepon", Type: "tel"},
				{Label: s.tr("Kategori", "Topic"), Name: "kategori", Type: "select", Options: []string{
					s.tr("Infrastruktur", "Roads"), s.tr("Kesehatan", "Bins and recycling"), s.tr("Pendidikan", "Housing"), s.tr("Lainnya", "Other")}},
				{Label: s.tr("Isi Pengaduan / Aspirasi", "Your complaint"), Name: "isi", Type: "textarea", Required: true},
			}}
	} else {
		b.Items = []string{s.tr("Datang langsung ke Bagian Umum kantor "+s.regionName(), "Visit the Civic Centre reception"),
			s.tr("Telepon pengaduan: ", "Telephone: ") + s.phone()}
	}
	p.Blocks = []block{b}
	return p
}

func (s *site) surveyPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Survei Kepuasan Masyarakat (SKM)", "Residents' survey"))
	scale := []string{s.tr("Tidak puas", "Poor"), s.tr("Kurang puas", "Fair"), s.tr("Puas", "Good"), s.tr("Sangat puas", "Excellent")}
	p.Blocks = []block{{Paras: []string{s.tr("Bantu kami meningkatkan kualitas pelayanan publik.", "Help us improve our services.")},
		Form: &form{Action: s.u(s.path("survey")), Method: "post", Class: "survey", Submit: s.tr("Kirim Penilaian", "Submit"),
			Fields: []field{
				{Label: s.tr("Kemudahan prosedur", "Ease of use"), Name: "u1", Type: "radio", Options: scale},
				{Label: s.tr("Kecepatan pelayanan", "Speed"), Name: "u2", Type: "radio", Options: scale},
				{Label: s.tr("Keramahan petugas", "Staff"), Name: "u3", Type: "radio", Options: scale},
			}}}}
	return p
}

func (s *site) registerPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Daftar Akun Layanan", "Register for an account"))
	p.Blocks = []block{{Paras: []string{s.tr("Buat akun untuk mengajukan dan memantau layanan secara online.", "Create an account to apply, pay and track requests online.")},
		Form: &form{Action: s.featureURL("account"), Method: "post", Class: "register", Submit: s.tr("Daftar", "Create account"),
			Fields: []field{
				{Label: "NIK", Name: "nik", Type: "text", Required: true},
				{Label: s.tr("Nama Lengkap", "Full name"), Name: "nama", Type: "text", Required: true},
				{Label: s.tr("Surel", "Email"), Name: "email", Type: "email", Required: true},
				{Label: s.tr("Kata Sandi", "Password"), Name: "password", Type: "password", Required: true},
			}}}}
	return p
}

func (s *site) signinPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Masuk Akun Layanan", "Sign in to your account"))
	b := block{Form: &form{Action: s.signinURL(), Method: "post", Class: "login", Submit: s.tr("Masuk", "Sign in"),
		Fields: []field{
			{Label: s.tr("Surel atau NIK", "Email"), Name: "username", Type: "text", Required: true},
			{Label: s.tr("Kata Sandi", "Password"), Name: "password", Type: "password", Required: true},
		}},
		Links: []link{{Href: s.featureURL("account"), Text: s.tr("Belum punya akun? Daftar", "Create an account")}}}
	if s.feat["sso"] {
		b.Links = append(b.Links, link{Href: s.featureURL("sso"), Text: s.tr("Masuk dengan SSO", "Sign in with your government ID")})
	}
	p.Blocks = []block{b}
	return p
}

func (s *site) applyPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Permohonan Izin Online", "Apply for a permit online"))
	p.Blocks = []block{{Paras: []string{s.tr("Lengkapi formulir dan unggah berkas persyaratan dalam format PDF.", "Fill in the form and upload your documents as PDF.")},
		Form: &form{Action: s.featureURL("apply_online"), Method: "post", Enctype: "multipart/form-data", Class: "application", Submit: s.tr("Ajukan Permohonan", "Submit application"),
			Fields: []field{
				{Label: s.tr("Jenis Izin", "Permit"), Name: "jenis", Type: "select", Options: []string{
					s.tr("Persetujuan Bangunan Gedung (PBG)", "Parking permit"), s.tr("Izin Reklame", "Street trading licence"), s.tr("Surat Izin Praktik", "Skip permit")}},
				{Label: "NIK", Name: "nik", Type: "text", Required: true},
				{Label: s.tr("Unggah Berkas Persyaratan", "Upload documents"), Name: "berkas", Type: "file", Required: true},
			}}}}
	return p
}

func (s *site) trackPage(c pageCtx, nomor string) *pageData {
	p := s.base(c, s.tr("Lacak Status Permohonan", "Track your application"))
	b := block{Form: &form{Action: s.featureURL("tracking"), Method: "get", Class: "tracking", Submit: s.tr("Cek Status", "Check status"),
		Fields: []field{{Label: s.tr("Nomor Registrasi", "Reference number"), Name: "nomor", Type: "text", Required: true}}}}
	if nomor != "" {
		b.Paras = []string{s.tr("Nomor registrasi ", "Reference ") + nomor + ": " + s.tr("sedang diverifikasi", "being processed")}
	}
	p.Blocks = []block{b}
	return p
}

func (s *site) payPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Pembayaran Pajak Daerah dan Retribusi Online", "Pay council tax or a parking fine"))
	if s.en {
		p.Blocks = []block{{Paras: []string{"Pay securely online by debit or credit card."},
			Form: &form{Action: s.featureURL("payment"), Method: "post", Class: "payment", Submit: "Continue to payment",
				Fields: []field{{Label: "Account or penalty notice number", Name: "ref", Type: "text", Required: true},
					{Label: "Amount (" + s.currency() + ")", Name: "amount", Type: "number", Required: true}}}}}
		return p
	}
	p.Blocks = []block{{Paras: []string{"Bayar PBB-P2, pajak restoran, pajak hotel dan e-retribusi secara online. Pembayaran melalui Virtual Account bank mitra atau QRIS."},
		Form: &form{Action: s.featureURL("payment"), Method: "post", Class: "payment", Submit: "Buat Kode Bayar",
			Fields: []field{
				{Label: "Jenis Pajak/Retribusi", Name: "jenis", Type: "select", Options: []string{"PBB-P2", "Pajak Restoran", "Retribusi Pasar"}},
				{Label: "Nomor Objek Pajak (NOP)", Name: "nop", Type: "text", Required: true},
				{Label: "Metode Pembayaran", Name: "metode", Type: "radio", Options: []string{"Virtual Account", "QRIS"}},
			}}}}
	return p
}

func (s *site) bookPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Antrean Online", "Book an appointment"))
	p.Blocks = []block{{Paras: []string{s.tr("Ambil nomor antrean Mal Pelayanan Publik tanpa harus datang lebih awal.", "Book a time slot at the Civic Centre.")},
		Form: &form{Action: s.featureURL("booking"), Method: "post", Class: "booking", Submit: s.tr("Ambil Nomor Antrean", "Book"),
			Fields: []field{
				{Label: s.tr("Layanan", "Service"), Name: "layanan", Type: "select", Options: []string{s.tr("Perekaman KTP-el", "Bulky waste collection"), s.tr("Perizinan", "Register office")}},
				{Label: s.tr("Tanggal Kunjungan", "Date"), Name: "tanggal", Type: "date", Required: true},
			}}}}
	return p
}

func (s *site) verifyPage(c pageCtx) *pageData {
	p := s.base(c, s.tr("Verifikasi Dokumen Bertanda Tangan Elektronik (TTE)", "Verify a council document"))
	p.Blocks = []block{{Paras: []string{s.tr("Periksa keaslian dokumen yang ditandatangani secara elektronik dengan memasukkan kode verifikasi.", "Check that a document with an electronic signature is genuine.")},
		Form: &form{Action: s.featureURL("esignature"), Method: "get", Class: "verify", Submit: s.tr("Verifikasi", "Verify"),
			Fields: []field{{Label: s.tr("Kode Verifikasi Dokumen", "Document code"), Name: "kode", Type: "text", Required: true}}}}}
	return p
}

// subPage builds a page on a service or agency subdomain; nil means 404.
func (s *site) subPage(c pageCtx, kind, host, path string, q url.Values) *pageData {
	if s.dead[kindFeature(kind, path)] || s.deadHost(kind) {
		return nil
	}
	switch kind {
	case kindPPID:
		if path == "/" && s.feat["public_info"] {
			p := s.base(c, "PPID "+s.regionName())
			p.Blocks = s.ppidBlocks()
			return p
		}
	case kindJDIH:
		if path == "/" && s.feat["regulations"] {
			p := s.base(c, "JDIH "+s.regionName())
			p.Blocks = []block{{Paras: []string{"Jaringan Dokumentasi dan Informasi Hukum: peraturan daerah, peraturan kepala daerah dan keputusan."}}, s.docBlock("regulations")}
			return p
		}
	case kindLPSE:
		if path == "/" && s.feat["procurement"] {
			p := s.base(c, "LPSE "+s.regionName())
			p.Blocks = []block{{Paras: []string{"Layanan Pengadaan Secara Elektronik (SPSE versi 4.5)."}, Rows: [][]string{
				{"Nama Paket", "HPS (Rp)", "Tahap"},
				{"Pembangunan Drainase Kawasan Pasar", "2.350.000.000", "Pengumuman Pascakualifikasi"},
				{"Belanja Modal Peralatan Laboratorium", "875.000.000", "Evaluasi Penawaran"},
			}}}
			return p
		}
	case kindLapor:
		if path == "/" && s.feat["complaint"] {
			return s.complaintPage(c)
		}
	case kindData:
		if path == "/" && s.feat["open_data"] {
			p := s.base(c, "Portal Satu Data "+s.regionName())
			b := block{Paras: []string{"Dataset terbuka dalam format CSV dan JSON. API tersedia di /api/3/action/package_list (kompatibel CKAN)."}}
			for _, d := range datasets() {
				b.Links = append(b.Links, link{Href: s.sub(kindData, "/dataset/"+d.file+".csv"), Text: d.title, Note: "CSV"})
			}
			b.Links = append(b.Links, link{Href: s.sub(kindData, "/api/3/action/package_list"), Text: "API Dataset (JSON)"})
			p.Blocks = []block{b}
			return p
		}
	case kindSSO:
		if path == "/login" && s.feat["sso"] {
			// The site's SSO hands sign-in to the national identity
			// provider; the password form lives there, outside the site, so
			// nothing here looks like a local citizen account.
			p := s.base(c, "Single Sign-On "+s.regionName())
			p.Blocks = []block{{Paras: []string{"Satu akun untuk seluruh layanan digital pemerintah daerah. Gunakan Identitas Kependudukan Digital (IKD) Anda."},
				Links: []link{{Href: "https://" + natSSO + "/login?client_id=" + s.spec.id, Text: "Lanjutkan ke SSO Identitas Digital Nasional"}}}}
			return p
		}
	case kindSicantik:
		switch {
		case path == "/" && (s.feat["account"] || s.feat["apply_online"] || s.feat["tracking"]):
			p := s.base(c, "SiCantik - Perizinan Online "+s.regionName())
			b := block{}
			for _, f := range []string{"account", "apply_online", "tracking"} {
				if s.feat[f] {
					b.Links = append(b.Links, link{Href: s.featureURL(f), Text: map[string]string{"account": "Daftar Akun", "apply_online": "Ajukan Permohonan", "tracking": "Lacak Permohonan"}[f]})
				}
			}
			p.Blocks = []block{b}
			return p
		case path == "/daftar" && s.feat["account"]:
			return s.registerPage(c)
		case path == "/masuk" && s.feat["account"]:
			return s.signinPage(c)
		case path == "/permohonan" && s.feat["apply_online"]:
			return s.applyPage(c)
		case path == "/lacak" && s.feat["tracking"]:
			return s.trackPage(c, q.Get("nomor"))
		}
	case kindPajak:
		if path == "/" && s.feat["payment"] {
			return s.payPage(c)
		}
	case kindAntrean:
		if path == "/" && s.feat["booking"] {
			return s.bookPage(c)
		}
	case kindTTE:
		if path == "/verifikasi" && s.feat["esignature"] {
			return s.verifyPage(c)
		}
	case kindAgency:
		a, ok := s.agencies[host]
		if path == "/" && ok {
			p := s.base(c, a.name+" "+s.regionName())
			p.Blocks = []block{{Paras: []string{a.name + " merupakan unsur pelaksana urusan pemerintahan daerah.",
				"Alamat: Kompleks Perkantoran " + s.regionName() + "."}}}
			return p
		}
	}
	return nil
}

// kindFeature is the service a subdomain path offers, for dead-link checks.
func kindFeature(kind, path string) string {
	switch kind {
	case kindPajak:
		return "payment"
	case kindAntrean:
		return "booking"
	case kindTTE:
		return "esignature"
	case kindSicantik:
		switch path {
		case "/permohonan":
			return "apply_online"
		case "/lacak":
			return "tracking"
		case "/daftar", "/masuk":
			return "account"
		}
	}
	return ""
}

// deadHost reports whether a service subdomain exists only to fail.
func (s *site) deadHost(kind string) bool {
	switch kind {
	case kindSicantik:
		return !s.feat["account"] && !s.feat["apply_online"] && !s.feat["tracking"]
	case kindPajak:
		return !s.feat["payment"]
	case kindAntrean:
		return !s.feat["booking"]
	case kindTTE:
		return !s.feat["esignature"]
	}
	return false
}

// mainPages lists the paths of the HTML pages on the main host that are
// reachable by links, for the sitemap and page budgets.
func (s *site) mainPages() []string {
	paths := []string{"/"}
	for _, pair := range []struct{ f, key string }{
		{"organisation", "profile"}, {"leadership", "leader"}, {"news", "news"}, {"contact", "contact"},
		{"regulations", "regulations"}, {"budget", "budget"}, {"public_info", "public_info"}, {"service_info", "services"},
		{"procurement", "procurement"}, {"complaint", "complaint"}, {"forms_download", "forms"}, {"survey", "survey"},
		{"subscribe", "subscribe"}, {"agency_portal", "agencies"}, {"open_data", "data"}, {"account", "register"},
		{"account", "signin"}, {"apply_online", "apply"}, {"tracking", "track"}, {"payment", "pay"}, {"booking", "book"},
		{"esignature", "verify"}, {"privacy", "privacy"}, {"accessibility", "a11y"},
	} {
		if !s.feat[pair.f] || (s.modern && isSubFeature(pair.f)) {
			continue
		}
		if pair.f == "forms_download" && s.synthetic {
			continue
		}
		if pair.f == "complaint" && s.spec.js == jsModal {
			continue // its form opens in a modal on the homepage; no link leads to the page
		}
		paths = append(paths, s.path(pair.key))
	}
	return paths
}
