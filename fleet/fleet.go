package fleet

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a fleet. The zero value starts the default hand-made fleet.
type Options struct {
	// Sites is the number of sites: 0 is the default hand-made fleet,
	// followed by the sites of classes.go that show the error classes of
	// issue 10; a number up to the size of the hand-made table keeps the
	// first rows of it (without those); a larger number generates that many
	// synthetic sites from Seed instead.
	Sites int
	// PagesPerSite is the number of HTML pages on each synthetic site's main
	// host reachable by links (default 20, at least 12).
	PagesPerSite int
	// Seed drives the synthetic variation; equal seeds give equal fleets.
	Seed int64
	// SlowDelay is how long slow sites wait before each answer (default
	// 300ms: slow enough to stand out in latency figures, short enough that
	// a 40-page crawl of the slow site keeps the demo well under a minute).
	SlowDelay time.Duration
	// RefDate is the date content is dated from (default 20 January 2026).
	RefDate time.Time
	// Faults mixes faulty sites into a synthetic fleet (about one in twelve:
	// down, slow, maintenance, blocked, dead service links). The default
	// fleet always has its hand-made faults.
	Faults bool
	// ScriptShare is the share (0 to 1) of a synthetic fleet's sites that
	// build their pages with script the way the default fleet's
	// script-built sites do: the menu fetched by script, a single-page app,
	// forms in script-built modals (on sites with a complaint form), about
	// evenly. They are drawn from a separate generator, so the other sites
	// are the same as without it. Rendering benchmarks use it; a static HTML
	// reader sees less of these sites than their TrueStage, and their
	// StaticStage is not labelled (StageNone).
	ScriptShare float64
	// Hostile adds a compromised site whose content carries markup
	// injection, javascript: URLs, huge strings and bidi controls.
	Hostile bool
	// Now is the fleet's clock: the phases in force and the dates of
	// content follow it. Nil keeps the fleet at RefDate, unchanging. The
	// demo moves it to replay a year in seconds; certificates still follow
	// the real clock, which TLS clients check them against.
	Now func() time.Time
	// Phases are stretches of sites' history in which they differ from
	// their rows (see Phase and DemoHistory); they need Now to move.
	Phases []Phase
}

// DefaultRefDate is the reference date of the fleet's content when
// Options.RefDate is zero.
func DefaultRefDate() time.Time { return time.Date(2026, time.January, 20, 9, 0, 0, 0, time.UTC) }

// Fleet is a running simulated fleet: one HTTP and one HTTPS listener on
// 127.0.0.1 serving every site by Host header and SNI.
type Fleet struct {
	opts     Options
	sites    []*site
	byHost   map[string]*site
	national map[string]string // host -> national system
	ca       *authority
	render   *renderer

	httpLn, httpsLn net.Listener
	httpSrv         *http.Server
	httpsSrv        *http.Server
	closedAddr      string // a loopback port nothing listens on, for down sites
	resolve         map[string]string
	wg              sync.WaitGroup
	closeOnce       sync.Once
}

