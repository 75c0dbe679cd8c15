package fleet

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/egovbench/egovbench"
)

// Sites of the error classes of issue 10: each is an ordinary Indonesian
// kecamatan, desa or dinas site that shows one way of reading evidence
// wrongly, and its true stage is what a careful reader gives it under the
// rubric of shared/corpus/README.md. They join the default fleet after the
// hand-made sites (and the hostile one), keep everything on their main host
// and add their class's content to the standard layout in classPage.
//
//  1. kec-mekarsari: its only integration evidence is SP4N-LAPOR! at the
//     apex lapor.go.id, which Resolve leaves unmapped, so the crawler's
//     check of it fails with a DNS error. A lookup that fails is our
//     network's failure, not an answer of the service: integration.
//  2. kec-bandarutara: dated news headlines about paying PBB and CPNS
//     registration, linking to /berita/ articles: news, not payment or
//     application; interaction by its complaint form.
//  3. dispusip-bukitharapan: a "Login" link to /admin/login, a staff login
//     (title "Login Administrator", e-mail and password): not account.
//  4. disparbud-tanahpermai: group visits are booked by writing to
//     booking@… and audiences by appointments@…: e-mail, not booking.
//  5. desa-sukamaju: links to the provincial and the kabupaten portals, go.id
//     hosts of other registrable domains, and to no listed national system:
//     integration. Both portals are fleet sites that answer.
//  6. diskominfo-sawahluhur: its PPID page embeds a Google Form under
//     "Formulir Permohonan Informasi Publik": apply_online, transaction.
//     docs.google.com is mapped to the fleet, which serves the form, since
//     Google Forms does answer anonymous visitors with the form.
//  7. dpmptsp-kepulauanselaras: the online application sits behind a
//     Bootstrap button with onclick="location.href='…/permohonan-online'"
//     and no <a href>; the page it opens takes applications: transaction.
func classSpecs() []siteSpec {
	const ns, tm = "Nusa Sejahtera", "Tanjung Mutiara"
	const base = "contact leadership organisation news service_info"
	return []siteSpec{
		{class: 1, id: "kec-mekarsari", name: "Kecamatan Mekar Sari", domain: "kecmekarsari.majumakmurkab.go.id",
			level: "kecamatan", region: ns, parent: "kab-majumakmur", head: "Camat", headName: "Drs. Ahmad Fauzi, M.Si.",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSHSTS,
			features: base + " social viewport lang", classFeatures: "complaint national_link"},
		{class: 2, id: "kec-bandarutara", name: "Kecamatan Bandar Utara", domain: "kecbandarutara.bandarsurikota.go.id",
			level: "kecamatan", region: tm, parent: "kota-bandarsuri", head: "Camat", headName: "Muhammad Yunus Siregar, S.STP., M.Si.",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHSTS,
			features: base + " complaint feedback_form email_officials social viewport lang"},
		{class: 3, id: "dispusip-bukitharapan", name: "Dinas Perpustakaan dan Kearsipan Kabupaten Bukit Harapan",
			domain: "dispusip.bukitharapankab.go.id", level: "agency", region: ns, parent: "kab-bukitharapan",
			head: "Kepala Dinas", headName: "Dra. Maria Yasinta Nahak, M.Pd.",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSNoHSTS, robots: robotsMissing,
			features: base + " search email_officials social viewport lang"},
		{class: 4, id: "disparbud-tanahpermai", name: "Dinas Pariwisata dan Kebudayaan Kota Tanah Permai",
			domain: "disparbud.tanahpermaikota.go.id", level: "agency", region: ns, parent: "kota-tanahpermai",
			head: "Kepala Dinas", headName: "Yohana Christina Pattiasina, S.E., M.M.",
			stage: egovbench.StageInteraction, beh: BehaviourOK, tls: TLSHSTS,
			features: base + " social viewport lang", classFeatures: "email_officials"},
		{class: 5, id: "desa-sukamaju", name: "Pemerintah Desa Sukamaju", domain: "sukamaju.desa.id",
			level: "desa", region: tm, parent: "kab-hulumandiri", head: "Kepala Desa", headName: "Asep Saepudin",
			stage: egovbench.StageIntegration, beh: BehaviourOK, tls: TLSNoHSTS,
			features: base + " social viewport lang", classFeatures: "national_link"},
		{class: 6, id: "diskominfo-sawahluhur", name: "Dinas Komunikasi dan Informatika Kabupaten Sawah Luhur",
			domain: "diskominfo.sawahluhurkab.go.id", level: "agency", region: tm, parent: "kab-sawahluhur",
			head: "Kepala Dinas", headName: "Rahmat Hidayat, S.Kom., M.T.",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS,
			features: base + " public_info social viewport lang", classFeatures: "apply_online"},
		{class: 7, id: "dpmptsp-kepulauanselaras", name: "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kabupaten Kepulauan Selaras",
			domain: "dpmptsp.kepulauanselaraskab.go.id", level: "agency", region: tm, parent: "kab-kepulauanselaras",
			head: "Kepala Dinas", headName: "Ir. La Ode Muhammad Syarif, M.Si.",
			stage: egovbench.StageTransaction, beh: BehaviourOK, tls: TLSHSTS,
			features: base + " chat social viewport lang", classFeatures: "apply_online"},
	}
}

