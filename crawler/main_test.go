package crawler

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
)

// fleetEnv, when set in the environment, turns the test binary into the
// loopback fleet server for the benchmarks: running it in a child process
// keeps the server's CPU out of the crawler's measurement.
const fleetEnv = "EGOVBENCH_CRAWLER_FLEET_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(fleetEnv) != "" {
		os.Exit(serveFleet())
	}
	os.Exit(m.Run())
}

// fleetPages is the number of pages of every simulated site, home included.
const fleetPages = 20

// fleetPaths are the paths of a simulated site; index 0 is the homepage.
func fleetPaths() []string {
	paths := []string{"/"}
	names := []string{"layanan", "ppid", "pengaduan", "perizinan", "profil", "visi-misi", "struktur", "berita",
		"agenda", "galeri", "kontak", "data", "transparansi", "regulasi", "pengumuman", "opd", "kecamatan", "wisata", "faq"}
	for _, n := range names[:fleetPages-1] {
		paths = append(paths, "/"+n)
	}
	return paths
}

// fleetPage renders one page of a simulated regional government site:
// a menu linking every page, external links that are not services, and
// about 25 kB of text, like a typical portal page.
func fleetPage(title string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>%s - Pemerintah Kabupaten</title>`, title)
	b.WriteString(`<link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js"></script></head><body><header><nav><ul>`)
	for _, p := range fleetPaths() {
		fmt.Fprintf(&b, `<li class="menu-item"><a href="%s" class="nav-link">%s</a></li>`, p, strings.Trim(p, "/"))
	}
	b.WriteString(`</ul></nav></header><main><article>`)
	for i := range 60 {
		fmt.Fprintf(&b, `<section id="s%d"><h2>Bagian %d</h2><p>Pemerintah daerah berkomitmen meningkatkan kualitas tata kelola `+
			`pemerintahan yang bersih, transparan dan akuntabel melalui pemanfaatan teknologi informasi bagi seluruh masyarakat. `+
			`<a href="/berita#s%d">Baca selengkapnya</a></p><img src="/img/%d.jpg" alt="foto %d"></section>`, i, i, i, i, i)
	}
	b.WriteString(`</article></main><footer><a href="https://kemendagri.go.id/">Kementerian Dalam Negeri</a>` +
		`<a href="https://www.instagram.com/pemkab">Instagram</a><a href="https://youtube.com/pemkab">YouTube</a>` +
		`<p>&copy; 2026 Pemerintah Kabupaten</p></footer></body></html>`)
	return []byte(b.String())
}

// serveFleet serves every simulated site on one loopback listener (sites
// are told apart by name only), prints the address, and stops when its
// parent closes stdin.
func serveFleet() int {
	pages := map[string][]byte{}
	for _, p := range fleetPaths() {
		pages[p] = fleetPage(strings.Trim(p, "/"))
	}
	robots := []byte("User-agent: *\nDisallow: /admin/\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(robots)
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	})}
	go srv.Serve(ln)
	fmt.Println("ADDR", ln.Addr().String())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	srv.Close()
	return 0
}
