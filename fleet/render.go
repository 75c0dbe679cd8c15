package fleet

import (
	"html/template"
	"io"
)

// link is an anchor. Raw carries a URL that html/template would otherwise
// neutralise; only the hostile site sets it, on purpose.
type link struct {
	Href string
	Raw  template.URL
	Text string
	Note string // small text after the link (a date, a format)
}

// field is one input of a form.
type field struct {
	Label    string
	Name     string
	Type     string // text, email, tel, password, number, date, file, textarea, select, radio, hidden
	Options  []string
	Value    string
	Required bool
}

// form is an HTML form.
type form struct {
	Action  string
	Method  string
	Enctype string
	Class   string
	Fields  []field
	Submit  string
}

// block is one section of a page's main content.
type block struct {
	Heading string
	Paras   []string
	Items   []string
	Links   []link
	Rows    [][]string // a table; the first row is the header
	Form    *form
	Raw     template.HTML // markup written verbatim: class sites build it with esc, the hostile site injects it
}

// pageData is everything the layout renders.
type pageData struct {
	Lang        string
	Viewport    bool
	Title       string
	Description string
	SiteName    string
	HomeURL     string
	SearchURL   string
	SearchLabel string
	Nav         []link
	Heading     string
	Blocks      []block
	Footer      footerData
	WhatsApp    string
	ChatLabel   string
}

// footerData is the footer shared by all pages of a site.
type footerData struct {
	Heading   string
	Address   string
	Phone     string
	Email     string
	Mailto    []link
	Social    []link
	Links     []link
	Copyright string
}

// renderer writes pages. It used to be an html/template; serving benchmarks
// showed template reflection cost ~0.3 ms a page, enough to make the fleet
// the bottleneck of a 1,500 pages/s crawl, so the layout is written by hand.
// Every string that is not markup goes through esc (text and attribute
// values alike); only block.Raw is written verbatim: the hostile site sets
// it on purpose, class sites (classes.go) build it with esc.
// TestRenderEscapesEverything guards this.
type renderer struct{}

func newRenderer() (*renderer, error) { return &renderer{}, nil }

// esc escapes text for element content and quoted attribute values.
func esc(s string) string { return template.HTMLEscapeString(s) }

// pageWriter accumulates a page; it never fails, so errors surface once.
type pageWriter struct{ b []byte }

func (w *pageWriter) raw(s ...string) {
	for _, x := range s {
		w.b = append(w.b, x...)
	}
}

func (w *pageWriter) text(s string) { w.b = append(w.b, esc(s)...) }

// el writes <tag>text</tag>.
func (w *pageWriter) el(tag, text string) {
	w.raw("<", tag, ">")
	w.text(text)
	w.raw("</", tag, ">")
}

// a writes an anchor with extra raw attributes.
func (w *pageWriter) a(href, text, attrs string) {
	w.raw(`<a href="`)
	w.text(href)
	w.raw(`"`, attrs, ">")
	w.text(text)
	w.raw("</a>")
}

func (r *renderer) render(out io.Writer, p *pageData) error {
	w := &pageWriter{b: make([]byte, 0, 8192)}
	w.raw("<!DOCTYPE html>\n<html")
	if p.Lang != "" {
		w.raw(` lang="`)
		w.text(p.Lang)
		w.raw(`"`)
	}
	w.raw(">\n<head>\n<meta charset=\"utf-8\">\n")
	if p.Viewport {
		w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	}
	w.el("title", p.Title)
	w.raw("\n<meta name=\"description\" content=\"")
	w.text(p.Description)
	w.raw("\">\n<link rel=\"stylesheet\" href=\"")
	w.text(p.HomeURL + "assets/style.css")
	w.raw("\">\n</head>\n<body>\n<header class=\"site-header\">\n")
	w.a(p.HomeURL, p.SiteName, ` class="brand"`)
	w.raw("\n")
	if p.SearchURL != "" {
		w.raw(`<form class="search" role="search" action="`)
		w.text(p.SearchURL)
		w.raw(`" method="get"><input type="search" name="q" aria-label="`)
		w.text(p.SearchLabel)
		w.raw(`" placeholder="`)
		w.text(p.SearchLabel)
		w.raw(`"><button type="submit">`)
		w.text(p.SearchLabel)
		w.raw("</button></form>\n")
	}
	w.raw("<nav class=\"main-nav\"><ul>\n")
	for _, l := range p.Nav {
		w.raw("<li>")
		w.a(l.Href, l.Text, "")
		w.raw("</li>\n")
	}
	w.raw("</ul></nav>\n</header>\n<main>\n")
	w.el("h1", p.Heading)
	w.raw("\n")
	for i := range p.Blocks {
		writeBlock(w, &p.Blocks[i])
	}
	w.raw("</main>\n<footer class=\"site-footer\">\n")
	f := &p.Footer
	w.el("h2", f.Heading)
	w.raw("\n")
	if f.Address != "" {
		w.el("address", f.Address)
		w.raw("\n")
	}
	for _, s := range []string{f.Phone, f.Email} {
		if s != "" {
			w.el("p", s)
			w.raw("\n")
		}
	}
	for _, list := range []struct {
		class, attrs string
		links        []link
	}{{"mail", "", f.Mailto}, {"social", ` rel="noopener"`, f.Social}, {"footer-links", "", f.Links}} {
		if len(list.links) == 0 {
			continue
		}
		w.raw(`<ul class="`, list.class, `">`)
		for _, l := range list.links {
			w.raw("<li>")
			w.a(l.Href, l.Text, list.attrs)
			w.raw("</li>")
		}
		w.raw("</ul>\n")
	}
	w.raw(`<p class="copyright">`)
	w.text(f.Copyright)
	w.raw("</p>\n</footer>\n")
	if p.WhatsApp != "" {
		w.a(p.WhatsApp, p.ChatLabel, ` class="whatsapp-float"`)
		w.raw("\n")
	}
	w.raw("</body>\n</html>\n")
	_, err := out.Write(w.b)
	return err
}

