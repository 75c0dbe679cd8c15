package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	// The daemon must understand Asia/Makassar and friends even on a
	// minimal server image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"

	"github.com/egovbench/egovbench"
)

// Config is the daemon's configuration file. Zero values are filled by
// DefaultConfig before the file is read, so a file only states what differs.
type Config struct {
	// Targets lists targets CSV files; relative paths are resolved against
	// the config file's directory by LoadConfig.
	Targets []string `yaml:"targets"`
	// Database is the SQLite file, resolved like Targets.
	Database string `yaml:"database"`
	// Timezone is the IANA zone the cron schedules fire in (Asia/Makassar,
	// Asia/Jakarta, Asia/Jayapura...). Default UTC.
	Timezone   string           `yaml:"timezone"`
	Crawl      CrawlConfig      `yaml:"crawl"`
	Probe      ProbeConfig      `yaml:"probe"`
	Budgets    BudgetConfig     `yaml:"budgets"`
	Politeness PolitenessConfig `yaml:"politeness"`
	// AllowPrivate lets targets resolve to private or loopback addresses
	// (only for tests and the simulated fleet).
	AllowPrivate bool `yaml:"allow_private"`
	// Resolve maps "host:port" to "ip:port", like curl --resolve: the
	// crawler and the probes connect there for that name, whatever DNS
	// says (the simulated fleet, or a site behind a known address).
	Resolve map[string]string `yaml:"resolve"`
	// CAFile is a PEM file of extra CA certificates to trust besides the
	// system roots (the simulated fleet's CA); resolved like Targets.
	CAFile      string              `yaml:"ca_file"`
	Report      ReportConfig        `yaml:"report"`
	Retention   RetentionConfig     `yaml:"retention"`
	Maintenance []MaintenanceConfig `yaml:"maintenance"`
	Alerts      AlertConfig         `yaml:"alerts"`
	HTTP        HTTPConfig          `yaml:"http"`

	// src remembers where each field was written, so that Validate can name
	// the line as well as the field.
	src *source
}

// CrawlConfig schedules the deep crawls.
type CrawlConfig struct {
	// Schedule is a cron expression or descriptor; default "0 2 * * *".
	Schedule string `yaml:"schedule"`
	// RunOnStart starts a crawl as soon as the daemon starts (the crawl job
	// resumes an interrupted run itself), instead of waiting for the next
	// scheduled time.
	RunOnStart bool `yaml:"run_on_start"`
	// Timeout bounds one crawl run; 0 means no limit beyond the per-site budget.
	Timeout Duration `yaml:"timeout"`
	// Render opens pages in headless Chromium: "never", "auto" (default:
	// the pages whose static HTML is a script shell) or "always", as the
	// crawl command's --render.
	Render string `yaml:"render"`
}

// ProbeConfig schedules the uptime probe rounds.
type ProbeConfig struct {
	// Schedule is a cron expression or "@every 5m"; default "@every 5m".
	Schedule string `yaml:"schedule"`
	// Jitter delays each round by a random amount in [0, Jitter) so that a
	// fleet of monitors does not hit shared hosting at the same second.
	Jitter Duration `yaml:"jitter"`
	// Timeout bounds each silence of a probed server (the wait for
	// headers, then every pause in the body); default 30s.
	Timeout Duration `yaml:"timeout"`
	// RunOnStart probes once at start-up; default true.
	RunOnStart bool `yaml:"run_on_start"`
	// Canaries are URLs that answer whenever the prober's own network
	// works (another network's well-kept sites, the upstream router's web
	// page). Probed with every round: when all of them fail with network
	// errors the round is the prober's fault, not the sites', and records
	// no outage, alert or downtime. Without canaries a round where most of
	// at least 4 targets fail with network errors is read the same way.
	Canaries []string `yaml:"canaries"`
}

// BudgetConfig bounds one deep crawl of one site.
type BudgetConfig struct {
	MaxPages        int      `yaml:"max_pages"`
	MaxDepth        int      `yaml:"max_depth"`
	MaxBytesPerPage ByteSize `yaml:"max_bytes_per_page"`
	SiteTimeout     Duration `yaml:"site_timeout"`
	// RequestTimeout bounds each silence of a crawled server: the wait for
	// response headers, then every pause in a body (not the whole body;
	// site_timeout bounds that). Default 20s. Probes use probe.timeout.
	RequestTimeout Duration `yaml:"request_timeout"`
}

