package egovbench

import "time"

// AlertState is what the daemon's alerter remembers about one target between
// probe rounds and across restarts, so that a restarted daemon neither
// announces again a state it already announced nor forgets an outage whose
// recovery is still to be announced.
type AlertState struct {
	TargetID string
	// Failures counts the consecutive failed probes of the current streak.
	Failures int
	// Since is the time of the streak's first failed probe; zero when none.
	Since time.Time
	// Down is true once "down" was announced, until "recovered" is.
	Down bool
	// LastProbe is the time of the newest probe seen; older ones are ignored.
	LastProbe time.Time
	// Stage is the stage last compared for stage drops; StageKnown is false
	// before the first comparison.
	Stage      Stage
	StageKnown bool
}

// AlertStatus is where an alert is in its delivery.
type AlertStatus string

// Alert delivery statuses.
const (
	AlertPending   AlertStatus = "pending"   // not yet accepted by the receiver
	AlertDelivered AlertStatus = "delivered" // the receiver answered 2xx
	AlertFailed    AlertStatus = "failed"    // refused for good (4xx) or out of retries
	AlertDropped   AlertStatus = "dropped"   // pushed out of a full queue
)

// Alert is one event queued for the webhook: its body is posted as is, and
// Key, also inside the body, lets the receiver drop a repeated delivery.
type Alert struct {
	Key      string
	Type     string
	TargetID string
	// Body is the JSON posted.
	Body      []byte
	CreatedAt time.Time
	Status    AlertStatus
	// Attempts counts the POSTs made so far, across restarts.
	Attempts int
	// NextAttempt is when a pending alert may be tried again.
	NextAttempt time.Time
	LastError   string
}
