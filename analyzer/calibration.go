package analyzer

import (
	_ "embed"
	"encoding/json"
)

// Calibration is the measured agreement of a catalogue version with the
// reference labels of the calibration corpus (real government pages labelled
// by two independent readers). TestCalibration measures it on every test run
// and fails when calibration.json no longer says what it measures, so the
// figures shown in reports are always the ones the code achieves.
type Calibration struct {
	CatalogueVersion string `json:"catalogue_version"`
	Source           string `json:"source"`
	Pages            int    `json:"pages"`
	// Exact counts pages whose stage equals the reference; Adjacent those
	// within one stage (Exact included).
	Exact    int     `json:"exact"`
	Adjacent int     `json:"adjacent"`
	Kappa    float64 `json:"kappa"` // linearly weighted Cohen's kappa over the stages
	// Matrix counts pages by reference stage (row) and assessed stage
	// (column), indexed by egovbench.Stage.
	Matrix [5][5]int `json:"matrix"`
	// MinFeatureF1 is the lowest F1 over the features with at least five
	// positive examples.
	MinFeatureF1 float64 `json:"min_feature_f1"`
}

//go:embed calibration.json
var calibrationJSON []byte

// MeasuredCalibration returns the measured agreement of catalogue c with the
// reference labels. ok is false when c is not the catalogue that was
// measured (a user's catalogue, or a version not yet measured).
func MeasuredCalibration(c *Catalogue) (cal Calibration, ok bool) {
	if err := json.Unmarshal(calibrationJSON, &cal); err != nil {
		return Calibration{}, false
	}
	return cal, c != nil && c.embedded && cal.CatalogueVersion == c.Version()
}
