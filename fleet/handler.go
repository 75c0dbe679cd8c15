package fleet

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// discardLog silences the servers' own error log: TLS handshakes that fail on
// purpose (expired certificates, unknown names) are expected traffic.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// maxForm caps what a form submission may send; the fleet never keeps it.
const maxForm = 1 << 20

// handler serves every host of the fleet for one scheme.
func (f *Fleet) handler(tlsOn bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := hostOf(r.Host)
		if r.Body != nil {
			// Drain what a client posts so keep-alive connections stay usable.
			_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxForm))
		}
		w.Header().Set("Server", "nginx")
		if sys, ok := f.national[host]; ok {
			f.serveNational(w, r, tlsOn, host, sys)
			return
		}
		s, ok := f.byHost[host]
		if !ok {
			http.Error(w, "unknown host", http.StatusMisdirectedRequest)
			return
		}
		f.serveSite(w, r, tlsOn, host, s)
	})
}

func (f *Fleet) serveSite(w http.ResponseWriter, r *http.Request, tlsOn bool, host string, base *site) {
	now := f.now()
	s, v := base.at(now)
	kind := s.hosts[host]
	sp := s.spec
	if !tlsOn && (sp.tls == TLSHSTS || sp.tls == TLSExpired) {
		redirect(w, r, "https://"+host+r.URL.RequestURI())
		return
	}
	if tlsOn && sp.tls == TLSHSTS {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	if kind == kindAlias {
		redirect(w, r, s.scheme+"://"+s.mainHost+r.URL.RequestURI())
		return
	}
	slow := time.Duration(0)
	switch {
	case sp.beh == BehaviourSlow:
		slow = f.opts.SlowDelay
	case v != nil && slices.Contains(v.phase.SlowHours, now.UTC().Hour()):
		slow = cmp.Or(v.phase.SlowDelay, f.opts.SlowDelay)
	}
	if slow > 0 {
		t := time.NewTimer(slow)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if v != nil && v.maintKind[kind] && r.URL.Path != "/robots.txt" {
		// A service application under maintenance while the portal still
		// links it; the web server still serves its static robots.txt.
		f.writeStatic(w, http.StatusServiceUnavailable, sp.lang, "Sedang dalam pemeliharaan",
			"Mohon maaf, layanan ini sedang dalam pemeliharaan. Silakan kembali beberapa saat lagi.")
		return
	}
	switch sp.beh {
	case BehaviourMaintenance:
		w.Header().Set("Retry-After", "3600")
		f.writeStatic(w, http.StatusServiceUnavailable, sp.lang, "Sedang dalam pemeliharaan",
			"Mohon maaf, situs "+sp.name+" sedang dalam pemeliharaan. Silakan kembali beberapa saat lagi.")
		return
	case BehaviourBlocked:
		f.writeStatic(w, http.StatusForbidden, "en", "403 Forbidden",
			"Access denied. Your request has been blocked by the web application firewall. Reference #18.2f4c1402.1768900000.5a1b2c")
		return
	}
	ctx := pageCtx{ref: now, idx: s.idx}
	path := r.URL.Path
	switch {
	case path == "/robots.txt":
		f.serveRobots(w, s, host)
		return
	case path == "/sitemap.xml" && kind == kindMain && sp.sitemap:
		f.serveSitemap(w, s, ctx)
		return
	case path == "/rss.xml" && kind == kindMain && s.feat["subscribe"]:
		f.serveRSS(w, s, ctx)
		return
	case path == "/assets/style.css" && kind == kindMain:
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		io.WriteString(w, "body{font-family:sans-serif;margin:0}header,footer{padding:1rem}\n")
		return
	case strings.HasPrefix(path, "/files/") && strings.HasSuffix(path, ".pdf"):
		if title, ok := s.documentTitle(strings.TrimPrefix(path, "/files/")); ok {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(pdfDocument(title))
			return
		}
	case kind == kindData && s.feat["open_data"]:
		if f.serveData(w, r, s, path) {
			return
		}
	case kind == kindSSO && path == "/" && s.feat["sso"]:
		redirect(w, r, s.sub(kindSSO, "/login"))
		return
	case kind == kindTTE && path == "/" && s.feat["esignature"]:
		redirect(w, r, s.sub(kindTTE, "/verifikasi"))
		return
	}
	if kind != kindMain && s.deadHost(kind) && kind != kindSicantik {
		// A menu item that leads to a placeholder: 200, but no service.
		f.writeStatic(w, http.StatusOK, sp.lang, "Dalam Pengembangan",
			"Mohon maaf, halaman ini sedang dalam pengembangan. Layanan akan segera tersedia.")
		return
	}
	if kind == kindMain && sp.js != jsNone && f.serveScript(w, r, s, ctx) {
		return
	}
	var p *pageData
	if kind == kindMain {
		p = s.mainPage(ctx, path, r.URL.Query())
	} else {
		p = s.subPage(ctx, kind, host, path, r.URL.Query())
	}
	if p == nil {
		f.writeStatic(w, http.StatusNotFound, sp.lang, "404 Not Found", s.tr("Halaman tidak ditemukan.", "Page not found."))
		return
	}
	if sp.beh == BehaviourHostile {
		hostilize(p, s)
	}
	if r.Method == http.MethodPost {
		p.Blocks = append([]block{{Paras: []string{s.tr("Terima kasih, data Anda telah kami terima.", "Thank you, we have received your submission.")}}}, p.Blocks...)
	}
	if kind == kindMain && sp.js != jsNone {
		f.writeScripted(w, p, sp)
		return
	}
	f.writePage(w, http.StatusOK, p)
}

// writePage renders to a buffer first so a template error can still become
// a clean 500 instead of a half-written page.
func (f *Fleet) writePage(w http.ResponseWriter, status int, p *pageData) {
	var buf bytes.Buffer
	if err := f.render.render(&buf, p); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeStatic writes a bare page (errors, maintenance, firewall).
func (f *Fleet) writeStatic(w http.ResponseWriter, status int, lang, title, text string) {
	f.writePage(w, status, &pageData{Lang: lang, Viewport: true, Title: title, Heading: title, HomeURL: "/",
		Blocks: []block{{Paras: []string{text}}}})
}

// redirect answers 301. Unlike http.Redirect it never echoes invalid UTF-8
// from the request into the page or the Location header.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	to = strings.ToValidUTF8(to, "%EF%BF%BD")
	w.Header().Set("Location", to)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusMovedPermanently)
	if r.Method == http.MethodGet {
		fmt.Fprintf(w, "<a href=\"%s\">Moved Permanently</a>.\n", template.HTMLEscapeString(to))
	}
}

func (f *Fleet) serveRobots(w http.ResponseWriter, s *site, host string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch s.spec.robots {
	case robotsMissing:
		http.NotFound(w, nil)
	case robotsBroken:
		// A CMS that answers every unknown path with its HTML 200 page.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><html><head><title>Beranda</title></head><body><h1>Beranda</h1><p>User-agent: *<br>Disallow /\x00 ??</p></body></html>\n")
	case robotsDisallowAll:
		io.WriteString(w, "User-agent: *\nDisallow: /\n")
	default:
		io.WriteString(w, "User-agent: *\nDisallow: /admin/\nDisallow: /wp-admin/\nAllow: /\n")
		if s.spec.sitemap && host == s.mainHost {
			fmt.Fprintf(w, "\nSitemap: %s\n", s.u("/sitemap.xml"))
		}
	}
}

func (f *Fleet) serveSitemap(w http.ResponseWriter, s *site, c pageCtx) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	urls := []string{}
	for _, p := range s.mainPages() {
		urls = append(urls, s.u(p))
	}
	for n := 1; s.feat["news"] && n <= s.newsCount; n++ {
		urls = append(urls, s.articleURL(s.news(n, c.ref, c.idx)))
	}
	lastmod := c.ref.Format("2006-01-02")
	for _, u := range urls {
		fmt.Fprintf(&b, "<url><loc>%s</loc><lastmod>%s</lastmod></url>\n", xmlEscape(u), lastmod)
	}
	b.WriteString("</urlset>\n")
	io.WriteString(w, b.String())
}