// PolitenessConfig keeps the crawl kind to small government servers.
type PolitenessConfig struct {
	// Delay between two requests to the same host.
	Delay              Duration `yaml:"delay"`
	PerHostConcurrency int      `yaml:"per_host_concurrency"`
	// UserAgent must contain a contact URL (http(s):// or mailto:) so that a
	// webmaster can reach the analyst.
	UserAgent string `yaml:"user_agent"`
	// Workers is the number of sites crawled at once.
	Workers int `yaml:"workers"`
}

// ReportConfig says where reports go and when they are rebuilt.
type ReportConfig struct {
	// Out is the report directory, resolved like Targets; the HTTP listener
	// serves it at /.
	Out                  string `yaml:"out"`
	RegenerateAfterCrawl bool   `yaml:"regenerate_after_crawl"`
	// Lang is the report language: "id" or "en".
	Lang string `yaml:"lang"`
}

// RetentionConfig says how long data is kept.
type RetentionConfig struct {
	// RawProbes is how long individual probes are kept; default 90d.
	RawProbes Duration `yaml:"raw_probes"`
	// Rollups is how long hourly and daily rollups are kept; 0 (the default)
	// keeps them forever.
	Rollups Duration `yaml:"rollups"`
	// PruneSchedule is when the Prune job runs; default "@daily".
	PruneSchedule string `yaml:"prune_schedule"`
}

// MaintenanceConfig is one maintenance window, either one-off (Start and
// End) or recurring (Schedule and Duration). Probes inside a window do not
// count against uptime and do not raise "down" alerts.
type MaintenanceConfig struct {
	// Target is a target id, or "*" for all targets.
	Target string `yaml:"target"`
	// Start and End are RFC 3339 times or "2006-01-02 15:04" in the
	// configured time zone.
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// Schedule is a cron expression for the window's start, in the
	// configured time zone; Duration is how long each window lasts.
	Schedule string   `yaml:"schedule"`
	Duration Duration `yaml:"duration"`
}

// AlertConfig configures the webhook alerts.
type AlertConfig struct {
	// Webhook receives each event as a JSON POST; empty means events are
	// only logged and counted.
	Webhook string `yaml:"webhook"`
	// DownAfter is the number of consecutive failed probes that make a site
	// "down"; default 3.
	DownAfter   int  `yaml:"down_after"`
	OnRecovery  bool `yaml:"on_recovery"`
	OnStageDrop bool `yaml:"on_stage_drop"`
	// Timeout bounds one POST; default 10s.
	Timeout Duration `yaml:"timeout"`
	// MaxRetries is how often a failed POST (network error, 408, 425, 429,
	// 5xx) is retried before the event is marked failed; other answers are
	// not retried. Attempts and the queue are stored, so retries continue
	// across restarts. Default 100: with the default backoff, about eight
	// hours of a receiver being down.
	MaxRetries int `yaml:"max_retries"`
	// Backoff is the wait before the first retry, doubled for each next one
	// up to MaxBackoff; defaults 1s and 5m.
	Backoff    Duration `yaml:"backoff"`
	MaxBackoff Duration `yaml:"max_backoff"`
	// QueueSize bounds the events waiting to be sent (kept in the
	// database's alert_outbox); when it is full the oldest is dropped (and
	// counted) so that a dead receiver never blocks probing. Default 256.
	QueueSize int `yaml:"queue_size"`
	// AllowPrivate lets the webhook live on a private or loopback address
	// (an intranet chat server). By default webhook POSTs refuse the same
	// special-purpose ranges as crawls, on every redirect hop; the top-level
	// allow_private allows them too.
	AllowPrivate bool `yaml:"allow_private"`
	// Proxy is an http(s) proxy URL for webhook POSTs. Proxy environment
	// variables are ignored; only this setting sends alerts through a proxy.
	Proxy string `yaml:"proxy"`
}

// HTTPConfig configures the optional status listener.
type HTTPConfig struct {
	// Listen is a host:port such as 127.0.0.1:9090; empty disables it.
	Listen string `yaml:"listen"`
}

