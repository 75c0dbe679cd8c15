package analyzer

import (
	_ "embed"
	"encoding/json"
	"math"

	"github.com/egovbench/egovbench"
)

// Calibration is the measured agreement of a catalogue version with the
// reference labels of the calibration corpus (real government pages labelled
// by two independent readers). TestCalibration measures it on every test run
// and fails when calibration.json no longer says what it measures, so the
// figures shown in reports are always the ones the code achieves.
type Calibration struct {
	CatalogueVersion string `json:"catalogue_version"`
	Source           string `json:"source"`
	SourceID         string `json:"source_id"` // Source in Indonesian
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
	// MaxDistance is the largest gap, in stages, between an assessed stage
	// and its reference.
	MaxDistance int `json:"max_distance"`
	// Features gives precision and recall per rubric feature.
	Features []FeatureAgreement `json:"features,omitempty"`
}

// FeatureAgreement is the agreement on one rubric feature: how often the
// analyzer found it where the readers did (recall) and was right when it
// found it (precision). Support counts the reference's positive examples.
type FeatureAgreement struct {
	Feature   string  `json:"feature"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
	Found     int     `json:"found"` // times the analyzer met it
}

//go:embed calibration.json
var calibrationJSON []byte

// validationJSON is the measured agreement on the validation set: whole
// real websites no rule was written while looking at. It is the accuracy to
// publish; the calibration figure is only a regression guard. cmd/egovbench
// TestValidation measures it through a real crawl and fails when this file
// no longer says what it measures.
//
//go:embed validation.json
var validationJSON []byte

// MeasuredValidation returns the measured agreement of catalogue c on the
// validation set; ok is false when c is not the catalogue measured.
func MeasuredValidation(c *Catalogue) (cal Calibration, ok bool) {
	if err := json.Unmarshal(validationJSON, &cal); err != nil {
		return Calibration{}, false
	}
	return cal, c != nil && c.embedded && cal.CatalogueVersion == c.Version()
}

// ValidationJSON is the embedded validation.json, for the test that keeps it
// equal to what it measures.
func ValidationJSON() []byte { return append([]byte(nil), validationJSON...) }

// MeasuredCalibration returns the measured agreement of catalogue c with the
// reference labels. ok is false when c is not the catalogue that was
// measured (a user's catalogue, or a version not yet measured).
func MeasuredCalibration(c *Catalogue) (cal Calibration, ok bool) {
	if err := json.Unmarshal(calibrationJSON, &cal); err != nil {
		return Calibration{}, false
	}
	return cal, c != nil && c.embedded && cal.CatalogueVersion == c.Version()
}

// StageAgreement compares assessed stages with reference stages pair by
// pair (ref[i] is the reference for got[i]): exact and adjacent counts, the
// confusion matrix and Cohen's kappa with linear weights, so a verdict one
// stage off counts as partial agreement. It fills Pages, Exact, Adjacent,
// Matrix and Kappa (rounded to three decimals); Kappa is NaN with no pairs.
func StageAgreement(ref, got []egovbench.Stage) Calibration {
	const k = len(Calibration{}.Matrix)
	var cal Calibration
	for i := range min(len(ref), len(got)) {
		r, g := int(ref[i]), int(got[i])
		if r < 0 || r >= k || g < 0 || g >= k {
			continue
		}
		cal.Pages++
		cal.Matrix[r][g]++
		switch d := r - g; {
		case d == 0:
			cal.Exact++
			cal.Adjacent++
		case d == 1 || d == -1:
			cal.Adjacent++
		}
	}
	if cal.Pages == 0 {
		cal.Kappa = math.NaN()
		return cal
	}
	n := float64(cal.Pages)
	var rows, cols [k]float64
	for i := range k {
		for j := range k {
			rows[i] += float64(cal.Matrix[i][j])
			cols[j] += float64(cal.Matrix[i][j])
		}
	}
	var observed, expected float64
	for i := range k {
		for j := range k {
			w := 1 - math.Abs(float64(i-j))/float64(k-1)
			observed += w * float64(cal.Matrix[i][j]) / n
			expected += w * (rows[i] / n) * (cols[j] / n)
		}
	}
	cal.Kappa = 1
	if expected != 1 {
		cal.Kappa = math.Round((observed-expected)/(1-expected)*1000) / 1000
	}
	return cal
}