func (f *Fleet) serveRSS(w http.ResponseWriter, s *site, c pageCtx) {
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<rss version="2.0"><channel><title>%s</title><link>%s</link><description>%s</description>`+"\n",
		xmlEscape(s.spec.name), xmlEscape(s.u("/")), xmlEscape(s.tr("Berita terbaru", "Latest news")))
	for n := 1; n <= s.newsCount; n++ {
		it := s.news(n, c.ref, c.idx)
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>\n",
			xmlEscape(it.title), xmlEscape(s.articleURL(it)), it.date.Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	io.WriteString(w, b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}

// serveData answers the CKAN-like API and CSV downloads of a data portal.
func (f *Fleet) serveData(w http.ResponseWriter, r *http.Request, s *site, path string) bool {
	ds := datasets()
	switch {
	case path == "/api/3/action/package_list":
		names := make([]string, len(ds))
		for i, d := range ds {
			names[i] = d.file
		}
		writeJSON(w, http.StatusOK, map[string]any{"help": s.sub(kindData, "/api/3/action/help_show?name=package_list"), "success": true, "result": names})
		return true
	case path == "/api/3/action/package_show":
		id := r.URL.Query().Get("id")
		for _, d := range ds {
			if d.file == id {
				writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": map[string]any{"name": d.file, "title": d.title,
					"resources": []map[string]string{{"format": "CSV", "url": s.sub(kindData, "/dataset/"+d.file+".csv")}}}})
				return true
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "error": map[string]string{"message": "Not found"}})
		return true
	case strings.HasPrefix(path, "/dataset/") && strings.HasSuffix(path, ".csv"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/dataset/"), ".csv")
		for i, d := range ds {
			if d.file == name {
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				fmt.Fprintf(w, "tahun,wilayah,nilai\n2024,%s,%d\n2025,%s,%d\n", s.regionName(), 1000+i*37, s.regionName(), 1100+i*41)
				return true
			}
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
