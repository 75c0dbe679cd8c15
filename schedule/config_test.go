package schedule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func readExample(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadConfigExample(t *testing.T) {
	c, err := LoadConfig("testdata/example.yaml")
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if got, want := c.Targets, []string{filepath.Join("testdata", "targets", "sulsel.csv")}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("Targets = %q, want %q (resolved against the config's directory)", got, want)
	}
	if want := filepath.Join("testdata", "egovbench.db"); c.Database != want {
		t.Errorf("Database = %q, want %q", c.Database, want)
	}
	if want := filepath.Join("testdata", "report"); c.Report.Out != want {
		t.Errorf("Report.Out = %q, want %q", c.Report.Out, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"timezone", c.Location().String(), "Asia/Makassar"},
		{"crawl.schedule", c.Crawl.Schedule, "0 2 * * *"},
		{"probe.schedule", c.Probe.Schedule, "@every 5m"},
		{"probe.jitter", c.Probe.Jitter.Std(), 30 * time.Second},
		{"budgets.max_bytes_per_page", int64(c.Budgets.MaxBytesPerPage), int64(5 << 20)},
		{"budgets.site_timeout", c.Budgets.SiteTimeout.Std(), 10 * time.Minute},
		{"budgets.request_timeout", c.Budgets.RequestTimeout.Std(), 20 * time.Second},
		{"politeness.workers", c.Politeness.Workers, 8},
		{"retention.raw_probes", c.Retention.RawProbes.Std(), 90 * 24 * time.Hour},
		{"retention.rollups", c.Retention.Rollups.Std(), time.Duration(0)},
		{"report.lang", c.Report.Lang, "id"},
		{"report.regenerate_after_crawl", c.Report.RegenerateAfterCrawl, true},
		{"alerts.down_after", c.Alerts.DownAfter, 3},
		{"alerts.max_backoff", c.Alerts.MaxBackoff.Std(), 5 * time.Minute},
		{"http.listen", c.HTTP.Listen, "127.0.0.1:9090"},
		{"maintenance", len(c.Maintenance), 2},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	m, err := c.MaintenanceWindows()
	if err != nil {
		t.Fatal(err)
	}
	mks, _ := time.LoadLocation("Asia/Makassar")
	if !m.Active("anything", time.Date(2026, 12, 24, 23, 0, 0, 0, mks)) {
		t.Error("one-off window for * not active on 24 Dec 23:00 local")
	}
	// 2026-11-22 is a Sunday: the weekly window runs 01:00-03:00 local.
	if !m.Active("makassarkota", time.Date(2026, 11, 22, 2, 0, 0, 0, mks)) {
		t.Error("weekly window not active Sunday 02:00 local")
	}
	if m.Active("pareparekota", time.Date(2026, 11, 22, 2, 0, 0, 0, mks)) {
		t.Error("weekly window of makassarkota applied to another target")
	}
	if string(ExampleConfig()) != readExample(t) {
		t.Error("ExampleConfig differs from testdata/example.yaml")
	}
}

// resolve and ca_file let the daemon reach the simulated fleet (or a site
// behind a known address) without command-line flags.
func TestConfigResolveAndCAFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fleet.yaml")
	text := "targets: [targets.csv]\npoliteness: {user_agent: \"bot (+https://example.org/bot)\"}\nallow_private: true\nca_file: ca.pem\nresolve:\n  www.kotasentosa.go.id:443: 127.0.0.1:40443\n  \"[::1]:80\": \"[::1]:4080\"\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "ca.pem"); c.CAFile != want {
		t.Errorf("CAFile = %q, want %q (resolved against the config's directory)", c.CAFile, want)
	}
	if got := c.Resolve["www.kotasentosa.go.id:443"]; got != "127.0.0.1:40443" {
		t.Errorf("Resolve = %v", c.Resolve)
	}
	if got := c.Resolve["[::1]:80"]; got != "[::1]:4080" {
		t.Errorf("Resolve = %v", c.Resolve)
	}
}

