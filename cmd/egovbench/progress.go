package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/egovbench/egovbench"
)

// progress tells the person waiting how a run goes: a bar on a terminal,
// one log line per site otherwise (cron mails, CI logs, journald).
type progress interface {
	start(total int)
	done(t egovbench.Target, snap egovbench.Snapshot, a egovbench.Assessment)
	finish()
}

// newProgress picks the bar when w is a terminal.
func newProgress(w io.Writer, logger *slog.Logger) progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{w: w}
	}
	return &logProgress{logger: logger}
}

type barProgress struct {
	w      io.Writer
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	pages  int
	errors int
}

func (p *barProgress) start(total int) {
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("crawling"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("sites"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *barProgress) done(t egovbench.Target, snap egovbench.Snapshot, a egovbench.Assessment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pages += len(snap.Pages)
	if !a.Reachable {
		p.errors++
	}
	p.bar.Describe(fmt.Sprintf("crawling (%d pages, %d down)", p.pages, p.errors))
	_ = p.bar.Add(1)
}

func (p *barProgress) finish() { _ = p.bar.Finish() }

type logProgress struct {
	logger *slog.Logger
	mu     sync.Mutex
	total  int
	n      int
	begun  time.Time
}

func (p *logProgress) start(total int) {
	p.total, p.begun = total, time.Now()
	p.logger.Info("crawl started", "sites", total)
}

func (p *logProgress) done(t egovbench.Target, snap egovbench.Snapshot, a egovbench.Assessment) {
	p.mu.Lock()
	p.n++
	n := p.n
	p.mu.Unlock()
	elapsed := time.Since(p.begun)
	eta := time.Duration(0)
	if n > 0 {
		eta = elapsed / time.Duration(n) * time.Duration(p.total-n)
	}
	p.logger.Info("site done",
		"target", t.ID, "outcome", string(snap.Probe.Outcome), "stage", a.Stage.String(),
		"score", fmt.Sprintf("%.1f", a.Score), "pages", len(snap.Pages),
		"done", n, "total", p.total, "eta", eta.Round(time.Second).String())
}

func (p *logProgress) finish() {}
