package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Static serves saved websites (folders of files) on loopback, each under
// one or more host names, over HTTP and HTTPS with certificates from its own
// authority. It is how the validation set of real sites is crawled as a user
// would crawl it: a site's absolute links to its former hosts come back to
// the same folder, and every other name is left unresolved.
type Static struct {
	ca       *authority
	dirs     map[string]string // host -> folder
	httpLn   net.Listener
	httpsLn  net.Listener
	httpSrv  *http.Server
	httpsSrv *http.Server
	wg       sync.WaitGroup
}

// ServeStatic starts serving: hosts maps each host name (lower case, no
// port) to the folder served under it.
func ServeStatic(ctx context.Context, hosts map[string]string) (*Static, error) {
	s := &Static{dirs: map[string]string{}}
	for h, d := range hosts {
		s.dirs[strings.ToLower(h)] = d
	}
	var err error
	s.ca, err = newAuthority(time.Now(), func(host string) (bool, bool) {
		_, ok := s.dirs[host]
		return ok, false
	})
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	if s.httpLn, err = lc.Listen(ctx, "tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("listen http: %w", err)
	}
	rawTLS, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		s.httpLn.Close()
		return nil, fmt.Errorf("listen https: %w", err)
	}
	s.httpsLn = tls.NewListener(rawTLS, &tls.Config{GetCertificate: s.ca.getCertificate, MinVersion: tls.VersionTLS12})
	files := map[string]http.Handler{}
	for h, d := range s.dirs {
		files[h] = http.FileServer(http.Dir(d))
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		fs, ok := files[host]
		if !ok {
			http.Error(w, "unknown host", http.StatusMisdirectedRequest)
			return
		}
		fs.ServeHTTP(w, r)
	})
	s.httpSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog()}
	s.httpsSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog()}
	for _, p := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{s.httpSrv, s.httpLn}, {s.httpsSrv, s.httpsLn}} {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = p.srv.Serve(p.ln)
		}()
	}
	return s, nil
}

// Resolve maps host:80 and host:443 of every served name to the loopback
// listeners, in the form crawler.Config.Resolve takes.
func (s *Static) Resolve() map[string]string {
	m := make(map[string]string, 2*len(s.dirs))
	for h := range s.dirs {
		m[net.JoinHostPort(h, "80")] = s.httpLn.Addr().String()
		m[net.JoinHostPort(h, "443")] = s.httpsLn.Addr().String()
	}
	return m
}

// CertPool returns a pool holding the authority that signs the HTTPS names.
func (s *Static) CertPool() *x509.CertPool { return s.ca.pool.Clone() }

// Close stops both servers.
func (s *Static) Close() {
	s.httpSrv.Close()
	s.httpsSrv.Close()
	s.wg.Wait()
}
