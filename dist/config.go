package dist

import (
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/net/publicsuffix"
)

// Defaults of Config.
const (
	DefaultPrefix = "egovbench"
	// DefaultShards is many more than the sites crawled at once in a
	// fleet of workers, so that keys hashed together rarely make a site
	// wait for another while slots are idle.
	DefaultShards     = 512
	DefaultLease      = time.Minute
	DefaultMaxDeliver = 3
	DefaultBatch      = 64
	// DefaultDuplicates is how long the server remembers a message id: a
	// job or result published again within it is dropped by the server.
	DefaultDuplicates = 24 * time.Hour
)

// Config names the streams and sets the knobs shared by hub and workers.
// Hub and workers must agree on Prefix and Shards; the hub creates the
// streams and consumers with Lease and MaxDeliver.
type Config struct {
	// Prefix starts every subject and stream name, so several projects
	// (or test runs) can share one server.
	Prefix string
	// Shards is the number of politeness shards: keys are hashed into
	// them, and each shard has one job in flight at most.
	Shards int
	// Lease is how long a worker may hold a job without a sign of life
	// (AckWait); workers renew it every Lease/3 while they work.
	Lease time.Duration
	// MaxDeliver bounds the attempts at one site; after the last the site
	// is recorded as failed with its reason.
	MaxDeliver int
	// Batch is how many results the hub drains at once.
	Batch int
	// Duplicates is the server's deduplication window for message ids.
	Duplicates time.Duration
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Shards <= 0 {
		c.Shards = DefaultShards
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.Duplicates <= 0 {
		c.Duplicates = DefaultDuplicates
	}
	return c
}

// Validate reports a Config that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if strings.ContainsAny(c.Prefix, ".*> \t\r\n") {
		return fmt.Errorf("prefix %q: a single subject token is needed (no dots, wildcards or spaces)", c.Prefix)
	}
	if c.Shards > 1000 {
		// The server's default limit of consumers per stream.
		return fmt.Errorf("shards %d: at most 1000", c.Shards)
	}
	if c.Lease < 500*time.Millisecond {
		return fmt.Errorf("lease %v: at least 500ms", c.Lease)
	}
	return nil
}

func (c Config) stream(kind string) string { return strings.ToUpper(c.Prefix) + "_" + kind }
func (c Config) jobsStream() string        { return c.stream("JOBS") }
func (c Config) resultsStream() string     { return c.stream("RESULTS") }
func (c Config) failuresStream() string    { return c.stream("FAILURES") }
func (c Config) shardName(i int) string    { return fmt.Sprintf("shard-%04d", i) }
func (c Config) shardToken(i int) string   { return fmt.Sprintf("%04d", i) }

// jobSubject is prefix.crawl.<shard>.<run>. The site is in the job, not
// in the subject: idle workers list the subjects that hold jobs to find
// work, and a listing of shards stays small where one of sites would grow
// with the fleet (it was most of the bytes through the server).
func (c Config) jobSubject(shard int, run int64) string {
	return fmt.Sprintf("%s.crawl.%s.%d", c.Prefix, c.shardToken(shard), run)
}

func (c Config) resultSubject(run int64) string { return fmt.Sprintf("%s.result.%d", c.Prefix, run) }

func (c Config) advisorySubject() string {
	return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + c.jobsStream() + ".*"
}

// msgID is the deterministic id of a site's job and of its result: the
// server drops a second publish of it within the Duplicates window.
func msgID(run int64, site string) string { return fmt.Sprintf("%d/%s", run, site) }

// parseJobSubject returns the run of a job subject.
func (c Config) parseJobSubject(subj string) (run int64, err error) {
	parts := strings.Split(subj, ".")
	if len(parts) != 4 || parts[0] != c.Prefix || parts[1] != "crawl" {
		return 0, fmt.Errorf("not a job subject: %q", subj)
	}
	if _, err := fmt.Sscan(parts[3], &run); err != nil {
		return 0, fmt.Errorf("job subject %q: run: %w", subj, err)
	}
	return run, nil
}

// KeyBy says which requests must not overlap: sites sharing a key are never
// crawled at once, anywhere in the fleet of workers.
type KeyBy string