// Start builds the fleet and starts serving. ctx bounds start-up only; call
// Close to stop.
func Start(ctx context.Context, opts Options) (*Fleet, error) {
	if opts.PagesPerSite == 0 {
		opts.PagesPerSite = 20
	}
	if opts.PagesPerSite < minSyntheticPages {
		return nil, fmt.Errorf("pages per site %d below %d", opts.PagesPerSite, minSyntheticPages)
	}
	if opts.Sites < 0 {
		return nil, fmt.Errorf("negative site count %d", opts.Sites)
	}
	if !(opts.ScriptShare >= 0 && opts.ScriptShare <= 1) {
		return nil, fmt.Errorf("script share %v: want 0 to 1", opts.ScriptShare)
	}
	if opts.ScriptShare > 0 && opts.Sites <= len(defaultSpecs()) {
		return nil, fmt.Errorf("script share needs a synthetic fleet (more than %d sites); the default fleet has its own script-built sites", len(defaultSpecs()))
	}
	if opts.SlowDelay == 0 {
		opts.SlowDelay = 300 * time.Millisecond
	}
	if opts.RefDate.IsZero() {
		opts.RefDate = DefaultRefDate()
	}
	f := &Fleet{opts: opts, byHost: map[string]*site{}, national: nationalHosts()}
	if err := f.build(); err != nil {
		return nil, err
	}
	if err := f.buildVariants(); err != nil {
		return nil, err
	}
	r, err := newRenderer()
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	f.render = r
	f.ca, err = newAuthority(time.Now(), f.certHost)
	if err != nil {
		return nil, err
	}

	var lc net.ListenConfig
	// A port that was bound and released: dialing it is refused, which is
	// how a down server looks. Another process could take it meanwhile; on
	// loopback with ephemeral ports that is rare and only makes the down
	// site answer differently, never reach outside.
	tmp, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("reserve closed port: %w", err)
	}
	f.closedAddr = tmp.Addr().String()
	tmp.Close()

	if f.httpLn, err = lc.Listen(ctx, "tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("listen http: %w", err)
	}
	rawTLS, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		f.httpLn.Close()
		return nil, fmt.Errorf("listen https: %w", err)
	}
	// Classic curves only: a post-quantum hybrid key share would double the
	// handshake cost, and few government servers offer one yet.
	f.httpsLn = tls.NewListener(rawTLS, &tls.Config{GetCertificate: f.ca.getCertificate, MinVersion: tls.VersionTLS12,
		CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}})
	// IdleTimeout bounds the keep-alive connections a crawl of thousands of
	// hosts leaves behind.
	f.httpSrv = &http.Server{Handler: f.handler(false), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, ErrorLog: discardLog()}
	f.httpsSrv = &http.Server{Handler: f.handler(true), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, ErrorLog: discardLog()}
	f.buildResolve()
	for _, p := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{f.httpSrv, f.httpLn}, {f.httpsSrv, f.httpsLn}} {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			_ = p.srv.Serve(p.ln) // returns http.ErrServerClosed on Close
		}()
	}
	return f, nil
}

// minSyntheticPages is the smallest page budget a synthetic site can fill:
// the homepage, the news index, one article and the core presence pages.
const minSyntheticPages = 12

// build creates the sites from the ground truth or the generator.
func (f *Fleet) build() error {
	var specs []siteSpec
	synthetic := false
	def := defaultSpecs()
	switch {
	case f.opts.Sites == 0:
		specs = def
	case f.opts.Sites <= len(def):
		specs = def[:f.opts.Sites]
	default:
		specs = syntheticSpecs(f.opts.Sites, f.opts.Seed, f.opts.Faults, f.opts.ScriptShare)
		synthetic = true
	}
	if f.opts.Hostile {
		specs = append(specs, hostileSpec())
	}
	if f.opts.Sites == 0 {
		// After the hostile site, so that every site of the hand-made
		// fleet keeps its position, and so its content.
		specs = append(specs, classSpecs()...)
		specs = append(specs, scriptSpecs()...)
	}
	for i, sp := range specs {
		news := 6
		if synthetic {
			news = 0
		}
		s := newSite(sp, synthetic, news)
		if synthetic {
			s = fitPages(s, f.opts.PagesPerSite)
		}
		s.idx = i
		for h := range s.hosts {
			if _, dup := f.byHost[h]; dup {
				return fmt.Errorf("host %s served twice", h)
			}
			if _, dup := f.national[h]; dup {
				return fmt.Errorf("host %s is a national system", h)
			}
			f.byHost[h] = s
		}
		f.sites = append(f.sites, s)
	}
	return nil
}

// certHost tells the CA which names it may issue for and which must expire.
func (f *Fleet) certHost(host string) (known, expired bool) {
	if _, ok := f.national[host]; ok {
		return true, false
	}
	s, ok := f.byHost[host]
	if !ok {
		return false, false
	}
	return true, s.spec.tls == TLSExpired
}

// Close stops both listeners and waits for the servers to return.
func (f *Fleet) Close() error {
	var err error
	f.closeOnce.Do(func() {
		err = errors.Join(f.httpSrv.Close(), f.httpsSrv.Close())
		f.wg.Wait()
	})
	return err
}

// HTTPAddr is the address of the plain HTTP listener.
func (f *Fleet) HTTPAddr() string { return f.httpLn.Addr().String() }

// HTTPSAddr is the address of the HTTPS listener.
func (f *Fleet) HTTPSAddr() string { return f.httpsLn.Addr().String() }

