package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/egovbench/egovbench"
)

// Jobs is the work the scheduler starts. Each function must return promptly
// once its ctx is cancelled, having committed or rolled back its work
// whole. A nil job is not scheduled; at least Crawl or Probe is required.
type Jobs struct {
	// Crawl runs one deep crawl of all targets, resuming an interrupted run itself.
	Crawl func(ctx context.Context) error
	// Probe runs one probe round over all targets and returns its probes,
	// which feed the metrics and the alerter.
	Probe func(ctx context.Context) ([]egovbench.Probe, error)
	// Report regenerates the report; run after each successful crawl when
	// report.regenerate_after_crawl is set.
	Report func(ctx context.Context) error
	// Prune applies the retention policy; run on retention.prune_schedule.
	Prune func(ctx context.Context) error
}

// Clock is the scheduler's source of time, injectable for tests.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the scheduler uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer {
	return realTimer{time.NewTimer(d)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// Option customises a Scheduler.
type Option func(*Scheduler)

// WithClock replaces the wall clock (tests).
func WithClock(c Clock) Option { return func(s *Scheduler) { s.clock = c } }

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Scheduler) { s.log = l } }

// WithRand sets the source of probe jitter; it is used from one goroutine
// only. The default is seeded randomly.
func WithRand(r *rand.Rand) Option { return func(s *Scheduler) { s.rand = r } }

// WithMetrics makes the scheduler record into m (so cmd can hand the same
// Metrics to its jobs before New).
func WithMetrics(m *Metrics) Option { return func(s *Scheduler) { s.metrics = m } }

// WithAlerter uses a instead of an alerter built from cfg.Alerts. The
// scheduler runs its delivery loop.
func WithAlerter(a *Alerter) Option { return func(s *Scheduler) { s.alerter = a } }

// WithAlerterOptions passes opts to the alerter New builds from cfg.Alerts
// (e.g. the guarded webhook client); ignored with WithAlerter.
func WithAlerterOptions(opts ...AlerterOption) Option {
	return func(s *Scheduler) { s.alerterOpts = append(s.alerterOpts, opts...) }
}

// WithListener serves the HTTP endpoints on ln instead of listening on
// cfg.HTTP.Listen (tests, socket activation). Run closes it.
func WithListener(ln net.Listener) Option { return func(s *Scheduler) { s.listener = ln } }

// Scheduler starts the jobs on their schedules until its context ends.
type Scheduler struct {
	cfg      *Config
	jobs     Jobs
	crawl    Schedule
	probe    Schedule
	prune    Schedule
	maint    *Maintenance
	clock    Clock
	log      *slog.Logger
	rand     *rand.Rand
	metrics  *Metrics
	alerter  *Alerter
	listener net.Listener

	alerterOpts []AlerterOption

	running  map[JobKind]*atomic.Bool
	inFlight sync.WaitGroup
	started  atomic.Bool
}

