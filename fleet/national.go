package fleet

import (
	"net/http"
	"strings"
)

// nationalHosts are the simulated national systems regional sites link to,
// so that checks of those links stay inside the fleet.
func nationalHosts() map[string]string {
	// The apex lapor.go.id (natLaporUnresolved) is missing on purpose:
	// Resolve leaves it unmapped, so a crawl of a link to it fails with a
	// DNS error, as lookups of real national hosts do fail from regional
	// networks. That is a failure of the crawler's network, not an answer
	// of the service.
	return map[string]string{
		natLapor: "lapor", natOSS: "oss", natMPP: "mpp",
		natDukcapil: "dukcapil", natData: "data", natJDIHN: "jdihn", natSSO: "sso",
		// Social and chat hosts sites link to: stubs, so that a crawler
		// checking those links gets an answer without leaving loopback.
		"wa.me": "external", "www.facebook.com": "external", "www.instagram.com": "external",
		"www.youtube.com": "external", "x.com": "external",
		// Google Forms answers anonymous visitors with the form itself, so
		// the fleet serves one for the forms sites embed (classes.go).
		gformsHost: "gforms",
	}
}

// isNationalSystem tells a simulated national system from a stub of a
// social, chat or form host.
func isNationalSystem(sys string) bool { return sys != "external" && sys != "gforms" }

// serveNational answers a national system. They all use HTTPS with HSTS.
func (f *Fleet) serveNational(w http.ResponseWriter, r *http.Request, tlsOn bool, host, sys string) {
	if !tlsOn {
		redirect(w, r, "https://"+host+r.URL.RequestURI())
		return
	}
	w.Header().Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload")
	path := r.URL.Path
	if path == "/robots.txt" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("User-agent: *\nDisallow: /admin/\n"))
		return
	}
	page := func(title string, paras ...string) *pageData {
		return &pageData{Lang: "id", Viewport: true, Title: title, Heading: title, SiteName: title,
			HomeURL: "https://" + host + "/", Blocks: []block{{Paras: paras}},
			Footer: footerData{Heading: "Kontak", Copyright: "© 2026 Pemerintah Republik Indonesia"}}
	}
	var p *pageData
	switch sys {
	case "external":
		p = &pageData{Lang: "en", Viewport: true, Title: host, Heading: host, SiteName: host, HomeURL: "https://" + host + "/",
			Blocks: []block{{Paras: []string{"Simulated external page. The egovbench fleet answers here so that link checks stay on loopback."}}}}
	case "gforms":
		if servePublicForm(f, w, r, path) {
			return
		}
	case "lapor":
		if path == "/" || strings.HasPrefix(path, "/instansi/") {
			p = page("SP4N-LAPOR! Layanan Aspirasi dan Pengaduan Online Rakyat",
				"Sampaikan laporan Anda langsung kepada instansi pemerintah berwenang.")
			p.Blocks[0].Form = &form{Action: "https://" + natLapor + "/lapor", Method: "post", Submit: "Lapor!",
				Fields: []field{{Label: "Judul Laporan", Name: "judul", Type: "text", Required: true},
					{Label: "Isi Laporan", Name: "isi", Type: "textarea", Required: true}}}
		}
	case "oss":
		if path == "/" {
			p = page("OSS - Online Single Submission", "Perizinan Berusaha Terintegrasi Secara Elektronik.")
		}
	case "mpp":
		if path == "/" {
			p = page("MPP Digital", "Mal Pelayanan Publik Digital: layanan publik dalam satu aplikasi.")
		}
	case "dukcapil":
		if path == "/" {
			p = page("Direktorat Jenderal Kependudukan dan Pencatatan Sipil", "Layanan administrasi kependudukan.")
		}
	case "data":
		switch {
		case path == "/api/3/action/package_list":
			writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": []string{"jumlah-penduduk", "realisasi-apbd"}})
			return
		case path == "/" || strings.HasPrefix(path, "/organization/"):
			p = page("Satu Data Indonesia", "Portal data terbuka pemerintah Indonesia.")
		}
	case "jdihn":
		if path == "/" {
			p = page("Jaringan Dokumentasi dan Informasi Hukum Nasional", "Basis data peraturan perundang-undangan.")
		}
	case "sso":
		switch path {
		case "/":
			redirect(w, r, "https://"+natSSO+"/login")
			return
		case "/login":
			p = page("Single Sign-On Layanan Digital Pemerintah", "Masuk dengan identitas digital nasional.")
			p.Blocks[0].Form = &form{Action: "https://" + natSSO + "/login", Method: "post", Submit: "Masuk",
				Fields: []field{{Label: "NIK", Name: "nik", Type: "text", Required: true},
					{Label: "Kata Sandi", Name: "password", Type: "password", Required: true}}}
		}
	}
	if p == nil {
		f.writeStatic(w, http.StatusNotFound, "id", "404 Not Found", "Halaman tidak ditemukan.")
		return
	}
	f.writePage(w, http.StatusOK, p)
}
