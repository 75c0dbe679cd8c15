package fleet

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// probeEnv is what a feature detector may use besides the crawl.
type probeEnv struct {
	tb   testing.TB
	c    *http.Client
	f    *Fleet
	site Site
}

// answers reports whether a link counts: the service answers 200 with
// something other than a placeholder page, or its name cannot be looked
// up. A failed lookup is the crawler's network failing, not the service
// answering that it is dead, so the link is unverified and counts by its
// words and address (issue 10, class 1).
func (e probeEnv) answers(u string) bool {
	p, err := get(e.tb, e.c, u)
	if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) {
		return true
	}
	if err != nil || p.status != http.StatusOK {
		return false
	}
	return !strings.Contains(strings.ToLower(p.body), "dalam pengembangan")
}

// workingLinks returns the link URLs (met in the crawl) matching fn that answer.
func (e probeEnv) workingLinks(sc *siteCrawl, fn func(u *url.URL, texts []string) bool) []string {
	var out []string
	for l, texts := range sc.links {
		u, err := url.Parse(l)
		if err != nil || !fn(u, texts) {
			continue
		}
		if u.Scheme == "mailto" || e.answers(l) {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

var formWord = regexp.MustCompile(`\b(formulir|form)\b`)

var dateRe = regexp.MustCompile(`\b\d{1,2} (januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember|january|february|march|may|june|july|august|october|december) 20\d\d\b`)

func textMatch(texts []string, words ...string) bool {
	for _, t := range texts {
		lt := strings.ToLower(t)
		for _, w := range words {
			if strings.Contains(lt, w) {
				return true
			}
		}
	}
	return false
}

// detectors find structural evidence of each feature in a crawl. They are
// written independently of the page builders, from the corpus vocabulary,
// and say nothing about how the analyzer works.
func detectors() map[string]func(e probeEnv, sc *siteCrawl) bool {
	nat := func(h string) bool {
		sys, ok := nationalHosts()[h]
		return ok && sys != "external"
	}
	return map[string]func(e probeEnv, sc *siteCrawl) bool{
		"contact": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return (strings.Contains(t, "telepon:") || strings.Contains(t, "telephone:")) && strings.Contains(t, "@"+domainOf(e.site))
		},
		"leadership": func(e probeEnv, sc *siteCrawl) bool {
			return sc.any("h2, h1") && strings.Contains(sc.text(), strings.ToLower(leaderName(e)))
		},
		"organisation": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return strings.Contains(t, "struktur organisasi") || strings.Contains(t, "how the council is organised")
		},
		"news": func(e probeEnv, sc *siteCrawl) bool { return dateRe.MatchString(sc.text()) },
		"regulations": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return strings.Contains(t, "peraturan daerah nomor") || strings.Contains(t, "byelaws")
		},
		"budget": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return strings.Contains(t, "belanja daerah") || strings.Contains(t, "budget 2026")
		},
		"public_info": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return strings.Contains(t, "keterbukaan informasi publik") || strings.Contains(t, "freedom of information act")
		},
		"service_info": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return strings.Contains(t, "persyaratan:") || strings.Contains(t, "requirements:")
		},
		"procurement": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return strings.Contains(t, "pagu (rp)") || strings.Contains(t, "hps (rp)") || strings.Contains(t, "value (£)") || strings.Contains(t, "value ($)")
		},
		"search": func(e probeEnv, sc *siteCrawl) bool { return sc.any(`form[role=search] input[type=search]`) },
		"complaint": func(e probeEnv, sc *siteCrawl) bool {
			// A link to the service, or its form right on the page (a
			// button that opens it in a modal).
			form := false
			for _, p := range sc.pages {
				p.doc.Find(`form[method=post]`).Each(func(_ int, f *goquery.Selection) {
					form = form || textMatch([]string{f.Text()}, "pengaduan", "complaint")
				})
			}
			return form || len(e.workingLinks(sc, func(u *url.URL, texts []string) bool {
				return textMatch(texts, "pengaduan", "complaint")
			})) > 0
		},
		"feedback_form": func(e probeEnv, sc *siteCrawl) bool { return sc.any(`form[method=post] textarea`) },
		"forms_download": func(e probeEnv, sc *siteCrawl) bool {
			return len(e.workingLinks(sc, func(u *url.URL, texts []string) bool {
				return strings.HasSuffix(u.Path, ".pdf") && formWord.MatchString(strings.ToLower(strings.Join(texts, " ")))
			})) > 0
		},
		"email_officials": func(e probeEnv, sc *siteCrawl) bool { return sc.any(`a[href^="mailto:"]`) },
		"chat":            func(e probeEnv, sc *siteCrawl) bool { return sc.any(`a[href^="https://wa.me/"]`) },
		"social": func(e probeEnv, sc *siteCrawl) bool {
			h := sc.linkHosts()
			return h["www.facebook.com"] || h["www.instagram.com"] || h["x.com"]
		},
		"survey": func(e probeEnv, sc *siteCrawl) bool {
			return sc.anyPage(func(p *fetched) bool {
				h1 := strings.ToLower(p.doc.Find("h1").Text())
				return p.doc.Find(`form input[type=radio]`).Length() >= 3 && (strings.Contains(h1, "survei") || strings.Contains(h1, "survey"))
			})
		},
		"subscribe": func(e probeEnv, sc *siteCrawl) bool {
			return len(e.workingLinks(sc, func(u *url.URL, texts []string) bool { return strings.HasSuffix(u.Path, "/rss.xml") })) > 0
		},
		"national_link": func(e probeEnv, sc *siteCrawl) bool {
			own := registrable(domainOf(e.site))
			return len(e.workingLinks(sc, func(u *url.URL, texts []string) bool {
				h := u.Hostname()
				// A listed national system, or another government's host.
				return nat(h) || strings.HasSuffix(h, ".go.id") && registrable(h) != own
			})) > 0
		},
		"agency_portal": func(e probeEnv, sc *siteCrawl) bool {
			hosts := map[string]bool{}
			for _, l := range e.workingLinks(sc, func(u *url.URL, texts []string) bool {
				return strings.HasSuffix(u.Hostname(), "."+domainOf(e.site)) && textMatch(texts, "dinas", "badan", "kecamatan", "inspektorat", "rumah sakit")
			}) {
				u, _ := url.Parse(l)
				hosts[u.Hostname()] = true
			}
			return len(hosts) >= 5
		},
		"sso": func(e probeEnv, sc *siteCrawl) bool {
			return len(e.workingLinks(sc, func(u *url.URL, texts []string) bool {
				if !textMatch(texts, "sso", "government id") || !strings.HasPrefix(u.Hostname(), "sso.") {
					return false
				}
				// The sign-in must end at a national identity provider with a password form.
				p, err := get(e.tb, e.c, u.String())
				if err != nil || p.doc == nil {
					return false
				}
				found := false
				p.doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
					h, _ := a.Attr("href")
					if v, err := url.Parse(h); err == nil && v.Hostname() == natSSO {
						q, err := get(e.tb, e.c, h)
						found = found || (err == nil && q.doc != nil && q.doc.Find("input[type=password]").Length() > 0)
					}
				})
				return found || u.Hostname() == natSSO
			})) > 0
		},
		"open_data": func(e probeEnv, sc *siteCrawl) bool {
			for _, l := range e.workingLinks(sc, func(u *url.URL, texts []string) bool {
				return u.Hostname() == natData || strings.HasPrefix(u.Hostname(), "data.")
			}) {
				u, _ := url.Parse(l)
				api := u.Scheme + "://" + u.Host + "/api/3/action/package_list"
				p, err := get(e.tb, e.c, api)
				if err != nil || p.status != http.StatusOK {
					continue
				}
				var v struct {
					Success bool     `json:"success"`
					Result  []string `json:"result"`
				}
				if json.Unmarshal([]byte(p.body), &v) == nil && v.Success && len(v.Result) > 0 {
					return true
				}
			}
			return false
		},
		"account": func(e probeEnv, sc *siteCrawl) bool {
			return sc.anyPage(func(p *fetched) bool {
				return !staffPage(p) && p.doc.Find(`form input[type=password]`).Length() > 0 &&
					(p.doc.Find(`input[name=nik]`).Length() > 0 || p.doc.Find(`input[type=email]`).Length() > 0)
			})
		},
		"apply_online": func(e probeEnv, sc *siteCrawl) bool {
			const upload = `form[enctype="multipart/form-data"][method=post] input[type=file]`
			if sc.any(upload) {
				return true
			}
			// Behind a button: the page its onclick opens takes applications.
			for _, to := range sc.onclickTargets() {
				if p, err := get(e.tb, e.c, to); err == nil && p.status == http.StatusOK && p.doc != nil && p.doc.Find(upload).Length() > 0 {
					return true
				}
			}
			// An embedded form that its heading says takes requests.
			return sc.anyPage(func(p *fetched) bool {
				found := false
				p.doc.Find("iframe[src]").Each(func(_ int, fr *goquery.Selection) {
					src, _ := fr.Attr("src")
					heading := strings.ToLower(fr.Closest("section").Find("h2").First().Text())
					if !strings.Contains(heading, "permohonan") && !strings.Contains(heading, "application") {
						return
					}
					q, err := get(e.tb, e.c, src)
					found = found || err == nil && q.status == http.StatusOK && q.doc != nil &&
						q.doc.Find(`form[method=post] input[type=text], form[method=post] textarea`).Length() > 0
				})
				return found
			})
		},
		"tracking": func(e probeEnv, sc *siteCrawl) bool { return sc.any(`form[method=get] input[name=nomor]`) },
		"payment": func(e probeEnv, sc *siteCrawl) bool {
			t := sc.text()
			return sc.any(`form.payment`) && (strings.Contains(t, "virtual account") || strings.Contains(t, "debit or credit card"))
		},
		"booking":    func(e probeEnv, sc *siteCrawl) bool { return sc.any(`form input[type=date]`) },
		"esignature": func(e probeEnv, sc *siteCrawl) bool { return sc.any(`form input[name=kode]`) },
		"viewport":   func(e probeEnv, sc *siteCrawl) bool { return sc.pages[0].doc.Find(`meta[name=viewport]`).Length() > 0 },
		"lang": func(e probeEnv, sc *siteCrawl) bool {
			l, ok := sc.pages[0].doc.Find("html").Attr("lang")
			return ok && l != ""
		},
		"privacy": func(e probeEnv, sc *siteCrawl) bool {
			return len(e.workingLinks(sc, func(u *url.URL, texts []string) bool { return textMatch(texts, "privasi", "privacy") })) > 0
		},
		"accessibility": func(e probeEnv, sc *siteCrawl) bool {
			return len(e.workingLinks(sc, func(u *url.URL, texts []string) bool { return textMatch(texts, "aksesibilitas", "accessibility") })) > 0
		},
	}
}