// New checks cfg and prepares a scheduler; nothing runs until Run.
func New(cfg *Config, jobs Jobs, opts ...Option) (*Scheduler, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new scheduler: nil config: %w", egovbench.ErrInvalid)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if jobs.Crawl == nil && jobs.Probe == nil {
		return nil, fmt.Errorf("new scheduler: neither a crawl nor a probe job: %w", egovbench.ErrInvalid)
	}
	loc := cfg.Location()
	s := &Scheduler{cfg: cfg, jobs: jobs, running: map[JobKind]*atomic.Bool{}}
	var err error
	if s.crawl, err = ParseSchedule(cfg.Crawl.Schedule, loc); err != nil {
		return nil, fmt.Errorf("crawl.schedule: %w", err)
	}
	if s.probe, err = ParseSchedule(cfg.Probe.Schedule, loc); err != nil {
		return nil, fmt.Errorf("probe.schedule: %w", err)
	}
	if s.prune, err = ParseSchedule(cfg.Retention.PruneSchedule, loc); err != nil {
		return nil, fmt.Errorf("retention.prune_schedule: %w", err)
	}
	if s.maint, err = cfg.MaintenanceWindows(); err != nil {
		return nil, err
	}
	for _, k := range jobKinds() {
		s.running[k] = new(atomic.Bool)
	}
	for _, o := range opts {
		o(s)
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.rand == nil {
		s.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if s.metrics == nil {
		s.metrics = newMetrics(s.clock.Now())
	}
	if s.alerter == nil {
		s.alerter = NewAlerter(cfg.Alerts, append([]AlerterOption{WithAlertLogger(s.log), WithAlertMetrics(s.metrics),
			WithMaintenance(s.maint), WithAlertClock(s.clock.Now)}, s.alerterOpts...)...)
	}
	return s, nil
}

// Metrics returns the metrics the scheduler records into; jobs may add to
// them (e.g. AddPages).
func (s *Scheduler) Metrics() *Metrics { return s.metrics }

// Alerter returns the alerter fed with every probe round; the crawl job
// should call its ObserveStages with the previous and new stages.
func (s *Scheduler) Alerter() *Alerter { return s.alerter }

// Maintenance returns the configured maintenance windows, to exclude them
// from uptime.
func (s *Scheduler) Maintenance() *Maintenance { return s.maint }

// Handler returns the HTTP handler Run serves: /healthz, /metrics and the
// report directory at /.
func (s *Scheduler) Handler() http.Handler { return NewHandler(s.metrics, s.cfg.Report.Out) }

// Run starts the HTTP listener (if configured), the alert delivery loop and
// one loop per scheduled job, and blocks until ctx is cancelled. It then
// starts no new work, cancels in-flight jobs through their ctx, waits for
// them to return, flushes alerts briefly, stops the listener and returns
// nil. It returns an error only when it cannot start (e.g. the listen
// address is taken).
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("scheduler: Run called twice")
	}
	ln := s.listener
	if ln == nil && s.cfg.HTTP.Listen != "" {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.HTTP.Listen); err != nil {
			return fmt.Errorf("http listen: %w", err)
		}
	}
	var srv *http.Server
	srvDone := make(chan struct{})
	if ln != nil {
		srv = &http.Server{
			Handler:           s.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      2 * time.Minute,
			IdleTimeout:       2 * time.Minute,
		}
		go func() {
			defer close(srvDone)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("http server stopped", "err", err)
			}
		}()
		if addr := ln.Addr(); loopback(addr) {
			s.log.Info("http listening", "addr", addr.String())
		} else {
			// /metrics and the report are meant for this machine; on any
			// other interface anyone who can reach it reads them.
			s.log.Warn("http listening on a non-loopback address: reachable from other machines",
				"addr", addr.String(), "configured", s.cfg.HTTP.Listen)
		}
	} else {
		close(srvDone)
	}

	// Alerts outlive the jobs so that events raised by the last rounds are
	// still delivered during shutdown.
	alertCtx, stopAlerts := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAlerts()
	alertDone := make(chan struct{})
	go func() {
		defer close(alertDone)
		if err := s.alerter.Run(alertCtx); err != nil {
			s.log.Error("alerter", "err", err)
		}
	}()

	var loops sync.WaitGroup
	if s.jobs.Crawl != nil {
		loops.Go(func() { s.loop(ctx, JobCrawl, s.crawl, 0, s.cfg.Crawl.RunOnStart, s.runCrawl) })
	}
	if s.jobs.Probe != nil {
		loops.Go(func() {
			s.loop(ctx, JobProbe, s.probe, s.cfg.Probe.Jitter.Std(), s.cfg.Probe.RunOnStart, s.runProbe)
		})
	}
	if s.jobs.Prune != nil {
		loops.Go(func() { s.loop(ctx, JobPrune, s.prune, 0, false, s.runPrune) })
	}
	s.log.Info("scheduler started", "timezone", s.cfg.Location().String(),
		"crawl", s.cfg.Crawl.Schedule, "probe", s.cfg.Probe.Schedule)

	<-ctx.Done()
	s.log.Info("scheduler stopping: waiting for running jobs")
	loops.Wait()
	s.inFlight.Wait()
	stopAlerts()
	<-alertDone
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
		<-srvDone
	}
	s.log.Info("scheduler stopped")
	return nil
}