// Politeness keys.
const (
	KeyDomain KeyBy = "domain" // registrable domain (a.pemda.go.id and b.pemda.go.id share pemda.go.id)
	KeyHost   KeyBy = "host"   // host name
)

// ParseKeyBy accepts "domain" or "host".
func ParseKeyBy(s string) (KeyBy, error) {
	switch KeyBy(s) {
	case KeyDomain, KeyHost:
		return KeyBy(s), nil
	}
	return "", fmt.Errorf("politeness key %q: want domain or host", s)
}

// Key returns the politeness key of a site URL.
func (k KeyBy) Key(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return rawURL // a URL the crawler will refuse: its own key, harmless
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if k == KeyHost || net.ParseIP(host) != nil {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

func (c Config) shardOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(c.Shards))
}

// Setup creates or updates the streams and consumers. The hub calls it;
// it is idempotent, so a restarted hub calls it again.
func Setup(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	streams := []jetstream.StreamConfig{
		{Name: cfg.jobsStream(), Subjects: []string{cfg.Prefix + ".crawl.>"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Duplicates: cfg.Duplicates},
		{Name: cfg.resultsStream(), Subjects: []string{cfg.Prefix + ".result.>"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Duplicates: cfg.Duplicates},
		// The server publishes the max-deliveries advisory on plain NATS;
		// a stream keeps it until the hub has recorded the failure.
		{Name: cfg.failuresStream(), Subjects: []string{cfg.advisorySubject()}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage},
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout+time.Duration(cfg.Shards)*time.Second)
	defer cancel()
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	// A restarted hub finds its consumers in place: one listing instead of
	// a request per shard.
	have := map[string]jetstream.ConsumerConfig{}
	if st, err := js.Stream(ctx, cfg.jobsStream()); err == nil {
		l := st.ListConsumers(ctx)
		for ci := range l.Info() {
			have[ci.Name] = ci.Config
		}
		if l.Err() != nil {
			clear(have) // not sure what exists: create or update them all
		}
	}
	// Hundreds of consumers, one request each: in parallel, or a hub's
	// start waits on as many round trips.
	err := parallel(cfg.Shards, func(i int) error {
		want := jetstream.ConsumerConfig{
			Durable:       cfg.shardName(i),
			FilterSubject: fmt.Sprintf("%s.crawl.%s.>", cfg.Prefix, cfg.shardToken(i)),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       cfg.Lease,
			MaxDeliver:    cfg.MaxDeliver,
			MaxAckPending: 1, // the politeness guarantee
			DeliverPolicy: jetstream.DeliverAllPolicy,
		}
		if got, ok := have[want.Durable]; ok && got.FilterSubject == want.FilterSubject && got.AckWait == want.AckWait &&
			got.MaxDeliver == want.MaxDeliver && got.MaxAckPending == 1 && got.AckPolicy == want.AckPolicy {
			return nil
		}
		_, err := js.CreateOrUpdateConsumer(ctx, cfg.jobsStream(), want)
		if err != nil {
			return fmt.Errorf("consumer %s: %w", cfg.shardName(i), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, cc := range []struct{ stream, name string }{{cfg.resultsStream(), "hub"}, {cfg.failuresStream(), "hub"}} {
		_, err := js.CreateOrUpdateConsumer(ctx, cc.stream, jetstream.ConsumerConfig{
			Durable:   cc.name,
			AckPolicy: jetstream.AckExplicitPolicy,
			// A result handed to a pull request that a server restart
			// cut off is sent again after this; a result acked late is
			// merely delivered twice and dropped by the hub.
			AckWait:       resultsAckWait,
			MaxAckPending: 4 * cfg.Batch,
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		if err != nil {
			return fmt.Errorf("consumer %s/%s: %w", cc.stream, cc.name, err)
		}
	}
	return nil
}

// apiTimeout bounds one request to the server: a request sent just as
// the connection dropped is never answered, and the caller must not wait
// for it longer than this.
const apiTimeout = 10 * time.Second

// resultsAckWait is the hub's lease on a batch of results.
const resultsAckWait = 15 * time.Second

func api(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, apiTimeout)
}

// parallel runs fn(0..n-1) on a few goroutines and returns the first error.
func parallel(n int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range min(n, 16) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
