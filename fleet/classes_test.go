package fleet

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/egovbench/egovbench"
)

// TestClassSitesJoinOnlyTheDefaultFleet: the class sites come after the
// hand-made fleet and the hostile site, which keep their rows and content;
// subsets and synthetic fleets do not get them.
func TestClassSitesJoinOnlyTheDefaultFleet(t *testing.T) {
	full := startFleet(t, Options{Hostile: true})
	hand := startFleet(t, Options{Sites: len(defaultSpecs()), Hostile: true})
	all, old := full.Sites(), hand.Sites()
	classes := classSpecs()
	// The script-built sites (script.go) come last.
	if scripts := scriptSpecs(); len(all) != len(old)+len(classes)+len(scripts) {
		t.Fatalf("%d sites, want %d hand-made and hostile plus %d class sites plus %d script-built sites", len(all), len(old), len(classes), len(scripts))
	}
	if !reflect.DeepEqual(all[:len(old)], old) {
		t.Error("the hand-made sites changed when the class sites joined")
	}
	for i, sp := range classes {
		if got := all[len(old)+i].Target.ID; got != sp.id {
			t.Errorf("row %d is %s, want class site %s", len(old)+i, got, sp.id)
		}
	}
	// Same rows, same pages: the hostile site's content depends on its row.
	for _, u := range []string{"https://www.rawabeningkab.go.id/", "https://www.kotasentosa.go.id/berita"} {
		if a, b := serveLocal(full, true, http.MethodGet, u).Body.String(), serveLocal(hand, true, http.MethodGet, u).Body.String(); a != b {
			t.Errorf("%s differs between the default fleet and its hand-made rows", u)
		}
	}
	for _, o := range []Options{{Sites: 5}, {Sites: 40, Seed: 1}} {
		for _, s := range startFleet(t, o).Sites() {
			for _, sp := range classes {
				if s.Target.ID == sp.id {
					t.Errorf("Options%+v includes class site %s", o, sp.id)
				}
			}
		}
	}
	stages := map[egovbench.Stage]int{}
	for _, sp := range classes {
		stages[sp.stage]++
		if sp.country != "" || sp.lang != "" || sp.stage == egovbench.StageNone {
			t.Errorf("%s: class sites are reachable Indonesian sites", sp.id)
		}
	}
	for _, st := range []egovbench.Stage{egovbench.StageInteraction, egovbench.StageIntegration, egovbench.StageTransaction} {
		if stages[st] < 2 {
			t.Errorf("%d class sites at %v; want errors in both directions around it", stages[st], st)
		}
	}
}

// classEnv is what a class check gets: the fleet, a client restricted to
// it, the site and a crawl of its hosts.
type classEnv struct {
	f  *Fleet
	c  *http.Client
	s  Site
	sc *siteCrawl
}

// home is the crawled homepage.
func (e classEnv) home(t *testing.T) *goquery.Document {
	t.Helper()
	return e.page(t, e.s.Target.URL)
}

// page is a crawled page by URL.
func (e classEnv) page(t *testing.T, u string) *goquery.Document {
	t.Helper()
	for _, p := range e.sc.pages {
		if p.url == u {
			return p.doc
		}
	}
	t.Fatalf("%s not crawled", u)
	return nil
}

// offSiteHosts lists the hosts of the crawl's http(s) links that are not
// the site's own.
func (e classEnv) offSiteHosts() map[string]bool {
	own := map[string]bool{}
	for _, h := range e.s.Hosts {
		own[h] = true
	}
	out := map[string]bool{}
	for h := range e.sc.linkHosts() {
		if !own[h] {
			out[h] = true
		}
	}
	return out
}