// Resolve maps "host:80" and "host:443" of every fleet host (sites,
// national systems and the social and chat hosts sites link to) to a
// loopback listener address. Ports of down sites, and port 443 of HTTP-only
// sites, map to a closed port so that dialing them is refused. The map is a
// copy; change it freely.
//
// One name the default fleet links is missing on purpose: lapor.go.id (see
// classes.go). A client must fail names missing from the map without asking
// DNS (crawler.Config.ResolveOnly, as DialContext does), or it would send
// that lookup off the machine; HandMadeSites gives a fleet without it.
func (f *Fleet) Resolve() map[string]string { return maps.Clone(f.resolve) }

func (f *Fleet) buildResolve() {
	m := make(map[string]string, 2*(len(f.byHost)+len(f.national)))
	for h, s := range f.byHost {
		httpAddr, httpsAddr := f.HTTPAddr(), f.HTTPSAddr()
		if s.spec.beh == BehaviourDown {
			httpAddr, httpsAddr = f.closedAddr, f.closedAddr
		}
		if s.spec.tls == TLSHTTPOnly {
			httpsAddr = f.closedAddr
		}
		m[h+":80"], m[h+":443"] = httpAddr, httpsAddr
	}
	for h := range f.national {
		m[h+":80"], m[h+":443"] = f.HTTPAddr(), f.HTTPSAddr()
	}
	f.resolve = m
}

// DialContext dials like net.Dialer but only to addresses listed by
// Resolve, so an HTTP client built on it can never leave the fleet.
func (f *Fleet) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	to, ok := f.resolve[addr]
	if !ok {
		// Shaped like a resolver's answer, as a crawler that may only
		// resolve the fleet's names reports it: a DNS error.
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.DNSError{Err: "no such host (not a fleet address)", Name: host, IsNotFound: true}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

// Client returns an HTTP client that reaches the fleet only: it dials through
// DialContext, trusts the fleet CA and does not follow redirects.
func (f *Fleet) Client() *http.Client {
	tr := &http.Transport{
		DialContext:         f.DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: f.CertPool(), MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 4,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// CertPool returns a pool holding the fleet's CA certificate.
func (f *Fleet) CertPool() *x509.CertPool { return f.ca.pool.Clone() }

// CACertPEM returns the fleet's CA certificate in PEM.
func (f *Fleet) CACertPEM() []byte { return bytes.Clone(f.ca.pem) }

// Sites returns the sites of the fleet in table order.
func (f *Fleet) Sites() []Site {
	out := make([]Site, len(f.sites))
	for i, s := range f.sites {
		out[i] = s.pub
		out[i].Features = append([]string(nil), s.pub.Features...)
		out[i].DeadFeatures = append([]string(nil), s.pub.DeadFeatures...)
		out[i].Hosts = append([]string(nil), s.pub.Hosts...)
	}
	return out
}

// Site returns the site with the target id.
func (f *Fleet) Site(id string) (Site, bool) {
	for _, s := range f.Sites() {
		if s.Target.ID == id {
			return s, true
		}
	}
	return Site{}, false
}

// NationalHosts lists the host names of the simulated national systems
// (LAPOR!, OSS, MPP Digital, Dukcapil, Satu Data, JDIHN, SSO), sorted.
// Resolve also covers stub social and chat hosts (wa.me, www.facebook.com,
// www.instagram.com, www.youtube.com, x.com) that answer 200 to anything,
// and docs.google.com, which serves the forms sites embed. The apex
// lapor.go.id is left out on purpose: looking it up fails.
func (f *Fleet) NationalHosts() []string {
	out := make([]string, 0, len(f.national))
	for h, sys := range f.national {
		if isNationalSystem(sys) {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return out
}

// TargetsCSV writes the fleet as a targets file with the header
// id,name,url,level,region,parent,country,lang.
func (f *Fleet) TargetsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "name", "url", "level", "region", "parent", "country", "lang"}); err != nil {
		return fmt.Errorf("write targets: %w", err)
	}
	for _, s := range f.sites {
		t := s.pub.Target
		if err := cw.Write([]string{t.ID, t.Name, t.URL, t.Level, t.Region, t.Parent, t.Country, t.Lang}); err != nil {
			return fmt.Errorf("write targets: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write targets: %w", err)
	}
	return nil
}

// String describes the fleet's listeners, for logs.
func (f *Fleet) String() string {
	return "fleet of " + strconv.Itoa(len(f.sites)) + " sites on http://" + f.HTTPAddr() + " and https://" + f.HTTPSAddr()
}

// hostOf strips the port and a trailing dot, and lower-cases.
func hostOf(hostport string) string {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
