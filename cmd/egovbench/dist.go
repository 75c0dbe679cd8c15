package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/dist"
	"github.com/egovbench/egovbench/store"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsFlags are the settings of the distributed mode shared by the hub
// (crawl --nats) and the workers.
type natsFlags struct {
	url        string
	prefix     string
	shards     int
	lease      time.Duration
	maxDeliver int
	key        string
}

func (f *natsFlags) register(fs *flag.FlagSet) {
	usage := "NATS server `URL`(s), comma-separated, to take crawl jobs from"
	if fs.Name() == "crawl" {
		usage = "NATS server `URL`(s), comma-separated: crawl through workers on many machines (egovbench worker)"
	}
	fs.StringVar(&f.url, "nats", "", usage)
	fs.StringVar(&f.prefix, "nats-prefix", dist.DefaultPrefix, "subject and stream prefix; one per database sharing a NATS server")
}

// registerHub adds the settings only the hub applies (it creates the
// streams and consumers with them).
func (f *natsFlags) registerHub(fs *flag.FlagSet) {
	fs.IntVar(&f.shards, "shards", dist.DefaultShards, "with --nats: politeness shards; one site of a shard is crawled at a time")
	fs.DurationVar(&f.lease, "lease", dist.DefaultLease, "with --nats: a job returns to the queue when its worker shows no sign of life for this long")
	fs.IntVar(&f.maxDeliver, "max-deliver", dist.DefaultMaxDeliver, "with --nats: attempts at one site before it is recorded as failed")
	fs.StringVar(&f.key, "politeness-key", string(dist.KeyDomain), "with --nats: sites sharing this are never crawled at once: domain (registrable domain) or host")
}

// validate checks the flags before anything is touched; a bad value is a
// usage error.
func (f *natsFlags) validate() error {
	if _, err := f.config(); err != nil {
		return usagef("%v", err)
	}
	if f.key != "" {
		if _, err := dist.ParseKeyBy(f.key); err != nil {
			return usagef("--politeness-key: %v", err)
		}
	}
	return nil
}

func (f *natsFlags) config() (dist.Config, error) {
	cfg := dist.Config{Prefix: f.prefix, Shards: f.shards, Lease: f.lease, MaxDeliver: f.maxDeliver}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("--nats: %w", err)
	}
	return cfg, nil
}

// connectNATS connects for good: the client reconnects for as long as the
// process lives, so a restarted server costs a pause, not the run.
func connectNATS(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
		nats.RetryOnFailedConnect(true), nats.ReconnectBufSize(64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	return nc, js, nil
}

// hubRun is `crawl --nats`: it prepares (or resumes) the run like a local
// crawl, queues the pending sites for the workers and stores their results,
// as the only writer of the database.
func hubRun(ctx context.Context, env *Env, db *store.DB, targets []egovbench.Target, resume bool, nf natsFlags) (summary, error) {
	sum := summary{Stages: map[egovbench.Stage]int{}}
	start := time.Now()
	cfg, err := nf.config()
	if err != nil {
		return sum, err
	}
	key, err := dist.ParseKeyBy(nf.key)
	if err != nil {
		return sum, fmt.Errorf("--politeness-key: %w", err)
	}
	host, _ := os.Hostname()
	release, err := db.AcquireLock(ctx, fmt.Sprintf("egovbench hub pid %d on %s", os.Getpid(), host), lockTTL)
	if err != nil {
		return sum, err
	}
	defer release()
	lockCtx, stopLock := context.WithCancel(ctx)
	defer stopLock()
	go func() {
		t := time.NewTicker(lockTTL / 4)
		defer t.Stop()
		for {
			select {
			case <-lockCtx.Done():
				return
			case <-t.C:
				if err := db.RefreshLock(lockCtx, lockTTL); err != nil && lockCtx.Err() == nil {
					env.Logger.Warn("hub: refresh lock", "err", err)
				}
			}
		}
	}()
	nc, js, err := connectNATS(nf.url, "egovbench hub")
	if err != nil {
		return sum, err
	}
	defer nc.Close()

	config, _ := json.Marshal(map[string]any{"mode": "nats", "nats_prefix": cfg.Prefix, "shards": nf.shards,
		"lease": nf.lease.String(), "max_deliver": nf.maxDeliver, "politeness_key": string(key)})
	r, stored, err := startRun(ctx, env, db, targets, string(config), resume)
	if err != nil {
		return sum, err
	}
	ids, err := db.PendingTargets(ctx, r.ID)
	if err != nil {
		return sum, fmt.Errorf("pending targets: %w", err)
	}
	failed, err := db.FailedTargets(ctx, r.ID)
	if err != nil {
		return sum, err
	}
	byID := make(map[string]egovbench.Target, len(stored))
	for _, t := range stored {
		byID[t.ID] = t
	}
	var pending []egovbench.Target
	for _, id := range ids {
		t, ok := byID[id]
		if !ok {
			return sum, fmt.Errorf("run %d lists target %q, which is not stored: %w", r.ID, id, egovbench.ErrNotFound)
		}
		if _, ok := failed[id]; !ok {
			pending = append(pending, t)
		}
	}
	prog := newProgress(env.Stderr, env.Logger)
	prog.start(len(pending))
	nFailed := 0
	save := func(ctx context.Context, res dist.Result) error {
		if res.Failed == "" && (res.Snapshot.TargetID != res.TargetID || res.Snapshot.RunID != r.ID) {
			res.Failed = fmt.Sprintf("result names target %q of run %d", res.Snapshot.TargetID, res.Snapshot.RunID)
		}
		if res.Failed == "" {
			err := db.SaveCrawl(ctx, res.Snapshot, res.Assessment)
			if err == nil {
				sum.add(res.Snapshot, res.Assessment)
				prog.done(byID[res.TargetID], res.Snapshot, res.Assessment)
				return nil
			}
			if !errors.Is(err, egovbench.ErrInvalid) {
				return err // the database: stop, the result is delivered again
			}
			res.Failed = "result refused by the store: " + err.Error()
		}
		nFailed++
		env.Logger.Warn("hub: site failed for good", "site", res.TargetID, "attempts", res.Attempts, "reason", res.Failed)
		return db.RecordCrawlFailure(ctx, r.ID, res.TargetID, res.Attempts, res.Failed)
	}
	hub := &dist.Hub{JS: js, Config: cfg, Save: save, Key: key,
		Log: func(level slog.Level, msg string, args ...any) { env.Logger.Log(ctx, level, "hub: "+msg, args...) }}
	st, err := hub.Run(ctx, r.ID, pending)
	prog.finish()
	sum.Duration = time.Since(start)
	per := int64(0)
	if n := st.Stored + st.Failed + st.Duplicates; n > 0 {
		per = st.WireBytes / int64(n)
	}
	env.Logger.Info("hub: done", "run", r.ID, "enqueued", st.Enqueued, "stored", st.Stored, "failed", st.Failed,
		"duplicates_dropped", st.Duplicates, "stale_dropped", st.Stale, "result_bytes", st.WireBytes, "result_bytes_per_site", per)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return sum, fmt.Errorf("run %d interrupted; `egovbench crawl --resume --nats ... --db ...` finishes it: %w", r.ID, err)
		}
		return sum, err
	}
	if nFailed > 0 {
		fmt.Fprintf(env.Stderr, "%d sites failed for good (see the crawl_failures table)\n", nFailed)
	}
	if err := db.FinishRun(context.WithoutCancel(ctx), r.ID, egovbench.RunDone); err != nil {
		return sum, fmt.Errorf("finish run: %w", err)
	}
	return sum, nil
}

