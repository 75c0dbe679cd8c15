package fleet

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Script modes: how a site builds its pages with JavaScript, as many
// regional sites do. A reader of the static HTML sees less than a citizen
// with a browser; Site.StaticStage is what it can find.
type jsMode int

const (
	jsNone jsMode = iota
	// jsMenu fetches the header (with the whole menu) and the footer from
	// /partials/ and inserts them; the homepage's own content names no
	// service, the menu does.
	jsMenu
	// jsSPA serves every page as an empty <div id="app"> that a script
	// fills from /api/page.
	jsSPA
	// jsModal keeps its service forms out of the HTML: a script writes each
	// into a modal when the page loads.
	jsModal
)

// String names the mode for Site.Script.
func (m jsMode) String() string {
	switch m {
	case jsMenu:
		return "menu fetched by script"
	case jsSPA:
		return "single-page app"
	case jsModal:
		return "forms in script-built modals"
	}
	return ""
}

// The script-built parts of a page: markers the renderer writes.
const (
	headerOpen  = "<header class=\"site-header\">"
	headerClose = "</header>\n"
	footerOpen  = "<footer class=\"site-footer\">"
	footerClose = "</footer>\n"
	bodyOpen    = "<body>\n"
	bodyClose   = "</body>"
)

// layoutJS fetches the header and footer of a jsMenu site.
const layoutJS = `document.addEventListener('DOMContentLoaded', function () {
  ['header', 'footer'].forEach(function (part) {
    fetch('/partials/' + part + '.html').then(function (r) { return r.text(); }).then(function (html) {
      document.getElementById(part).outerHTML = html;
    });
  });
});
`

// appJS fills a jsSPA page from the page API.
const appJS = `(function () {
  var app = document.getElementById('app');
  fetch('/api/page?path=' + encodeURIComponent(location.pathname + location.search))
    .then(function (r) { return r.text(); })
    .then(function (html) { app.innerHTML = html; });
})();
`