// registrable is the name a government registers under go.id (the last
// three labels: kota.go.id has many hosts); other names are their own.
func registrable(host string) string {
	if !strings.HasSuffix(host, ".go.id") {
		return host
	}
	l := strings.Split(host, ".")
	return strings.Join(l[max(0, len(l)-3):], ".")
}

// staffPage reports a login for staff, not citizens (rubric: "not staff,
// admin or webmail login"), by the page's path and title.
func staffPage(p *fetched) bool {
	u, err := url.Parse(p.url)
	t := strings.ToLower(p.doc.Find("title").Text())
	for _, w := range []string{"admin", "webmail", "pegawai", "operator", "wp-login"} {
		if err == nil && strings.Contains(strings.ToLower(u.Path), w) || strings.Contains(t, w) {
			return true
		}
	}
	return false
}

func domainOf(s Site) string {
	u, _ := url.Parse(s.Target.URL)
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// leaderName finds the head of government's name as the ground truth has it.
func leaderName(e probeEnv) string {
	for _, s := range e.f.sites {
		if s.pub.Target.ID == e.site.Target.ID {
			return s.spec.headName
		}
	}
	return "\x00"
}

// checkFeatures crawls a site and compares detected features with the
// claimed ones, both ways.
func checkFeatures(t *testing.T, f *Fleet, c *http.Client, s Site, maxPages int) *siteCrawl {
	t.Helper()
	sc := crawlSite(t, c, s, maxPages)
	if len(sc.pages) == 0 {
		t.Fatalf("%s: no page answered", s.Target.ID)
	}
	env := probeEnv{tb: t, c: c, f: f, site: s}
	for id, detect := range detectors() {
		got := detect(env, sc)
		want := s.Has(id)
		if got != want {
			t.Errorf("%s: feature %s detected=%v, ground truth=%v", s.Target.ID, id, got, want)
		}
	}
	return sc
}