// HandMadeSites is the number of rows of the hand-made fleet, without the
// hostile site and the class sites: Options{Sites: HandMadeSites()} starts
// a default fleet in which every name a page links to is in Resolve.
func HandMadeSites() int { return len(defaultSpecs()) }

// gformsHost serves the Google Forms that class sites embed.
const gformsHost = "docs.google.com"

// The PPID request form of diskominfo-sawahluhur, as Google Forms names it.
const ppidFormID = "1FAIpQLSc7vR2kTq9XmB4yLw8NfJ3hZ6pD0sGuE5aK1tYoC2iWb9xQ"

// applyOnlinePath is where the class 7 button leads.
const applyOnlinePath = "/permohonan-online"

// classUnit is what a class site says about its own office, where the
// standard layout speaks of a whole kota or kabupaten.
type classUnit struct {
	title   string   // the head's title with the office, e.g. "Camat Mekar Sari"
	units   []string // the organisation structure
	service string   // the service its service standard describes
	steps   []string // requirements, procedure, time and fee of it
}

func (s *site) classUnit() classUnit {
	switch s.spec.level {
	case "kecamatan":
		return classUnit{title: "Camat " + strings.TrimPrefix(s.spec.name, "Kecamatan "),
			units: []string{"Camat", "Sekretaris Kecamatan", "Kepala Seksi Pemerintahan", "Kepala Seksi Pelayanan Umum", "Kepala Seksi Kesejahteraan Sosial", "Kepala Seksi Ketenteraman dan Ketertiban Umum"}}
	case "desa":
		return classUnit{title: "Kepala " + strings.TrimPrefix(s.spec.name, "Pemerintah "),
			units:   []string{"Kepala Desa", "Sekretaris Desa", "Kepala Urusan Keuangan", "Kepala Urusan Umum dan Perencanaan", "Kepala Seksi Pemerintahan", "Kepala Seksi Kesejahteraan", "Kepala Dusun I - IV"},
			service: "Surat Keterangan Domisili", steps: []string{
				"Persyaratan: fotokopi KTP-el, fotokopi KK, surat pengantar RT/RW",
				"Prosedur: datang ke kantor desa, verifikasi oleh Kepala Seksi Pemerintahan, penandatanganan Kepala Desa",
				"Waktu penyelesaian: 1 hari kerja", "Biaya: tidak dipungut biaya"}}
	}
	u := classUnit{title: s.spec.head + " " + strings.TrimPrefix(s.spec.name, "Dinas "),
		units: []string{"Kepala Dinas", "Sekretaris", "Kepala Subbagian Umum dan Kepegawaian", "Kepala Subbagian Keuangan dan Program", "Kepala Bidang", "Kelompok Jabatan Fungsional"}}
	switch s.spec.class {
	case 3:
		u.service, u.steps = "Layanan Peminjaman Buku", []string{
			"Persyaratan: kartu anggota perpustakaan yang masih berlaku",
			"Prosedur: pilih buku di ruang koleksi, serahkan kepada petugas sirkulasi, buku dicatat dan dapat dibawa pulang",
			"Waktu penyelesaian: 10 menit; lama peminjaman 14 hari", "Biaya: tidak dipungut biaya"}
	case 4:
		u.service, u.steps = "Kunjungan Rombongan ke Museum Kota", []string{
			"Persyaratan: rombongan sekolah, komunitas atau instansi paling sedikit 10 orang",
			"Prosedur: kirim surel berisi nama rombongan, jumlah peserta dan tanggal kunjungan; petugas mengonfirmasi jadwal melalui surel",
			"Waktu penyelesaian: konfirmasi paling lambat 2 hari kerja", "Biaya: tiket masuk Rp5.000 per orang, dibayar di loket museum"}
	case 6:
		u.service, u.steps = "Permohonan Informasi Publik", []string{
			"Persyaratan: identitas pemohon (KTP-el) atau akta pendirian bagi badan hukum",
			"Prosedur: isi formulir permohonan informasi pada halaman PPID atau datang ke Meja Layanan PPID, petugas mencatat dan menjawab permohonan",
			"Waktu penyelesaian: paling lambat 10 hari kerja, dapat diperpanjang 7 hari kerja", "Biaya: tidak dipungut biaya"}
	case 7:
		u.service, u.steps = "Persetujuan Bangunan Gedung (PBG)", []string{
			"Persyaratan: KTP-el pemohon, bukti kepemilikan tanah, gambar rencana teknis bangunan",
			"Prosedur: ajukan permohonan melalui tombol Permohonan Online di beranda, verifikasi berkas, penilaian teknis, penerbitan PBG",
			"Waktu penyelesaian: 28 hari kerja", "Biaya: retribusi sesuai Peraturan Daerah tentang Pajak Daerah dan Retribusi Daerah"}
	}
	return u
}