// DefaultConfig returns the configuration used for everything a file does
// not set.
func DefaultConfig() *Config {
	return &Config{
		Database: "egovbench.db",
		Timezone: "UTC",
		Crawl:    CrawlConfig{Schedule: "0 2 * * *", Render: "auto"},
		Probe: ProbeConfig{
			Schedule:   "@every 5m",
			Jitter:     Duration(30 * time.Second),
			Timeout:    Duration(30 * time.Second),
			RunOnStart: true,
		},
		Budgets: BudgetConfig{
			MaxPages:        200,
			MaxDepth:        3,
			MaxBytesPerPage: 5 << 20,
			SiteTimeout:     Duration(10 * time.Minute),
			RequestTimeout:  Duration(20 * time.Second),
		},
		Politeness: PolitenessConfig{
			Delay:              Duration(2 * time.Second),
			PerHostConcurrency: 1,
			Workers:            8,
		},
		Report: ReportConfig{Out: "report", RegenerateAfterCrawl: true, Lang: "id"},
		Retention: RetentionConfig{
			RawProbes:     Duration(90 * 24 * time.Hour),
			PruneSchedule: "@daily",
		},
		Alerts: AlertConfig{
			DownAfter:   3,
			OnRecovery:  true,
			OnStageDrop: true,
			Timeout:     Duration(10 * time.Second),
			MaxRetries:  100,
			Backoff:     Duration(time.Second),
			MaxBackoff:  Duration(5 * time.Minute),
			QueueSize:   256,
		},
	}
}

// FieldError is a configuration error tied to one field, and to the line of
// the file that set it when known. It matches egovbench.ErrInvalid.
type FieldError struct {
	File  string // config file name; empty for a Config built in code
	Line  int    // 1-based; 0 when unknown (field not in the file)
	Field string // dotted path, e.g. "probe.schedule" or "maintenance[1].end"
	Err   error
}

// Error reads like `config.yaml line 12: probe.schedule: bad cron expression "x": ...`.
func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s line %d: ", e.File, e.Line)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// Is makes every FieldError match egovbench.ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == egovbench.ErrInvalid }

// source maps dotted field paths to the lines that set them.
type source struct {
	file  string
	lines map[string]int
}

func (s *source) line(path string) int {
	if s == nil {
		return 0
	}
	return s.lines[path]
}

// pathAt returns the field path set on a line, preferring one whose last
// element is hint (the field an error message names) and else the deepest.
func (s *source) pathAt(line int, hint string) string {
	var best string
	for p, l := range s.lines {
		if l != line {
			continue
		}
		if hint != "" && (p == hint || strings.HasSuffix(p, "."+hint)) {
			return p
		}
		if len(p) > len(best) || (len(p) == len(best) && p < best) {
			best = p
		}
	}
	return best
}

// LoadConfig reads a YAML config file, fills defaults, resolves relative
// paths against the file's directory and validates it. Unknown fields are
// errors. Every error names the field and the line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseConfig(data, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	c.ResolvePaths(filepath.Dir(path))
	return c, nil
}

// ParseConfig decodes and validates a config; name is used in error
// messages. Paths are left as written (see ResolvePaths).
func ParseConfig(data []byte, name string) (*Config, error) {
	src := &source{file: name, lines: map[string]int{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, syntaxError(name, err))
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("parse %s: empty config: %w", name, egovbench.ErrInvalid)
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, &FieldError{File: name, Line: root.Content[0].Line, Err: errors.New("config must be a mapping of fields")}
	}
	collectLines(root.Content[0], "", src.lines)

	c := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, decodeError(src, err)
	}
	// A second document would be silently ignored; refuse it instead.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &FieldError{File: name, Line: extra.Line, Err: errors.New("only one YAML document is allowed")}
	}
	c.src = src
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

var lineRe = regexp.MustCompile(`^line (\d+): (.*)$`)
var unknownFieldRe = regexp.MustCompile(`^field (\S+) not found in type`)

// decodeError turns the yaml decoder's "line N: ..." messages into
// FieldErrors that name the field.
func decodeError(src *source, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("parse %s: %w", src.file, syntaxError(src.file, err))
	}
	var errs []error
	for _, msg := range te.Errors {
		fe := &FieldError{File: src.file, Err: errors.New(msg)}
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			fe.Line, _ = strconv.Atoi(m[1])
			text := m[2]
			hint := ""
			if u := unknownFieldRe.FindStringSubmatch(text); u != nil {
				hint = u[1]
				text = "unknown field"
			}
			fe.Field = src.pathAt(fe.Line, hint)
			fe.Err = errors.New(text)
		}
		errs = append(errs, fe)
	}
	return errors.Join(errs...)
}

// syntaxError marks a YAML syntax error as invalid input; yaml.v3 already
// puts the line in its message.
func syntaxError(name string, err error) error {
	return fmt.Errorf("%w (%w)", err, egovbench.ErrInvalid)
}