// loopback reports whether a listener's address accepts connections from
// this machine only. ":9091" listens on the unspecified address, i.e. on
// every interface, so it is not.
func loopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// loop starts fn each time sched fires (plus jitter) until ctx ends.
// Activations are computed from the previous activation, not from the time
// a run was started, so jitter and slow wake-ups do not drift the schedule.
func (s *Scheduler) loop(ctx context.Context, kind JobKind, sched Schedule, jitter time.Duration, runOnStart bool, fn func(context.Context)) {
	if runOnStart && ctx.Err() == nil {
		s.trigger(ctx, kind, fn)
	}
	base := s.clock.Now()
	for {
		now := s.clock.Now()
		next := sched.Next(base)
		if !next.IsZero() && next.Before(now) {
			// Behind schedule (suspended machine, clock jump): resume from
			// now rather than firing a burst of missed activations.
			next = sched.Next(now)
		}
		if next.IsZero() {
			s.log.Warn("schedule never fires again", "job", string(kind))
			s.metrics.SetNext(kind, time.Time{})
			return
		}
		base = next
		at := next
		if jitter > 0 {
			at = at.Add(time.Duration(s.rand.Int64N(int64(jitter))))
		}
		s.metrics.SetNext(kind, at)
		if !s.sleepUntil(ctx, at) {
			return
		}
		s.trigger(ctx, kind, fn)
	}
}

func (s *Scheduler) sleepUntil(ctx context.Context, at time.Time) bool {
	d := at.Sub(s.clock.Now())
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := s.clock.NewTimer(d)
	select {
	case <-ctx.Done():
		t.Stop()
		return false
	case <-t.C():
		return ctx.Err() == nil
	}
}

// trigger starts fn in the background unless a run of the same kind is
// still going, in which case the activation is skipped and counted.
func (s *Scheduler) trigger(ctx context.Context, kind JobKind, fn func(context.Context)) {
	flag := s.running[kind]
	if !flag.CompareAndSwap(false, true) {
		s.metrics.JobSkipped(kind)
		s.log.Warn("previous run still in progress; skipping this one", "job", string(kind))
		return
	}
	s.inFlight.Go(func() {
		defer flag.Store(false)
		fn(ctx)
	})
}

func (s *Scheduler) runCrawl(ctx context.Context) {
	err := s.exec(ctx, JobCrawl, s.cfg.Crawl.Timeout.Std(), s.jobs.Crawl)
	if err != nil || !s.cfg.Report.RegenerateAfterCrawl || s.jobs.Report == nil || ctx.Err() != nil {
		return
	}
	flag := s.running[JobReport]
	if !flag.CompareAndSwap(false, true) {
		s.metrics.JobSkipped(JobReport)
		return
	}
	defer flag.Store(false)
	_ = s.exec(ctx, JobReport, 0, s.jobs.Report)
}

func (s *Scheduler) runProbe(ctx context.Context) {
	_ = s.exec(ctx, JobProbe, 0, func(ctx context.Context) error {
		probes, err := s.jobs.Probe(ctx)
		// A round cut short by shutdown is rolled back by the job; its
		// probes would also show sites as failing that were merely
		// interrupted, so they feed neither metrics nor alerts.
		if ctx.Err() == nil {
			s.metrics.ObserveProbes(probes)
			s.alerter.Observe(probes)
		}
		return err
	})
}

func (s *Scheduler) runPrune(ctx context.Context) { _ = s.exec(ctx, JobPrune, 0, s.jobs.Prune) }

// exec runs one job, records and logs its result. A panicking job is
// turned into an error so that one bad run does not kill the daemon.
func (s *Scheduler) exec(ctx context.Context, kind JobKind, timeout time.Duration, f func(context.Context) error) (err error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	start := s.clock.Now()
	s.metrics.JobStarted(kind, start)
	s.log.Info("job started", "job", string(kind))
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%s job panicked: %v", kind, r)
				s.log.Error("job panicked", "job", string(kind), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			}
		}()
		err = f(ctx)
	}()
	end := s.clock.Now()
	canceled := err != nil && ctx.Err() != nil
	s.metrics.JobFinished(kind, end, err, canceled)
	dur := end.Sub(start).Round(time.Millisecond).String()
	switch {
	case err == nil:
		s.log.Info("job finished", "job", string(kind), "duration", dur)
	case canceled:
		s.log.Warn("job canceled", "job", string(kind), "duration", dur, "err", err)
	default:
		s.log.Error("job failed", "job", string(kind), "duration", dur, "err", err)
	}
	return err
}