// onlySocialBesides fails when the site links any host but its own, the
// social and chat stubs and the hosts allowed: its class's evidence must
// be the only evidence of its kind.
func (e classEnv) onlySocialBesides(t *testing.T, allowed ...string) {
	t.Helper()
	for h := range e.offSiteHosts() {
		if nationalHosts()[h] != "external" && !containsString(allowed, h) {
			t.Errorf("links %s besides its class evidence %v", h, allowed)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// noServiceForms fails when any crawled page has a form of a transaction
// service: a password, a file upload, a date, a payment.
func (e classEnv) noServiceForms(t *testing.T) {
	t.Helper()
	for _, p := range e.sc.pages {
		if staffPage(p) {
			continue
		}
		if n := p.doc.Find(`form input[type=password], form input[type=file], form input[type=date], form.payment`).Length(); n > 0 {
			t.Errorf("%s has %d inputs of a transaction service", p.url, n)
		}
	}
}

// TestClassSitesServeTheirClass checks, site by site, the evidence each
// class site is built to show, beyond the features TestSitesExposeTheirFeatures
// checks for every site.
func TestClassSitesServeTheirClass(t *testing.T) {
	f := startFleet(t, Options{})
	c := plainClient(f, true)
	checks := map[string]func(t *testing.T, e classEnv){
		"kec-mekarsari": func(t *testing.T, e classEnv) {
			a := e.home(t).Find(`a[href="https://lapor.go.id/"]`)
			if !strings.Contains(a.Text(), "LAPOR!") {
				t.Fatalf("homepage lacks the SP4N-LAPOR! link: %q", a.Text())
			}
			e.onlySocialBesides(t, "lapor.go.id")
			r := e.f.Resolve()
			for _, port := range []string{":80", ":443"} {
				if to, ok := r["lapor.go.id"+port]; ok {
					t.Errorf("lapor.go.id%s resolves to %s; its lookup must fail", port, to)
				}
			}
			// A crawler restricted to the fleet's names gets a DNS error,
			// not an answer from the service.
			var dnsErr *net.DNSError
			if _, err := get(t, e.c, "https://lapor.go.id/"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				t.Errorf("client: want a not-found DNS error, got %v", err)
			}
			if _, err := e.f.DialContext(t.Context(), "tcp", "lapor.go.id:443"); !errors.As(err, &dnsErr) {
				t.Errorf("DialContext: want a DNS error, got %v", err)
			}
			// LAPOR! itself still answers where the other sites link it.
			if p, err := get(t, e.c, "https://"+natLapor+"/"); err != nil || p.status != http.StatusOK {
				t.Errorf("%s: %v", natLapor, err)
			}
		},
		"kec-bandarutara": func(t *testing.T, e classEnv) {
			news := map[string]string{}
			e.home(t).Find("section").Each(func(_ int, sec *goquery.Selection) {
				if sec.Find("h2").First().Text() != "Berita Terbaru" {
					return
				}
				sec.Find("li").Each(func(_ int, li *goquery.Selection) {
					if href, ok := li.Find("a").Attr("href"); ok && dateRe.MatchString(strings.ToLower(li.Find("small").Text())) {
						news[li.Find("a").Text()] = href
					}
				})
			})
			for _, prefix := range []string{"Pembayaran PBB", "Pendaftaran CPNS", "Warga Antusias Bayar Pajak", "Pendaftaran Peserta Didik"} {
				found := false
				for title, href := range news {
					if !strings.HasPrefix(title, prefix) {
						continue
					}
					found = true
					u, _ := url.Parse(href)
					if !strings.HasPrefix(u.Path, "/berita/") {
						t.Errorf("%q links %s, not an article under /berita/", title, href)
					}
					if h1 := e.page(t, href).Find("h1").Text(); h1 != title {
						t.Errorf("article %s has heading %q", href, h1)
					}
				}
				if !found {
					t.Errorf("no dated headline %q… on the homepage among %v", prefix, news)
				}
			}
			e.noServiceForms(t)
			e.onlySocialBesides(t)
		},
		"dispusip-bukitharapan": func(t *testing.T, e classEnv) {
			login := e.s.Target.URL + "admin/login"
			for _, p := range e.sc.pages {
				if p.url == login {
					continue
				}
				if a := p.doc.Find(`nav a[href="` + login + `"]`); a.Text() != "Login" {
					t.Errorf("%s: no Login link in the header", p.url)
				}
			}
			doc := e.page(t, login)
			if got := doc.Find("title").Text(); !strings.HasPrefix(got, "Login Administrator") {
				t.Errorf("admin login title %q", got)
			}
			if doc.Find(`form input[type=password]`).Length() != 1 || doc.Find(`form input[type=email]`).Length() != 1 {
				t.Error("admin login lacks its e-mail and password form")
			}
			// Nothing keeps a polite crawler from reading the login page.
			if p, err := get(t, e.c, e.s.Target.URL+"robots.txt"); err != nil || p.status != http.StatusNotFound {
				t.Errorf("robots.txt: %v; want 404", err)
			}
			e.noServiceForms(t)
			e.onlySocialBesides(t)
		},
		"disparbud-tanahpermai": func(t *testing.T, e classEnv) {
			mail := map[string]bool{}
			for l := range e.sc.links {
				if strings.HasPrefix(l, "mailto:") {
					mail[l] = true
				}
			}
			want := map[string]bool{"mailto:booking@disparbud.tanahpermaikota.go.id": true, "mailto:appointments@disparbud.tanahpermaikota.go.id": true}
			if !reflect.DeepEqual(mail, want) {
				t.Errorf("mailto links %v, want %v", mail, want)
			}
			if e.home(t).Find(`a[href="mailto:booking@disparbud.tanahpermaikota.go.id"]`).Length() == 0 {
				t.Error("homepage lacks the booking address")
			}
			e.noServiceForms(t)
			e.onlySocialBesides(t)
		},
		"desa-sukamaju": func(t *testing.T, e classEnv) {
			portals := map[string]string{
				"https://www.tanjungmutiaraprov.go.id/": "Pemerintah Provinsi Tanjung Mutiara",
				"https://www.hulumandirikab.go.id/":     "Pemerintah Kabupaten Hulu Mandiri",
			}
			for u, name := range portals {
				if e.home(t).Find(`a[href="`+u+`"]`).Length() == 0 {
					t.Errorf("homepage does not link %s", u)
				}
				h := strings.TrimSuffix(strings.TrimPrefix(u, "https://"), "/")
				if _, national := nationalHosts()[h]; national || registrable(h) == registrable(domainOf(e.s)) {
					t.Errorf("%s is a listed national system or the desa's own domain", h)
				}
				p, err := get(t, e.c, u)
				if err != nil || p.status != http.StatusOK || !strings.Contains(p.doc.Find("title").Text(), name) {
					t.Errorf("%s does not answer as the portal of %s: %v", u, name, err)
				}
			}
			e.onlySocialBesides(t, "www.tanjungmutiaraprov.go.id", "www.hulumandirikab.go.id")
		},
		"diskominfo-sawahluhur": func(t *testing.T, e classEnv) {
			ppid := e.page(t, e.s.Target.URL+"ppid")
			fr := ppid.Find("iframe[src]")
			src, _ := fr.Attr("src")
			if fr.Length() != 1 || !strings.HasPrefix(src, "https://docs.google.com/forms/d/e/") || !strings.HasSuffix(src, "/viewform?embedded=true") {
				t.Fatalf("PPID page embeds %d frames, src %q", fr.Length(), src)
			}
			if h := fr.Closest("section").Find("h2").Text(); h != "Formulir Permohonan Informasi Publik" {
				t.Errorf("the form sits under %q", h)
			}
			if to := e.f.Resolve()["docs.google.com:443"]; to != e.f.HTTPSAddr() {
				t.Errorf("docs.google.com:443 resolves to %q, not the fleet", to)
			}
			p, err := get(t, e.c, src)
			if err != nil || p.status != http.StatusOK {
				t.Fatalf("embedded form: %v", err)
			}
			form := p.doc.Find(`form[method=post]`)
			action, _ := form.Attr("action")
			if !strings.HasSuffix(action, "/formResponse") || form.Find("textarea").Length() == 0 || form.Find(`input[name^="entry."]`).Length() < 3 {
				t.Errorf("embedded page is no request form: action %q", action)
			}
			resp, err := e.c.PostForm(action, url.Values{"entry.1208734519": {"Warga"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("form response: status %d", resp.StatusCode)
			}
			if p, err := get(t, e.c, "https://docs.google.com/forms/d/e/unknown/viewform"); err != nil || p.status != http.StatusNotFound {
				t.Errorf("unknown form: %v, want 404", err)
			}
			e.onlySocialBesides(t)
		},
		"dpmptsp-kepulauanselaras": func(t *testing.T, e classEnv) {
			apply := e.s.Target.URL + strings.TrimPrefix(applyOnlinePath, "/")
			if got := e.sc.onclickTargets(); !reflect.DeepEqual(got, []string{apply}) {
				t.Fatalf("onclick targets %v, want the homepage button to %s", got, apply)
			}
			if btn := e.home(t).Find(`button.btn.btn-primary[onclick]`); btn.Length() != 1 {
				t.Error("no Bootstrap button on the homepage")
			}
			if _, linked := e.sc.links[apply]; linked {
				t.Error("an <a href> names the application page")
			}
			p, err := get(t, e.c, apply)
			if err != nil || p.status != http.StatusOK || p.doc.Find(`form[enctype="multipart/form-data"][method=post] input[type=file]`).Length() == 0 {
				t.Fatalf("application page: %v", err)
			}
			resp, err := e.c.PostForm(apply, url.Values{"nik": {"1"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("submission: status %d", resp.StatusCode)
			}
			e.onlySocialBesides(t)
		},
	}
	for _, sp := range classSpecs() {
		check, ok := checks[sp.id]
		if !ok {
			t.Errorf("class site %s has no check", sp.id)
			continue
		}
		t.Run(sp.id, func(t *testing.T) {
			s, ok := f.Site(sp.id)
			if !ok {
				t.Fatal("not in the default fleet")
			}
			check(t, classEnv{f: f, c: c, s: s, sc: crawlSite(t, c, s, 100)})
		})
	}
}

// TestLinkedHostsResolve: every host a page of the default fleet links is in
// Resolve, but lapor.go.id, which only the class 1 site links; so a crawler
// that fails names missing from Resolve never asks DNS for anything else,
// and the hand-made rows alone link no missing name at all.
func TestLinkedHostsResolve(t *testing.T) {
	for _, o := range []Options{{}, {Sites: HandMadeSites()}} {
		f := startFleet(t, o)
		c := plainClient(f, true)
		r := f.Resolve()
		missing := map[string][]string{}
		for _, s := range f.Sites() {
			if s.Outcome != egovbench.OutcomeOK {
				continue
			}
			for l := range crawlSite(t, c, s, 200).links {
				u, err := url.Parse(l)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
					continue
				}
				port := map[string]string{"http": "80", "https": "443"}[u.Scheme]
				if _, ok := r[net.JoinHostPort(u.Hostname(), port)]; !ok {
					missing[u.Hostname()] = append(missing[u.Hostname()], s.Target.ID)
				}
			}
		}
		want := map[string][]string{natLaporUnresolved: {"kec-mekarsari"}}
		if o.Sites != 0 {
			want = map[string][]string{}
		}
		if !reflect.DeepEqual(missing, want) {
			t.Errorf("Options%+v: linked hosts missing from Resolve %v, want %v", o, missing, want)
		}
	}
}
