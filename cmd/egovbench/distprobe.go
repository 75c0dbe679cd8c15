package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/dist"
	"github.com/egovbench/egovbench/store"
)

// probeHub is `probe --nats`: it publishes a probe task for every stored
// target once per interval, at the target's phase, and stores the samples
// probe workers send back, until ctx ends. It takes no lock on the
// database: a second probe hub on it creates no duplicate (tasks and
// samples carry the id target@slot, and samples are stored once), and a
// crawl hub or the schedule daemon may write meanwhile.
func probeHub(ctx context.Context, env *Env, db *store.DB, nf natsFlags, every time.Duration, until time.Time, settings probeSettings) error {
	cfg, err := nf.config()
	if err != nil {
		return err
	}
	var (
		mu    sync.Mutex
		known map[string]bool
	)
	targets := func(ctx context.Context) ([]egovbench.Target, error) {
		ts, err := db.Targets(ctx)
		if err != nil {
			return nil, err
		}
		m := make(map[string]bool, len(ts))
		for _, t := range ts {
			m[t.ID] = true
		}
		mu.Lock()
		known = m
		mu.Unlock()
		return ts, nil
	}
	// Samples may be waiting from before a restart: know the targets
	// before the first of them is stored.
	ts, err := targets(ctx)
	if err != nil {
		return err
	}
	var stored, dropped, degraded int64
	save := func(ctx context.Context, ps []egovbench.Probe, rounds []egovbench.DegradedRound) error {
		mu.Lock()
		kept := ps[:0:0]
		for _, p := range ps {
			if known[p.TargetID] {
				kept = append(kept, p)
			}
		}
		mu.Unlock()
		if n := len(ps) - len(kept); n > 0 {
			dropped += int64(n)
			env.Logger.Warn("probe hub: samples of targets no longer stored dropped", "samples", n)
		}
		np, nr, err := db.InsertProbesOnce(ctx, kept, rounds)
		if err != nil {
			return err
		}
		stored += int64(np)
		degraded += int64(nr)
		for _, r := range rounds {
			env.Logger.Warn("probe hub: a probe worker's own network failed; its probes not recorded", "probes", r.Targets, "reason", r.Reason)
		}
		return nil
	}
	host, _ := os.Hostname()
	nc, js, err := connectNATS(nf.url, fmt.Sprintf("egovbench probe hub pid %d on %s", os.Getpid(), host))
	if err != nil {
		return err
	}
	defer nc.Close()
	raw, err := json.Marshal(settings)
	if err != nil {
		return err
	}
	h := &dist.ProbeHub{JS: js, Config: cfg, Interval: every, Targets: targets, Save: save, Settings: raw, Until: until,
		Log: func(level slog.Level, msg string, args ...any) {
			env.Logger.Log(ctx, level, "probe hub: "+msg, args...)
		}}
	env.Logger.Info("probe hub: started", "nats", nf.url, "every", every, "targets", len(ts))
	err = h.Run(ctx)
	st := h.Stats()
	env.Logger.Info("probe hub: stopped", "tasks_published", st.Published, "tasks_republished", st.Republished,
		"samples_received", st.Received, "samples_stored", stored, "samples_dropped", dropped, "degraded_rounds", degraded,
		"tasks_missing", st.Missing)
	fmt.Fprintf(env.Stdout, "%d probe tasks published, %d samples stored, %d tasks without a sample (no data), %d degraded rounds\n",
		st.Published, stored, st.Missing, degraded)
	return err
}

// probeSettings are what makes a probe what it is: the probe hub's flags,
// carried in every task so that every probe worker probes alike.
type probeSettings struct {
	UserAgent      string       `json:"user_agent"`
	RequestTimeout jsonDuration `json:"request_timeout"`
	MaxPageBytes   int64        `json:"max_page_bytes"`
}

func probeSettingsOf(cfg crawler.Config) probeSettings {
	return probeSettings{UserAgent: cfg.UserAgent, RequestTimeout: jsonDuration(cfg.RequestTimeout), MaxPageBytes: cfg.MaxBytesPerPage}
}

