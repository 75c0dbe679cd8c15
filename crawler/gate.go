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
	// slow holds the hosts whose robots.txt asks for a Crawl-delay longer
	// than delay, until their robots.txt is due to be read again. It is
	// apart from hosts, whose idle slots are swept while a crawl goes on.
	slow map[string]crawlDelay
}

type crawlDelay struct {
	d     time.Duration
	until time.Time
}

type hostSlot struct {
	sem   chan struct{}
	next  time.Time // earliest start of the next request
	users int       // holders and waiters; the slot is kept while > 0
}

func newHostGate(delay time.Duration, perHost int) *hostGate {
	return &hostGate{delay: delay, perHost: max(perHost, 1), hosts: make(map[string]*hostSlot), slow: make(map[string]crawlDelay)}
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
			s.next = now.Add(g.delayLocked(host, now))
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

// setCrawlDelay makes d the least time between two requests to host until
// until (a robots.txt Crawl-delay, already capped by the caller), when it
// is longer than the gate's own delay.
func (g *hostGate) setCrawlDelay(host string, d time.Duration, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if d <= g.delay {
		delete(g.slow, host)
		return
	}
	g.slow[host] = crawlDelay{d: d, until: until}
}

// delayLocked is the least time between two requests to host.
func (g *hostGate) delayLocked(host string, now time.Time) time.Duration {
	if cd, ok := g.slow[host]; ok && now.Before(cd.until) {
		return max(g.delay, cd.d)
	}
	return g.delay
}

// nextStart is the earliest start of a request to host that the gate
// allows, given that the caller's last request to it ended at after: the
// delay (or the host's Crawl-delay) counted from after, or a Retry-After
// the host asked for, whichever is later. Counting from the end of the last
// request, not its start as acquire does, is what a caller handing the host
// on to another crawler (on another machine) needs: neither can see when
// the other's requests started.
func (g *hostGate) nextStart(host string, after time.Time) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	next := after.Add(g.delayLocked(host, after))
	if s := g.hosts[host]; s != nil && s.next.After(next) {
		next = s.next
	}
	return next
}

func (g *hostGate) sweepLocked(now time.Time) {
	for h, s := range g.hosts {
		if s.users == 0 && !s.next.After(now) {
			delete(g.hosts, h)
		}
	}
	for h, cd := range g.slow {
		if !now.Before(cd.until) {
			delete(g.slow, h)
		}
	}
}

// size reports the hosts remembered, for tests of the sweep.
func (g *hostGate) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.hosts)
}
