package egovbench

import (
	"fmt"
	"strings"
)

// Stage is a rung of the primary maturity scale used by the Indonesian
// studies this project comes from. The order matters: integration across
// agencies and national systems ranks below full electronic transactions.
type Stage int

// The stages, lowest first. StageNone means nothing could be assessed (the
// site was unreachable or showed no official content).
const (
	StageNone Stage = iota
	StagePresence
	StageInteraction
	StageIntegration
	StageTransaction
)

// Stages lists the assessable stages from lowest to highest.
var Stages = []Stage{StagePresence, StageInteraction, StageIntegration, StageTransaction}

var stageNames = [...]string{"none", "presence", "interaction", "integration", "transaction"}

// String returns the stable lower-case name used in the database and exports.
func (s Stage) String() string {
	if s < StageNone || int(s) >= len(stageNames) {
		return fmt.Sprintf("stage(%d)", int(s))
	}
	return stageNames[s]
}

// ParseStage reads a stage name as written by String.
func ParseStage(name string) (Stage, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, v := range stageNames {
		if v == n {
			return Stage(i), nil
		}
	}
	return StageNone, fmt.Errorf("unknown stage %q: %w", name, ErrInvalid)
}

// MarshalText makes stages appear by name in JSON and CSV.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Stage) UnmarshalText(b []byte) error {
	v, err := ParseStage(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
