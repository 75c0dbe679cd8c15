package crawler

import (
	"context"
	"sync"
	"time"
)

// hostGate is the politeness policy of a Crawler: per host, at most perHost
// requests in flight, and at least delay between the starts of two
// requests. With perHost 1 a slow server is never asked twice at once, and a
// fast one sees one request per delay: the crawl-delay convention, which
// keeps a crawl's wall time near pages x delay however slow the network.
// colly's LimitRule is one limit per rule, shared by every host it matches,
// so many sites crawled at once need this instead.
type hostGate struct {
	delay   time.Duration
	perHost int

	mu    sync.Mutex
	hosts map[string]*hostSlot
	calls int
}

type hostSlot struct {
	sem   chan struct{}
	next  time.Time // earliest start of the next request
	users int       // holders and waiters; the slot is kept while > 0
}

func newHostGate(delay time.Duration, perHost int) *hostGate {
	return &hostGate{delay: delay, perHost: max(perHost, 1), hosts: make(map[string]*hostSlot)}
}

// sweepEvery bounds the work of forgetting idle hosts, so the map does not
// grow with every host a long run has ever met.
const sweepEvery = 512

// acquire waits until host may be sent a request, or ctx ends. The caller
// must call release exactly once when the response body is done.
func (g *hostGate) acquire(ctx context.Context, host string) (release func(), err error) {
	g.mu.Lock()
	g.calls++
	if g.calls%sweepEvery == 0 {
		g.sweepLocked(time.Now())
	}
	s := g.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, g.perHost)}
		g.hosts[host] = s
	}
	s.users++
	g.mu.Unlock()

	leave := func() {
		g.mu.Lock()
		s.users--
		g.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	for {
		g.mu.Lock()
		now := time.Now()
		wait := s.next.Sub(now)
		if wait <= 0 {
			s.next = now.Add(g.delay)
			g.mu.Unlock()
			break
		}
		g.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-s.sem
			leave()
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			s.users--
			g.mu.Unlock()
			<-s.sem
		})
	}, nil
}

// holdOff keeps host idle until at least until (a Retry-After the server
// asked for). The sweep keeps a slot whose next start is in the future.
func (g *hostGate) holdOff(host string, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, g.perHost)}
		g.hosts[host] = s
	}
	if until.After(s.next) {
		s.next = until
	}
}

func (g *hostGate) sweepLocked(now time.Time) {
	for h, s := range g.hosts {
		if s.users == 0 && !s.next.After(now) {
			delete(g.hosts, h)
		}
	}
}

// size reports the hosts remembered, for tests of the sweep.
func (g *hostGate) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.hosts)
}