func TestDefaultsFillUnsetFields(t *testing.T) {
	c, err := ParseConfig([]byte("targets: [a.csv]\npoliteness:\n  user_agent: \"bot (mailto:me@example.org)\"\n"), "min.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultConfig()
	if c.Probe.Schedule != d.Probe.Schedule || c.Alerts.DownAfter != 3 || !c.Alerts.OnRecovery ||
		c.Retention.RawProbes.Std() != 90*24*time.Hour || c.Retention.Rollups != 0 || c.Timezone != "UTC" {
		t.Errorf("defaults not applied: %+v", c)
	}
}

// lineOf returns the 1-based line of the first occurrence of s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in config", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestConfigErrorsNameFieldAndLine(t *testing.T) {
	base := readExample(t)
	cases := []struct {
		old, new string // replace old by new in the example
		field    string
		msg      string
	}{
		{`schedule: "@every 5m"`, `schedule: "*/5 * *"`, "probe.schedule", `bad cron expression "*/5 * *"`},
		{`schedule: "0 2 * * *"`, `schedule: "61 2 * * *"`, "crawl.schedule", "bad cron expression"},
		{`timezone: Asia/Makassar`, `timezone: Asia/Makasar`, "timezone", "unknown time zone"},
		{`jitter: 30s`, `jitter: 30x`, "probe.jitter", "bad duration"},
		{`jitter: 30s`, `jitter: 10m`, "probe.jitter", "shorter than the probe interval"},
		{`  jitter: 30s`, "  jitter: 30s\n  frequency: 5m", "probe.frequency", "unknown field"},
		{`max_pages: 200`, `max_pages: lots`, "budgets.max_pages", "cannot unmarshal"},
		{`max_pages: 200`, `max_pages: 0`, "budgets.max_pages", "at least 1"},
		{`max_bytes_per_page: 5MiB`, `max_bytes_per_page: 5 parsecs`, "budgets.max_bytes_per_page", "bad size unit"},
		{`site_timeout: 10m`, `site_timeout: 0s`, "budgets.site_timeout", "must be positive"},
		{`request_timeout: 20s`, `request_timeout: 0s`, "budgets.request_timeout", "must be positive"},
		{`canaries: []`, `canaries: ["ftp://example.org/"]`, "probe.canaries[0]", "http(s) URL"},
		{`per_host_concurrency: 1`, `per_host_concurrency: 0`, "politeness.per_host_concurrency", "at least 1"},
		{`user_agent: "egovbench/1.0 (+https://example.org/egovbench; research on regional e-government)"`, `user_agent: "egovbench/1.0"`, "politeness.user_agent", "contact URL"},
		{`lang: id`, `lang: fr`, "report.lang", `"id" or "en"`},
		{`raw_probes: 90d`, `raw_probes: 0s`, "retention.raw_probes", "must be positive"},
		{`rollups: 0s`, `rollups: 30d`, "retention.rollups", "shorter than retention.raw_probes"},
		{`prune_schedule: "30 3 * * *"`, `prune_schedule: "sometimes"`, "retention.prune_schedule", "bad cron expression"},
		{`end: "2026-12-25 02:00"`, `end: "2026-12-24 21:00"`, "maintenance[0].end", "after start"},
		{`start: "2026-12-24 22:00"`, `start: "Christmas"`, "maintenance[0].start", "bad time"},
		{`schedule: "0 1 * * 0"`, `schedule: "@every 1h"`, "maintenance[1].schedule", "not @every"},
		{`duration: 2h`, `duration: 2h` + "\n    start: \"2026-01-01 00:00\"", "maintenance[1].schedule", "not both"},
		{`webhook: https://chat.example.org/hooks/egovbench`, `webhook: ftp://chat.example.org/x`, "alerts.webhook", "http(s) URL"},
		{`proxy: ""`, `proxy: "socks5://127.0.0.1:1080"`, "alerts.proxy", "http(s) URL"},
		{`down_after: 3`, `down_after: 0`, "alerts.down_after", "at least 1"},
		{`max_retries: 100`, `max_retries: -1`, "alerts.max_retries", "negative"},
		{`max_backoff: 5m`, `max_backoff: 1ms`, "alerts.max_backoff", "at least alerts.backoff"},
		{`queue_size: 256`, `queue_size: 0`, "alerts.queue_size", "at least 1"},
		{`listen: 127.0.0.1:9090`, `listen: "9090"`, "http.listen", "host:port"},
		{`on_recovery: true`, `on_recovery: sometimes`, "alerts.on_recovery", "cannot unmarshal"},
		{"  - targets/sulsel.csv\n", "  - \"\"\n", "targets[0]", "empty path"},
		{`resolve: {}`, `resolve: {"www.kota.go.id:443": "localhost:8443"}`, "resolve.www.kota.go.id:443", "not an IP address"},
		{`resolve: {}`, `resolve: {"www.kota.go.id": "127.0.0.1:8443"}`, "resolve.www.kota.go.id", "not HOST:PORT"},
		{`resolve: {}`, `resolve: {"www.kota.go.id:443": "127.0.0.1:99999"}`, "resolve.www.kota.go.id:443", "not 1-65535"},
	}
	// Where the expected line is not the last line of the replacement.
	atLine := map[string]string{
		"maintenance[1].schedule/not both": `schedule: "0 1 * * 0"`,
		"targets[0]/empty path":            `  - ""`,
	}
	for _, tc := range cases {
		t.Run(tc.field+"/"+tc.new, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("example has no %q", tc.old)
			}
			text := strings.Replace(base, tc.old, tc.new, 1)
			_, err := ParseConfig([]byte(text), "bad.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			at := atLine[tc.field+"/"+tc.msg]
			if at == "" {
				lines := strings.Split(tc.new, "\n")
				at = lines[len(lines)-1]
			}
			line := lineOf(t, text, at)
			want := fmt.Sprintf("bad.yaml line %d: %s: ", line, tc.field)
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q\nwant it to contain %q and %q", err, want, tc.msg)
			}
			if !errors.Is(err, egovbench.ErrInvalid) {
				t.Errorf("error does not match ErrInvalid: %v", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.Line != line {
				t.Errorf("FieldError = %+v, want field %s line %d", fe, tc.field, line)
			}
		})
	}
}