// serveScript answers the script assets and data endpoints of a
// script-built site's main host; it reports whether it answered.
func (f *Fleet) serveScript(w http.ResponseWriter, r *http.Request, s *site, c pageCtx) bool {
	mode := s.spec.js
	path := r.URL.Path
	switch {
	case mode == jsMenu && path == "/assets/layout.js":
		writeJS(w, layoutJS)
	case mode == jsMenu && (path == "/partials/header.html" || path == "/partials/footer.html"):
		full, ok := f.fullPage(s, c, "/", nil)
		if !ok {
			return false
		}
		open, close := headerOpen, headerClose
		if path == "/partials/footer.html" {
			open, close = footerOpen, footerClose
		}
		part, ok := cut(full, open, close)
		if !ok {
			return false
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(part)
	case mode == jsSPA && path == "/assets/app.js":
		writeJS(w, appJS)
	case mode == jsSPA && path == "/api/page":
		u, err := url.Parse(r.URL.Query().Get("path"))
		if err != nil || !strings.HasPrefix(u.Path, "/") {
			http.Error(w, "bad path", http.StatusBadRequest)
			return true
		}
		full, ok := f.fullPage(s, c, u.Path, u.Query())
		if !ok {
			http.NotFound(w, r)
			return true
		}
		inner, _ := between(full, bodyOpen, bodyClose)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(inner)
	default:
		return false
	}
	return true
}

func writeJS(w http.ResponseWriter, js string) {
	w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
	io.WriteString(w, js)
}

// fullPage renders a main-host page as a static site would serve it.
func (f *Fleet) fullPage(s *site, c pageCtx, path string, q url.Values) ([]byte, bool) {
	p := s.mainPage(c, path, q)
	if p == nil {
		return nil, false
	}
	var buf bytes.Buffer
	if err := f.render.render(&buf, p); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// scriptBuild turns a rendered main-host page into what a script-built
// site serves.
func scriptBuild(mode jsMode, page []byte, lang string) []byte {
	switch mode {
	case jsMenu:
		page = replaceBetween(page, headerOpen, headerClose, `<header id="header"></header>`+"\n")
		page = replaceBetween(page, footerOpen, footerClose, `<footer id="footer"></footer>`+"\n")
		return insertBefore(page, bodyClose, `<script src="/assets/layout.js"></script>`+"\n")
	case jsSPA:
		msg := "Aktifkan JavaScript untuk membuka situs ini."
		if lang == "en" {
			msg = "You need to enable JavaScript to run this app."
		}
		return replaceBetween(page, bodyOpen, bodyClose, bodyOpen+`<div id="app"></div>`+"\n<noscript>"+msg+
			"</noscript>\n"+`<script src="/assets/app.js"></script>`+"\n")
	case jsModal:
		return modalForms(page)
	}
	return page
}

// modalForms moves every form that sends data (method post) into a script
// that writes it into a hidden modal on load; search forms (get) stay.
func modalForms(page []byte) []byte {
	var out, script bytes.Buffer
	n := 0
	rest := page
	for {
		i := bytes.Index(rest, []byte(`<form action="`))
		if i < 0 {
			break
		}
		j := bytes.Index(rest[i:], []byte("</form>\n"))
		if j < 0 {
			break
		}
		form := rest[i : i+j+len("</form>\n")]
		out.Write(rest[:i])
		rest = rest[i+len(form):]
		if !bytes.Contains(form[:bytes.IndexByte(form, '>')], []byte(`method="post"`)) {
			out.Write(form)
			continue
		}
		n++
		id := fmt.Sprintf("modal-form-%d", n)
		fmt.Fprintf(&out, "<div id=\"%s\" class=\"modal\" hidden></div>\n<button type=\"button\" class=\"open-modal\" data-target=\"%s\">Isi formulir</button>\n", id, id)
		fmt.Fprintf(&script, "  document.getElementById('%s').innerHTML = '%s';\n", id, jsString(form))
	}
	out.Write(rest)
	if n == 0 {
		return page
	}
	js := "<script>\ndocument.addEventListener('DOMContentLoaded', function () {\n" + script.String() +
		"  document.querySelectorAll('.open-modal').forEach(function (b) {\n" +
		"    b.addEventListener('click', function () { document.getElementById(b.dataset.target).hidden = false; });\n  });\n});\n</script>\n"
	return insertBefore(out.Bytes(), bodyClose, js)
}

// jsString escapes HTML for a single-quoted JavaScript string inside a
// <script> element.
func jsString(b []byte) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`, "</", `<\/`, "\u2028", `\u2028`, "\u2029", `\u2029`)
	return r.Replace(string(b))
}

// cut returns the part of b from open to close, both included.
func cut(b []byte, open, close string) ([]byte, bool) {
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return nil, false
	}
	j := bytes.Index(b[i:], []byte(close))
	if j < 0 {
		return nil, false
	}
	return b[i : i+j+len(close)], true
}

// between returns the part of b between open and close.
func between(b []byte, open, close string) ([]byte, bool) {
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return nil, false
	}
	rest := b[i+len(open):]
	j := bytes.LastIndex(rest, []byte(close))
	if j < 0 {
		return nil, false
	}
	return rest[:j], true
}

// replaceBetween replaces the part of b from open to close (open included,
// close included unless close is bodyClose) by with.
func replaceBetween(b []byte, open, close, with string) []byte {
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return b
	}
	j := bytes.Index(b[i:], []byte(close))
	if j < 0 {
		return b
	}
	end := i + j + len(close)
	if close == bodyClose {
		end = i + j
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	out = append(out, with...)
	return append(out, b[end:]...)
}

func insertBefore(b []byte, mark, with string) []byte {
	i := bytes.LastIndex(b, []byte(mark))
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+len(with))
	out = append(out, b[:i]...)
	out = append(out, with...)
	return append(out, b[i:]...)
}

// writeScripted writes a main-host page of a script-built site.
func (f *Fleet) writeScripted(w http.ResponseWriter, p *pageData, sp siteSpec) {
	var buf bytes.Buffer
	if err := f.render.render(&buf, p); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	page := scriptBuild(sp.js, buf.Bytes(), sp.lang)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusOK)
	w.Write(page)
}