// mainPage builds the page at path on the main host; nil means 404.
func (s *site) mainPage(c pageCtx, path string, q url.Values) *pageData {
	p := s.standardPage(c, path, q)
	if s.spec.class != 0 {
		p = s.classPage(c, path, p)
	}
	return p
}

// classPage adds a class site's own content to the standard page p (nil
// when the standard layout has no page at path) and returns the page to
// serve.
func (s *site) classPage(c pageCtx, path string, p *pageData) *pageData {
	sp := s.spec
	u := s.classUnit()
	switch {
	case sp.class == 3 && path == "/admin/login":
		return s.adminLoginPage()
	case sp.class == 7 && path == applyOnlinePath:
		p = s.base(c, "Permohonan Izin Online")
		p.Blocks = []block{{Paras: []string{"Lengkapi formulir dan unggah berkas persyaratan dalam format PDF. Tanda terima dikirim ke alamat surel Anda."},
			Form: &form{Action: s.u(applyOnlinePath), Method: "post", Enctype: "multipart/form-data", Class: "application", Submit: "Kirim Permohonan",
				Fields: []field{
					{Label: "Jenis Izin", Name: "jenis", Type: "select", Options: []string{"Persetujuan Bangunan Gedung (PBG)", "Izin Reklame", "Surat Izin Usaha Perdagangan"}},
					{Label: "NIK Pemohon", Name: "nik", Type: "text", Required: true},
					{Label: "Surel", Name: "email", Type: "email", Required: true},
					{Label: "Unggah Berkas Persyaratan", Name: "berkas", Type: "file", Required: true},
				}}}}
	}
	if p == nil {
		return nil
	}
	if sp.class == 3 {
		// The CMS's staff login, in the header of every page, as many
		// small agency sites carry it.
		p.Nav = append(p.Nav, link{Href: s.u("/admin/login"), Text: "Login"})
	}
	switch {
	case path == "/":
		for i := range p.Blocks {
			if strings.HasPrefix(p.Blocks[i].Heading, "Sambutan ") {
				p.Blocks[i].Paras = []string{sp.headName + ", " + u.title + ", mengucapkan selamat datang di laman resmi " + s.regionName() + "."}
			}
		}
		if b, ok := s.classHomeBlock(); ok {
			p.Blocks = append(p.Blocks, b)
		}
	case s.feat["organisation"] && path == s.path("profile"):
		p.Blocks = []block{
			{Heading: "Tugas dan Fungsi", Paras: []string{s.regionName() + " melaksanakan urusan pemerintahan dan pelayanan kepada masyarakat sesuai peraturan perundang-undangan."}},
			{Heading: "Struktur Organisasi", Items: u.units},
		}
	case s.feat["leadership"] && path == s.path("leader"):
		p.Blocks = []block{{Heading: sp.headName, Paras: []string{sp.headName + " menjabat sebagai " + u.title + " sejak Maret 2024."}}}
	case s.feat["service_info"] && path == s.path("services") && u.service != "":
		p.Blocks = []block{{Heading: u.service, Items: u.steps}}
	case s.feat["news"] && strings.HasPrefix(path, s.path("news")+"/") && len(p.Blocks) > 0 && len(p.Blocks[0].Paras) > 0:
		// Articles are signed by the office's own admin, and class 2's
		// open with the news their headline gives.
		paras := p.Blocks[0].Paras
		date, _, _ := strings.Cut(paras[0], " - ")
		paras[0] = date + " - Admin " + s.regionName()
		if lead := classArticleLead(sp.class, p.Heading); lead != "" {
			p.Blocks[0].Paras = append([]string{paras[0], lead}, paras[1:]...)
		}
	case sp.class == 4 && s.feat["contact"] && path == s.path("contact"):
		// Addresses as their own link text, as mail links usually are.
		p.Blocks = append(p.Blocks, block{Heading: "Surel Layanan", Paras: []string{
			"Kunjungan rombongan ke Museum Kota dan jadwal audiensi dengan Kepala Dinas diatur melalui surel berikut."},
			Links: []link{
				{Href: "mailto:" + s.email("booking"), Text: s.email("booking"), Note: "kunjungan Museum Kota"},
				{Href: "mailto:" + s.email("appointments"), Text: s.email("appointments"), Note: "audiensi"},
			}})
	case sp.class == 6 && s.feat["public_info"] && path == s.path("public_info"):
		src := "https://" + gformsHost + "/forms/d/e/" + ppidFormID + "/viewform?embedded=true"
		p.Blocks = append(p.Blocks, block{Heading: "Formulir Permohonan Informasi Publik",
			Paras: []string{"Silakan isi formulir permohonan informasi publik di bawah ini. Jawaban disampaikan paling lambat 10 hari kerja sejak permohonan diterima."},
			// Google's own embed code, untouched: no title attribute.
			Raw: template.HTML(`<iframe src="` + esc(src) + `" width="640" height="1450" frameborder="0" marginheight="0" marginwidth="0">Memuat…</iframe>`)})
	}
	return p
}