func TestConfigReportsAllErrors(t *testing.T) {
	text := strings.NewReplacer("lang: id", "lang: fr", "down_after: 3", "down_after: 0").Replace(readExample(t))
	_, err := ParseConfig([]byte(text), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "report.lang") || !strings.Contains(err.Error(), "alerts.down_after") {
		t.Fatalf("want both errors, got %v", err)
	}
	if strings.Index(err.Error(), "report.lang") > strings.Index(err.Error(), "alerts.down_after") {
		t.Errorf("errors not in file order: %v", err)
	}
}

func TestConfigStructuralErrors(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"empty", "", "empty config"},
		{"comment only", "# nothing\n", "empty config"},
		{"not a mapping", "- a\n- b\n", "must be a mapping"},
		{"syntax", "targets: [a.csv\nprobe: {", "line"},
		{"two documents", "targets: [a.csv]\n---\ntargets: [b.csv]\n", "only one YAML document"},
		{"no targets", "database: x.db\npoliteness: {user_agent: \"b (https://e.org)\"}\n", "targets: at least one"},
		{"tab indent", "probe:\n\tschedule: x\n", "line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.text), "c.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !errors.Is(err, egovbench.ErrInvalid) {
				t.Errorf("not ErrInvalid: %v", err)
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "none.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := DefaultConfig()
	c.Targets = []string{"t.csv"}
	c.Politeness.UserAgent = "egovbench (+https://example.org/contact)"
	if err := c.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	c.Probe.Schedule = "*/5 * *"
	err := c.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), `probe.schedule: bad cron expression "*/5 * *": `) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5m", 5 * time.Minute, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"250ms", 250 * time.Millisecond, true},
		{"0", 0, true},
		{"-2d", -48 * time.Hour, true},
		{" 2h ", 2 * time.Hour, true},
		{"30", 0, false},
		{"", 0, false},
		{"d", 0, false},
		{"5x", 0, false},
		{"1e9d", 0, false},
		{"100000000h", 0, false},
		{"106000d100000h", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if s := Duration(48 * time.Hour).String(); s != "2d" {
		t.Errorf("String = %q", s)
	}
}

func TestParseByteSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"5MiB", 5 << 20, true},
		{"5MB", 5_000_000, true},
		{"512 KiB", 512 << 10, true},
		{"1.5m", 3 << 19, true},
		{"10 parsecs", 0, false},
		{"MB", 0, false},
		{"-5MB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(readExample(f))
	f.Add("targets: [a.csv]\nprobe: {schedule: '@every 1d', jitter: 1h}\n")
	f.Add("maintenance:\n  - {target: '*', schedule: '0 1 * * 0', duration: 2h}\n")
	f.Add("budgets: {max_bytes_per_page: 1.5GiB}\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseConfig([]byte(text), "fuzz.yaml")
		if err != nil {
			if !errors.Is(err, egovbench.ErrInvalid) {
				t.Fatalf("error does not match ErrInvalid: %v", err)
			}
			return
		}
		// Anything ParseConfig accepts must be usable.
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
		if _, err := c.MaintenanceWindows(); err != nil {
			t.Fatalf("accepted config has bad windows: %v", err)
		}
		if _, err := New(c, Jobs{Probe: func(context.Context) ([]egovbench.Probe, error) { return nil, nil }}); err != nil {
			t.Fatalf("accepted config refused by New: %v", err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5m", "90d", "1.5d2h", "-3d", "0", "1e3d", "1d1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		// Whatever is accepted must print back to the same value.
		back, err := ParseDuration(Duration(d).String())
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, Duration(d).String(), back, err)
		}
	})
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"5MiB", "1048576", "1.5 GB", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseByteSize(s)
		if err == nil && n < 0 {
			t.Fatalf("%q -> negative %d", s, n)
		}
	})
}

func BenchmarkParseConfig(b *testing.B) {
	data := []byte(readExample(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseConfig(data, "example.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
