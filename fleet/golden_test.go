package fleet

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// serveLocal runs one request through the fleet's handler in process.
func serveLocal(f *Fleet, tlsOn bool, method, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	rec := httptest.NewRecorder()
	f.handler(tlsOn).ServeHTTP(rec, req)
	return rec
}

func TestGoldenPages(t *testing.T) {
	f := startFleet(t, Options{Hostile: true, SlowDelay: 1})
	cases := []struct {
		name   string
		url    string
		status int
	}{
		{"kota-sentosa-home", "https://www.kotasentosa.go.id/", 200},
		{"kota-sentosa-apply", "https://sicantik.kotasentosa.go.id/permohonan", 200},
		{"kota-sentosa-complaint", "https://lapor.kotasentosa.go.id/", 200},
		{"kab-pantaicemara-home", "https://www.pantaicemarakab.go.id/", 200},
		{"kab-lembahhijau-contact", "http://www.lembahhijaukab.go.id/kontak", 200},
		{"gb-thornwickvale-home", "https://www.thornwickvale.gov.uk/", 200},
		{"kab-gunungasri-maintenance", "https://www.gunungasrikab.go.id/", 503},
		{"kab-padanglestari-home", "https://www.padanglestarikab.go.id/", 200},
		{"kab-padanglestari-pajak", "https://pajak.padanglestarikab.go.id/", 200},
		{"kab-rawabening-home", "https://www.rawabeningkab.go.id/", 200},
		{"kota-tanahpermai-sitemap", "https://www.tanahpermaikota.go.id/sitemap.xml", 200},
		{"kota-tanahpermai-package-list", "https://data.tanahpermaikota.go.id/api/3/action/package_list", 200},
		{"kec-mekarsari-home", "https://kecmekarsari.majumakmurkab.go.id/", 200},
		{"kec-bandarutara-home", "https://kecbandarutara.bandarsurikota.go.id/", 200},
		{"dispusip-bukitharapan-admin-login", "http://dispusip.bukitharapankab.go.id/admin/login", 200},
		{"disparbud-tanahpermai-contact", "https://disparbud.tanahpermaikota.go.id/kontak", 200},
		{"desa-sukamaju-home", "http://sukamaju.desa.id/", 200},
		{"diskominfo-sawahluhur-ppid", "https://diskominfo.sawahluhurkab.go.id/ppid", 200},
		{"diskominfo-sawahluhur-google-form", "https://docs.google.com/forms/d/e/" + ppidFormID + "/viewform?embedded=true", 200},
		{"dpmptsp-kepulauanselaras-home", "https://dpmptsp.kepulauanselaraskab.go.id/", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := serveLocal(f, strings.HasPrefix(tc.url, "https://"), http.MethodGet, tc.url)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			got := rec.Body.Bytes()
			path := filepath.Join("testdata", "golden", tc.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from %s; rerun with -update if the change is intended", tc.url, path)
			}
		})
	}
}

// TestHostileSiteCarriesHostileContent makes sure the hostile site really
// exercises what the reports must neutralise.
func TestHostileSiteCarriesHostileContent(t *testing.T) {
	f := startFleet(t, Options{Hostile: true})
	rec := serveLocal(f, true, http.MethodGet, "https://www.rawabeningkab.go.id/")
	body := rec.Body.String()
	for _, want := range []string{
		`alert("injected")</script>`, `onerror=`, `href="javascript:alert(`, "\u202e",
		`&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;`, // injected text that a report must escape again
	} {
		if !strings.Contains(body, want) {
			t.Errorf("hostile homepage lacks %q", want)
		}
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var title string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "title" && n.FirstChild != nil {
			title = n.FirstChild.Data
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !strings.Contains(title, "<script>") || utf8.RuneCountInString(title) < 3000 {
		t.Errorf("title is not hostile enough: %d runes", utf8.RuneCountInString(title))
	}
	if s, _ := f.Site("kab-rawabening"); s.Behaviour != BehaviourHostile {
		t.Error("hostile site missing from Sites")
	}
	if _, ok := startFleet(t, Options{}).Site("kab-rawabening"); ok {
		t.Error("hostile site present without Options.Hostile")
	}
}

// FuzzHandler feeds arbitrary hosts, paths and queries to the handler: the
// fleet must answer every request without panicking and with a status.
func FuzzHandler(f *testing.F) {
	fl, err := Start(f.Context(), Options{Hostile: true, SlowDelay: 1, Sites: 0})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { fl.Close() })
	hosts := []string{}
	for _, s := range fl.Sites() {
		hosts = append(hosts, s.Hosts...)
	}
	hosts = append(hosts, fl.NationalHosts()...)
	f.Add(uint16(0), "/", "", true, false)
	f.Add(uint16(3), "/berita/1-x", "q=1", false, true)
	f.Add(uint16(7), "/cari", "q=%3Cscript%3E", true, false)
	f.Add(uint16(11), "/api/3/action/package_show", "id=realisasi-apbd", true, false)
	f.Add(uint16(900), "/files/../../etc/passwd.pdf", "", true, true)
	f.Fuzz(func(t *testing.T, hi uint16, path, query string, tlsOn, post bool) {
		host := "unknown.example"
		if int(hi) < len(hosts) {
			host = hosts[hi]
		}
		req := httptest.NewRequest(http.MethodGet, "http://placeholder/", nil)
		req.Host = host
		req.URL.Path = "/" + strings.TrimPrefix(path, "/")
		req.URL.RawQuery = query
		if post {
			req.Method = http.MethodPost
			req.Body = http.NoBody
		}
		rec := httptest.NewRecorder()
		fl.handler(tlsOn).ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code == http.StatusOK && rec.Header().Get("Content-Type") == "" {
			t.Fatalf("200 without content type for %s%s", host, req.URL.Path)
		}
		if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(ct, "text/html") && !utf8.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid UTF-8 page for %s%s", host, req.URL.Path)
		}
	})
}