// classHomeBlock is the class's own section of the homepage, if any.
func (s *site) classHomeBlock() (block, bool) {
	switch s.spec.class {
	case 1:
		return block{Heading: "Pengaduan Masyarakat", Paras: []string{
			"Sampaikan pengaduan dan aspirasi Anda kepada " + s.regionName() + " melalui SP4N-LAPOR!, sistem pengaduan pelayanan publik nasional yang terhubung dengan seluruh instansi pemerintah."},
			Links: []link{{Href: "https://" + natLaporUnresolved + "/", Text: "SP4N-LAPOR! Layanan Aspirasi dan Pengaduan Online Rakyat"}}}, true
	case 4:
		return block{Heading: "Kunjungan Museum Kota", Paras: []string{
			"Kunjungan rombongan sekolah, komunitas dan wisatawan ke Museum Kota dan Taman Budaya dapat dijadwalkan melalui surel. Sertakan nama rombongan, jumlah peserta dan tanggal kunjungan."},
			Links: []link{{Href: "mailto:" + s.email("booking"), Text: s.email("booking")}}}, true
	case 5:
		return block{Heading: "Tautan Pemerintah", Links: []link{
			{Href: "https://www.tanjungmutiaraprov.go.id/", Text: "Portal Resmi Pemerintah Provinsi Tanjung Mutiara"},
			{Href: "https://www.hulumandirikab.go.id/", Text: "Website Resmi Pemerintah Kabupaten Hulu Mandiri"},
		}}, true
	case 7:
		to := s.u(applyOnlinePath)
		return block{Heading: "Perizinan Online", Paras: []string{
			"Ajukan permohonan izin dari rumah: isi formulir dan unggah berkas persyaratan dalam format PDF."},
			// A Bootstrap button, as template sites make them: the address
			// lives in a script attribute, and no link names it.
			Raw: template.HTML(`<button type="button" class="btn btn-primary btn-lg" onclick="location.href='` + esc(to) + `'">Ajukan Permohonan Online</button>`)}, true
	}
	return block{}, false
}

// classNewsTitles are the headlines of a class site, or nil for the
// standard ones. Class 2's lead with tax payment and registration news.
func classNewsTitles(class int) []string {
	if class != 2 {
		return nil
	}
	return []string{
		"Pembayaran PBB-P2 Tahun 2026 Diperpanjang hingga 31 Maret",
		"Pendaftaran CPNS dan PPPK Tahun 2026 Resmi Dibuka",
		"Warga Antusias Bayar Pajak Kendaraan di Samsat Keliling",
		"Pendaftaran Peserta Didik Baru SD dan SMP Dimulai Pekan Depan",
		"Musrenbang Kecamatan Bahas Prioritas Pembangunan 2027",
		"Posyandu Lansia Digelar Serentak di Tujuh Kelurahan",
	}
}

