package egovbench

import "time"

// Rollup summarises the probes of one target over one bucket of time (an hour
// or a UTC day). Rollups are kept for years after the raw probes are gone.
type Rollup struct {
	TargetID string    `json:"target_id"`
	Start    time.Time `json:"start"` // bucket start, UTC
	Checks   int       `json:"checks"`
	// Successes counts ok probes; Blocked counts blocked probes, which are
	// excluded from both uptime figures.
	Successes int `json:"successes"`
	Blocked   int `json:"blocked"`
	// UpTime and DownTime are time-weighted: each probe's outcome is taken to
	// hold until the next probe (capped), so a changed interval does not skew uptime.
	UpTime   time.Duration `json:"up_time"`
	DownTime time.Duration `json:"down_time"`
	// Latency over ok probes: sum (for means), min, max and p50/p95 estimates.
	LatencySum time.Duration `json:"latency_sum"`
	LatencyMin time.Duration `json:"latency_min"`
	LatencyMax time.Duration `json:"latency_max"`
	// LatencyP50 is the estimated median, the typical response time: unlike
	// the mean it is not dragged up by a few very slow probes. Zero when there
	// were no ok probes.
	LatencyP50 time.Duration `json:"latency_p50"`
	LatencyP95 time.Duration `json:"latency_p95"`
}

// CheckUptime is the share of counted checks that succeeded, 0-1; NaN-free:
// it returns ok=false when there were no counted checks.
func (r Rollup) CheckUptime() (float64, bool) {
	n := r.Checks - r.Blocked
	if n <= 0 {
		return 0, false
	}
	return float64(r.Successes) / float64(n), true
}

// TimeUptime is the time-weighted availability, 0-1; ok=false when no time was observed.
func (r Rollup) TimeUptime() (float64, bool) {
	t := r.UpTime + r.DownTime
	if t <= 0 {
		return 0, false
	}
	return float64(r.UpTime) / float64(t), true
}

// Outage is an interval during which a target was down, with its cause.
type Outage struct {
	TargetID string    `json:"target_id"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"` // zero while the outage goes on
	Cause    Outcome   `json:"cause"`
}

// DegradedRound is a probe round discarded because it measured the
// prober's own network, not the sites (see RoundDegraded): its probes open
// no outage, raise no alert and count in no uptime figure.
type DegradedRound struct {
	At      time.Time `json:"at"`      // earliest probe of the round, UTC
	Targets int       `json:"targets"` // targets probed
	Failed  int       `json:"failed"`  // of them, failed with a network-class outcome
	Reason  string    `json:"reason"`
}