func writeBlock(w *pageWriter, b *block) {
	w.raw("<section>\n")
	if b.Heading != "" {
		w.el("h2", b.Heading)
		w.raw("\n")
	}
	for _, p := range b.Paras {
		w.el("p", p)
		w.raw("\n")
	}
	if len(b.Items) > 0 {
		w.raw("<ul>")
		for _, it := range b.Items {
			w.el("li", it)
		}
		w.raw("</ul>\n")
	}
	if len(b.Links) > 0 {
		w.raw("<ul class=\"links\">\n")
		for _, l := range b.Links {
			w.raw("<li>")
			href := l.Href
			if l.Raw != "" {
				href = string(l.Raw)
			}
			w.a(href, l.Text, "")
			if l.Note != "" {
				w.raw(" ")
				w.el("small", l.Note)
			}
			w.raw("</li>\n")
		}
		w.raw("</ul>\n")
	}
	if len(b.Rows) > 0 {
		w.raw("<table>\n")
		for i, row := range b.Rows {
			w.raw("<tr>")
			tag := "td"
			if i == 0 {
				tag = "th"
			}
			for _, c := range row {
				w.el(tag, c)
			}
			w.raw("</tr>\n")
		}
		w.raw("</table>\n")
	}
	if f := b.Form; f != nil {
		writeForm(w, f)
	}
	if b.Raw != "" {
		w.raw(string(b.Raw), "\n")
	}
	w.raw("</section>\n")
}

func writeForm(w *pageWriter, f *form) {
	w.raw(`<form action="`)
	w.text(f.Action)
	w.raw(`" method="`)
	w.text(f.Method)
	w.raw(`"`)
	if f.Enctype != "" {
		w.raw(` enctype="`)
		w.text(f.Enctype)
		w.raw(`"`)
	}
	if f.Class != "" {
		w.raw(` class="`)
		w.text(f.Class)
		w.raw(`"`)
	}
	w.raw(">\n")
	for _, fd := range f.Fields {
		req := ""
		if fd.Required {
			req = " required"
		}
		switch fd.Type {
		case "hidden":
			w.raw(`<input type="hidden" name="`)
			w.text(fd.Name)
			w.raw(`" value="`)
			w.text(fd.Value)
			w.raw("\">\n")
		case "textarea":
			w.raw("<label>")
			w.text(fd.Label)
			w.raw(`<textarea name="`)
			w.text(fd.Name)
			w.raw(`" rows="6"`, req, "></textarea></label>\n")
		case "select":
			w.raw("<label>")
			w.text(fd.Label)
			w.raw(`<select name="`)
			w.text(fd.Name)
			w.raw(`">`)
			for _, o := range fd.Options {
				w.el("option", o)
			}
			w.raw("</select></label>\n")
		case "radio":
			w.raw("<fieldset>")
			w.el("legend", fd.Label)
			for _, o := range fd.Options {
				w.raw(`<label><input type="radio" name="`)
				w.text(fd.Name)
				w.raw(`" value="`)
				w.text(o)
				w.raw(`"> `)
				w.text(o)
				w.raw("</label>")
			}
			w.raw("</fieldset>\n")
		default:
			w.raw("<label>")
			w.text(fd.Label)
			w.raw(`<input type="`)
			w.text(fd.Type)
			w.raw(`" name="`)
			w.text(fd.Name)
			w.raw(`"`, req, "></label>\n")
		}
	}
	w.raw(`<button type="submit">`)
	w.text(f.Submit)
	w.raw("</button>\n</form>\n")
}