// classArticleLead is the opening paragraph of a class 2 article.
func classArticleLead(class int, title string) string {
	if class != 2 {
		return ""
	}
	switch {
	case strings.HasPrefix(title, "Pembayaran PBB"):
		return "Pemerintah Kota Bandar Suri memperpanjang batas waktu pembayaran Pajak Bumi dan Bangunan Perdesaan dan Perkotaan (PBB-P2) hingga 31 Maret 2026. Pembayaran dapat dilakukan di bank persepsi dan kantor pos terdekat."
	case strings.HasPrefix(title, "Pendaftaran CPNS"):
		return "Pendaftaran seleksi CPNS dan PPPK dilakukan melalui portal nasional Badan Kepegawaian Negara. Warga dapat bertanya tentang persyaratan di kantor kecamatan pada jam kerja."
	case strings.HasPrefix(title, "Warga Antusias Bayar Pajak"):
		return "Layanan Samsat Keliling hadir di halaman kantor kecamatan setiap Kamis pukul 08.00-12.00."
	case strings.HasPrefix(title, "Pendaftaran Peserta Didik"):
		return "Orang tua diminta menyiapkan akta kelahiran dan kartu keluarga untuk pendaftaran di sekolah tujuan."
	}
	return ""
}

// adminLoginPage is the CMS's staff login: its own bare layout, as admin
// panels have, with e-mail and password as the CMS asks its editors.
func (s *site) adminLoginPage() *pageData {
	return &pageData{Lang: "id", Viewport: true, Title: "Login Administrator | " + s.spec.name, Description: "Panel Administrator",
		SiteName: s.spec.name, HomeURL: s.u("/"), Heading: "Login Administrator",
		Blocks: []block{{Form: &form{Action: s.u("/admin/login"), Method: "post", Class: "form-signin", Submit: "Login",
			Fields: []field{
				{Name: "_token", Type: "hidden", Value: "3f9c1a7e5b2d4c6e8a0b1d3f5e7a9c2b"},
				{Label: "Email", Name: "email", Type: "email", Required: true},
				{Label: "Password", Name: "password", Type: "password", Required: true},
			}}}},
		Footer: footerData{Heading: s.spec.name, Copyright: "© 2026 " + s.spec.name}}
}

// publicForm is a form a form host serves for an embed.
type publicForm struct {
	title, owner, intro string
	fields              []field
}

// publicForms are the forms docs.google.com serves, by form id.
func publicForms() map[string]publicForm {
	return map[string]publicForm{
		ppidFormID: {title: "Formulir Permohonan Informasi Publik", owner: "Dinas Komunikasi dan Informatika Kabupaten Sawah Luhur",
			intro: "PPID Kabupaten Sawah Luhur. Isian bertanda * wajib diisi.",
			fields: []field{
				{Label: "Nama Lengkap *", Name: "entry.1208734519", Type: "text", Required: true},
				{Label: "NIK *", Name: "entry.559142086", Type: "text", Required: true},
				{Label: "Alamat Surel *", Name: "entry.1873220947", Type: "email", Required: true},
				{Label: "Nomor HP/WhatsApp", Name: "entry.90417265", Type: "tel"},
				{Label: "Rincian Informasi yang Dibutuhkan *", Name: "entry.1644318870", Type: "textarea", Required: true},
				{Label: "Tujuan Penggunaan Informasi *", Name: "entry.402917731", Type: "textarea", Required: true},
				{Label: "Cara Memperoleh Informasi", Name: "entry.2071986554", Type: "radio", Options: []string{"Melihat/membaca", "Salinan elektronik (softcopy)", "Salinan cetak (hardcopy)"}},
			}},
	}
}

// servePublicForm answers docs.google.com: the form of a known id (GET
// viewform), the confirmation of a response (POST formResponse), or false
// for anything else.
func servePublicForm(f *Fleet, w http.ResponseWriter, r *http.Request, path string) bool {
	rest, ok := strings.CutPrefix(path, "/forms/d/e/")
	if !ok {
		return false
	}
	id, action, _ := strings.Cut(rest, "/")
	pf, ok := publicForms()[id]
	if !ok {
		return false
	}
	self := "https://" + gformsHost + "/forms/d/e/" + id + "/"
	p := &pageData{Lang: "id", Viewport: true, Title: pf.title, Heading: pf.title, SiteName: "Google Formulir", HomeURL: self + "viewform",
		Footer: footerData{Heading: pf.owner, Copyright: "Konten ini tidak dibuat atau didukung oleh Google. Google Formulir"}}
	switch {
	case action == "viewform" && r.Method != http.MethodPost:
		p.Blocks = []block{{Paras: []string{pf.intro}, Form: &form{Action: self + "formResponse", Method: "post", Class: "freebirdFormviewerViewFormContent", Submit: "Kirim", Fields: pf.fields}}}
	case action == "formResponse" && r.Method == http.MethodPost:
		p.Blocks = []block{{Paras: []string{"Tanggapan Anda telah direkam."}}}
	default:
		return false
	}
	f.writePage(w, http.StatusOK, p)
	return true
}