// apply returns the worker's own configuration (egress, trust) with the
// hub's probe settings.
func (s probeSettings) apply(cfg crawler.Config) crawler.Config {
	cfg.UserAgent, cfg.RequestTimeout, cfg.ProbeTimeout, cfg.MaxBytesPerPage = s.UserAgent, time.Duration(s.RequestTimeout), 0, s.MaxPageBytes
	cfg.Render = crawler.RenderNever // a probe reads no page content
	return cfg
}

// probeWorker is `worker --probes`: it takes probe tasks and probes with
// the same prober as a local round, with the hub's settings, judging each
// flush period's probes with its own canaries as a local round is judged.
func probeWorker(ctx context.Context, env *Env, nf natsFlags, cf crawlFlags, canaries []string, flush time.Duration) error {
	cfg, err := nf.config()
	if err != nil {
		return err
	}
	local, err := cf.crawlerConfig()
	if err != nil {
		return err
	}
	// One crawler per settings seen (a hub restarted with other flags):
	// tasks of one setting share its connections.
	var (
		mu       sync.Mutex
		crawlers = map[string]*crawler.Crawler{}
	)
	defer func() {
		for _, cr := range crawlers {
			cr.Close()
		}
	}()
	crawlerFor := func(raw json.RawMessage) (*crawler.Crawler, error) {
		mu.Lock()
		defer mu.Unlock()
		if cr := crawlers[string(raw)]; cr != nil {
			return cr, nil
		}
		var s probeSettings
		if len(raw) == 0 {
			return nil, errors.New("the task carries no probe settings: its hub is of an earlier version than this worker")
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("the task's probe settings: %w", err)
		}
		cr, err := crawler.New(s.apply(local))
		if err != nil {
			return nil, fmt.Errorf("the task's probe settings: %w", err)
		}
		if len(crawlers) >= keepCrawlers {
			for k, old := range crawlers {
				old.Close()
				delete(crawlers, k)
				break
			}
		}
		crawlers[string(raw)] = cr
		return cr, nil
	}
	host, _ := os.Hostname()
	name := fmt.Sprintf("%s/%d", host, os.Getpid())
	nc, js, err := connectNATS(nf.url, "egovbench probe worker "+name)
	if err != nil {
		return err
	}
	defer nc.Close()
	var lastSettings json.RawMessage // the canaries are probed as the latest task was
	w := &dist.ProbeWorker{JS: js, Config: cfg, Slots: cf.workers, Flush: flush, Name: name,
		Probe: func(ctx context.Context, task dist.ProbeTask) (egovbench.Probe, error) {
			cr, err := crawlerFor(task.Settings)
			if err != nil {
				return egovbench.Probe{}, err
			}
			mu.Lock()
			lastSettings = task.Settings
			mu.Unlock()
			return cr.Probe(ctx, task.Target), nil
		},
		Log: func(level slog.Level, msg string, args ...any) {
			env.Logger.Log(ctx, level, "probe worker: "+msg, args...)
		}}
	if len(canaries) > 0 {
		w.Canaries = func(ctx context.Context) []egovbench.Probe {
			mu.Lock()
			raw := lastSettings
			mu.Unlock()
			cr, err := crawlerFor(raw)
			if err != nil {
				return nil // cannot happen for settings a batch was probed with; without canaries the majority rule judges
			}
			out := make([]egovbench.Probe, len(canaries))
			var wg sync.WaitGroup
			for i, u := range canaries {
				wg.Go(func() { out[i] = cr.Probe(ctx, egovbench.Target{ID: "canary", URL: u}) })
			}
			wg.Wait()
			return out
		}
	}
	env.Logger.Info("probe worker: started", "nats", nf.url, "slots", cf.workers, "canaries", len(canaries))
	err = w.Run(ctx)
	st := w.Stats()
	env.Logger.Info("probe worker: stopped", "probed", st.Probed, "sent", st.Sent, "stale_dropped", st.Stale,
		"degraded_batches", st.Degraded, "lost", st.Lost)
	return err
}
