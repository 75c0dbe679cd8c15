package crawler

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// bodyLog records the bodies a server received.
type bodyLog struct {
	mu     sync.Mutex
	bodies []string
}

func (l *bodyLog) handler(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		l.bodies = append(l.bodies, r.Method+" "+r.URL.String()+" "+string(b))
		l.mu.Unlock()
		if next != nil {
			next(w, r)
		}
	}
}

func (l *bodyLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.bodies...)
}

func post(t *testing.T, c *http.Client, u, body string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// onlyLoopback4 refuses everything but 127.0.0.1, which plays the public
// receiver; so even a broken redirect policy sends nothing elsewhere.
func onlyLoopback4() *dialer {
	public := netip.MustParseAddr("127.0.0.1")
	return &dialer{timeout: 5 * time.Second, private: func(a netip.Addr) bool { return a.Unmap() != public }}
}

func TestClientRedirects(t *testing.T) {
	other := &bodyLog{}
	elsewhere := newServer(t, other.handler(nil))
	_, otherPort, _ := strings.Cut(hostAddr(t, elsewhere.URL), ":")
	got := &bodyLog{}
	recv := newServer(t, got.handler(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/hook", http.StatusPermanentRedirect)
		case "/to-other-host":
			http.Redirect(w, r, "http://localhost:"+otherPort+"/steal", http.StatusTemporaryRedirect)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
		case "/to-metadata-302":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		}
	}))
	c := newClient(ClientConfig{}, onlyLoopback4())

	// A same-host redirect is followed and the body posted again.
	resp, err := post(t, c, recv.URL+"/moved", `{"type":"down"}`)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("same-host redirect: %v", err)
	}
	if b := got.all(); len(b) != 2 || b[1] != `POST /hook {"type":"down"}` {
		t.Errorf("receiver saw %q", b)
	}
	for _, path := range []string{"/to-other-host", "/to-metadata", "/to-metadata-302"} {
		_, err := post(t, c, recv.URL+path, `{"type":"down"}`)
		if !errors.Is(err, errOtherHost) {
			t.Errorf("%s: err = %v, want the other-host refusal", path, err)
		}
	}
	if b := other.all(); len(b) != 0 {
		t.Errorf("another host received %q", b)
	}
}

func TestClientRefusesPrivate(t *testing.T) {
	got := &bodyLog{}
	recv := newServer(t, got.handler(nil))
	var connects int
	d := &dialer{timeout: 5 * time.Second, private: Refused, connected: func(string) error { connects++; return errWouldConnect }}
	c := newClient(ClientConfig{}, d)
	// A name on loopback, checked after resolution, and a literal address.
	_, port, _ := strings.Cut(hostAddr(t, recv.URL), ":")
	for _, u := range []string{recv.URL + "/hook", "http://localhost:" + port + "/hook", "http://[::ffff:169.254.169.254]/", "http://198.18.0.1/"} {
		if _, err := post(t, c, u, "{}"); !errors.Is(err, egovbench.ErrPrivateAddress) {
			t.Errorf("%s: err = %v, want ErrPrivateAddress", u, err)
		}
	}
	if connects != 0 || len(got.all()) != 0 {
		t.Errorf("%d connects, receiver got %q", connects, got.all())
	}
	// NewClient refuses the same way.
	if _, err := post(t, NewClient(ClientConfig{}), recv.URL+"/hook", "{}"); !errors.Is(err, egovbench.ErrPrivateAddress) {
		t.Errorf("NewClient: err = %v, want ErrPrivateAddress", err)
	}
	// Allowed when asked.
	if resp, err := post(t, NewClient(ClientConfig{AllowPrivate: true}), recv.URL+"/hook", "{}"); err != nil || resp.StatusCode != 200 {
		t.Errorf("AllowPrivate: %v", err)
	}
}

func TestClientProxy(t *testing.T) {
	viaProxy := &bodyLog{}
	proxy := newServer(t, viaProxy.handler(nil))
	got := &bodyLog{}
	recv := newServer(t, got.handler(nil))

	// The environment's proxy is ignored.
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	c := NewClient(ClientConfig{AllowPrivate: true})
	if tr := c.Transport.(*http.Transport); tr.Proxy != nil {
		t.Error("transport has a proxy function without one configured")
	}
	if _, err := post(t, c, recv.URL+"/hook", "a"); err != nil {
		t.Fatal(err)
	}
	if len(viaProxy.all()) != 0 || len(got.all()) != 1 {
		t.Errorf("proxy got %q, receiver %q", viaProxy.all(), got.all())
	}

	// A configured proxy is used, and dialled although it is on loopback:
	// the operator chose it. The destination is the proxy's to reach (this
	// one answers itself, so nothing leaves).
	pu, _ := url.Parse(proxy.URL)
	c = NewClient(ClientConfig{Proxy: pu})
	if _, err := post(t, c, "http://hooks.example.org/egovbench", "b"); err != nil {
		t.Fatal(err)
	}
	if b := viaProxy.all(); len(b) != 1 || b[0] != "POST http://hooks.example.org/egovbench b" {
		t.Errorf("proxy got %q", b)
	}
}