// WorkerCommand takes crawl jobs from NATS, crawls and analyses each with
// the same code as a local crawl and sends the results to the hub. Run any
// number of them on any number of machines.
type WorkerCommand struct{ *Env }

// Run implements command.
func (c *WorkerCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "worker", "--nats URL [flags]")
	var (
		cf         crawlFlags
		lf         logFlags
		nf         natsFlags
		maxJobTime time.Duration
	)
	cf.register(fs)
	lf.register(fs)
	nf.register(fs)
	fs.DurationVar(&maxJobTime, "max-job-time", 0, "give a site back after this long (default: --site-timeout plus 1m)")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if nf.url == "" {
		return usagef("worker needs --nats URL")
	}
	if err := nf.validate(); err != nil {
		return err
	}
	if err := lf.setup(c.Env); err != nil {
		return err
	}
	cfg, err := nf.config()
	if err != nil {
		return err
	}
	ccfg, err := cf.crawlerConfig()
	if err != nil {
		return err
	}
	cat, err := loadCatalogue(cf.catalogue)
	if err != nil {
		return err
	}
	cr, err := crawler.New(ccfg)
	if err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	defer cr.Close()
	if why := cr.RenderFallback(); why != "" {
		c.Logger.Warn("worker: " + why)
	}
	if maxJobTime <= 0 {
		maxJobTime = ccfg.SiteTimeout + time.Minute
	}
	host, _ := os.Hostname()
	nc, js, err := connectNATS(nf.url, fmt.Sprintf("egovbench worker pid %d on %s", os.Getpid(), host))
	if err != nil {
		return err
	}
	defer nc.Close()
	w := &dist.Worker{JS: js, Config: cfg, Slots: cf.workers, Hold: ccfg.Delay, MaxJobTime: maxJobTime,
		Crawl: func(ctx context.Context, run int64, t egovbench.Target) (egovbench.Snapshot, egovbench.Assessment, error) {
			return crawlSite(ctx, cr, cat, run, t)
		},
		Log: func(level slog.Level, msg string, args ...any) { c.Logger.Log(ctx, level, "worker: "+msg, args...) }}
	c.Logger.Info("worker: started", "nats", nf.url, "slots", cf.workers)
	// A stop signal is how a worker is meant to end: jobs in hand go back
	// to the queue, and that is a clean exit.
	return w.Run(ctx)
}