// collectLines records the line of every mapping key and sequence item under
// dotted paths such as "alerts.webhook" and "maintenance[0].start".
func collectLines(n *yaml.Node, prefix string, out map[string]int) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			if _, seen := out[p]; !seen {
				out[p] = k.Line
			}
			collectLines(v, p, out)
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			out[p] = v.Line
			collectLines(v, p, out)
		}
	}
}

// ResolvePaths makes relative target, database and report paths relative to
// dir (the config file's directory), so the daemon behaves the same
// whatever its working directory.
func (c *Config) ResolvePaths(dir string) {
	join := func(p string) string {
		if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "file:") || strings.HasPrefix(p, ":") {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i, t := range c.Targets {
		c.Targets[i] = join(t)
	}
	c.Database = join(c.Database)
	c.Report.Out = join(c.Report.Out)
	c.CAFile = join(c.CAFile)
}

// Location returns the configured time zone (UTC when unset or unknown;
// Validate reports an unknown zone).
func (c *Config) Location() *time.Location {
	if c.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

var contactRe = regexp.MustCompile(`(https?://|mailto:)[^\s;()<>]+`)

// Validate checks every field and returns all problems at once, each a
// *FieldError naming the field (and its line when the config came from a
// file). The result matches egovbench.ErrInvalid.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field string, format string, args ...any) {
		errs = append(errs, &FieldError{
			File:  c.srcFile(),
			Line:  c.src.line(field),
			Field: field,
			Err:   fmt.Errorf(format, args...),
		})
	}
	badErr := func(field string, err error) {
		errs = append(errs, &FieldError{File: c.srcFile(), Line: c.src.line(field), Field: field, Err: err})
	}

	if len(c.Targets) == 0 {
		bad("targets", "at least one targets file is required")
	}
	for i, t := range c.Targets {
		if strings.TrimSpace(t) == "" {
			bad(fmt.Sprintf("targets[%d]", i), "empty path")
		}
	}
	if strings.TrimSpace(c.Database) == "" {
		bad("database", "a database path is required")
	}
	for _, from := range sortedKeys(c.Resolve) {
		field := "resolve." + from
		if err := checkResolve(from, c.Resolve[from]); err != nil {
			badErr(field, err)
		}
	}
	loc := time.UTC
	if c.Timezone != "" {
		l, err := time.LoadLocation(c.Timezone)
		if err != nil {
			bad("timezone", "unknown time zone %q (use an IANA name such as Asia/Makassar)", c.Timezone)
		} else {
			loc = l
		}
	}
	if _, err := ParseSchedule(c.Crawl.Schedule, loc); err != nil {
		badErr("crawl.schedule", err)
	}
	if c.Crawl.Timeout < 0 {
		bad("crawl.timeout", "must not be negative")
	}
	switch c.Crawl.Render {
	case "never", "auto", "always":
	default:
		bad("crawl.render", "want never, auto or always, got %q", c.Crawl.Render)
	}
	ps, err := ParseSchedule(c.Probe.Schedule, loc)
	if err != nil {
		badErr("probe.schedule", err)
	}
	for i, cu := range c.Probe.Canaries {
		if u, err := url.Parse(cu); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(fmt.Sprintf("probe.canaries[%d]", i), "must be an http(s) URL, got %q", cu)
		}
	}
	if c.Probe.Jitter < 0 {
		bad("probe.jitter", "must not be negative")
	} else if iv, ok := EveryInterval(ps); ok && c.Probe.Jitter.Std() >= iv {
		bad("probe.jitter", "%s must be shorter than the probe interval %s", c.Probe.Jitter, Duration(iv))
	}
	if c.Probe.Timeout <= 0 {
		bad("probe.timeout", "must be positive")
	}
	if c.Budgets.MaxPages < 1 {
		bad("budgets.max_pages", "must be at least 1, got %d", c.Budgets.MaxPages)
	}
	if c.Budgets.MaxDepth < 0 {
		bad("budgets.max_depth", "must not be negative, got %d", c.Budgets.MaxDepth)
	}
	if c.Budgets.MaxBytesPerPage < 1024 {
		bad("budgets.max_bytes_per_page", "must be at least 1KiB, got %d", c.Budgets.MaxBytesPerPage)
	}
	if c.Budgets.SiteTimeout <= 0 {
		bad("budgets.site_timeout", "must be positive")
	}
	if c.Budgets.RequestTimeout <= 0 {
		bad("budgets.request_timeout", "must be positive")
	}
	if c.Politeness.Delay < 0 {
		bad("politeness.delay", "must not be negative")
	}
	if c.Politeness.PerHostConcurrency < 1 {
		bad("politeness.per_host_concurrency", "must be at least 1, got %d", c.Politeness.PerHostConcurrency)
	}
	if c.Politeness.Workers < 1 {
		bad("politeness.workers", "must be at least 1, got %d", c.Politeness.Workers)
	}
	if !validContact(c.Politeness.UserAgent) {
		bad("politeness.user_agent", "must contain a contact URL (https://... or mailto:...) so webmasters can reach you, got %q", c.Politeness.UserAgent)
	} else if strings.ContainsAny(c.Politeness.UserAgent, "\r\n") {
		bad("politeness.user_agent", "must be a single line")
	}
	if strings.TrimSpace(c.Report.Out) == "" {
		bad("report.out", "a report directory is required")
	}
	if c.Report.Lang != "id" && c.Report.Lang != "en" {
		bad("report.lang", "must be \"id\" or \"en\", got %q", c.Report.Lang)
	}
	if c.Retention.RawProbes <= 0 {
		bad("retention.raw_probes", "must be positive")
	}
	if c.Retention.Rollups < 0 {
		bad("retention.rollups", "must not be negative (0 keeps rollups forever)")
	} else if c.Retention.Rollups > 0 && c.Retention.Rollups < c.Retention.RawProbes {
		bad("retention.rollups", "%s is shorter than retention.raw_probes %s", c.Retention.Rollups, c.Retention.RawProbes)
	}
	if _, err := ParseSchedule(c.Retention.PruneSchedule, loc); err != nil {
		badErr("retention.prune_schedule", err)
	}
	compileWindows(c.Maintenance, loc, badErr)
	a := c.Alerts
	if a.Webhook != "" {
		if u, err := url.Parse(a.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("alerts.webhook", "must be an http(s) URL, got %q", a.Webhook)
		}
	}
	if a.Proxy != "" {
		if u, err := url.Parse(a.Proxy); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("alerts.proxy", "must be an http(s) URL, got %q", a.Proxy)
		}
	}
	if a.DownAfter < 1 {
		bad("alerts.down_after", "must be at least 1, got %d", a.DownAfter)
	}
	if a.Timeout <= 0 {
		bad("alerts.timeout", "must be positive")
	}
	if a.MaxRetries < 0 {
		bad("alerts.max_retries", "must not be negative, got %d", a.MaxRetries)
	}
	if a.Backoff <= 0 {
		bad("alerts.backoff", "must be positive")
	}
	if a.MaxBackoff < a.Backoff {
		bad("alerts.max_backoff", "must be at least alerts.backoff (%s)", a.Backoff)
	}
	if a.QueueSize < 1 {
		bad("alerts.queue_size", "must be at least 1, got %d", a.QueueSize)
	}
	if c.HTTP.Listen != "" {
		if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			bad("http.listen", "want host:port such as 127.0.0.1:9090, got %q", c.HTTP.Listen)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad("http.listen", "bad port in %q", c.HTTP.Listen)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// Report in file order so the analyst can fix the file top to bottom.
	// Fields the file did not set (line 0) come last.
	sort.SliceStable(errs, func(i, j int) bool {
		li, lj := errs[i].(*FieldError).Line, errs[j].(*FieldError).Line
		if li == 0 || lj == 0 {
			return lj == 0 && li != 0
		}
		return li < lj
	})
	return errors.Join(errs...)
}

func (c *Config) srcFile() string {
	if c.src == nil {
		return ""
	}
	return c.src.file
}

func validContact(ua string) bool {
	for _, m := range contactRe.FindAllString(ua, -1) {
		if strings.HasPrefix(m, "mailto:") {
			if strings.Contains(m, "@") {
				return true
			}
			continue
		}
		if u, err := url.Parse(m); err == nil && u.Host != "" {
			return true
		}
	}
	return false
}

// checkResolve checks one resolve entry: a host name and port to an IP
// address and port, as the crawler's --resolve takes them.
func checkResolve(from, to string) error {
	host, port, err := net.SplitHostPort(from)
	if err != nil || host == "" {
		return fmt.Errorf("%q is not HOST:PORT", from)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not 1-65535", from, port)
	}
	ip, port, err := net.SplitHostPort(to)
	if err != nil {
		return fmt.Errorf("%q is not IP:PORT", to)
	}
	if _, err := netip.ParseAddr(ip); err != nil {
		return fmt.Errorf("%q: %q is not an IP address", to, ip)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not 1-65535", to, port)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
