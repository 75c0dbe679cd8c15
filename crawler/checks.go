package crawler

import (
	"context"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
)

// checkCache shares check pages across the crawls of one Crawler. Hundreds
// of regional sites link the same national services (lapor.go.id,
// oss.go.id); one answer per URL serves them all, and the national host
// is not asked hundreds of times in a run.
type checkCache struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	entries map[string]*checkEntry
}

type checkEntry struct {
	done chan struct{}
	page egovbench.Page
	ok   bool // false: the request was never sent; ask again
	at   time.Time
}

func newCheckCache(maxEntries int, ttl time.Duration) *checkCache {
	return &checkCache{max: maxEntries, ttl: ttl, entries: make(map[string]*checkEntry)}
}

// do returns the cached check of key, waiting for a fetch in flight, or
// runs fetch and caches what it brings. ok is false when no answer exists.
func (cc *checkCache) do(ctx context.Context, key string, fetch func() (egovbench.Page, bool)) (egovbench.Page, bool) {
	for {
		cc.mu.Lock()
		e := cc.entries[key]
		if e != nil && e.ok && time.Since(e.at) > cc.ttl {
			delete(cc.entries, key)
			e = nil
		}
		if e == nil {
			e = &checkEntry{done: make(chan struct{})}
			cc.evictLocked()
			cc.entries[key] = e
			cc.mu.Unlock()
			page, ok := fetch()
			cc.mu.Lock()
			e.page, e.ok, e.at = page, ok, time.Now()
			if !ok {
				delete(cc.entries, key)
			}
			close(e.done)
			cc.mu.Unlock()
			return page, ok
		}
		cc.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return egovbench.Page{}, false
		}
		if e.ok {
			return e.page, true
		}
		if ctx.Err() != nil {
			return egovbench.Page{}, false
		}
		// The fetch in flight was never sent; try it ourselves.
	}
}

func (cc *checkCache) evictLocked() {
	if len(cc.entries) < cc.max {
		return
	}
	for k, e := range cc.entries {
		select {
		case <-e.done:
			delete(cc.entries, k)
		default:
		}
		if len(cc.entries) < cc.max*3/4 {
			return
		}
	}
}
