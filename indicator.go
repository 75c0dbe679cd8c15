package egovbench

// Criterion is one of the five criteria of the UN Local Online Service Index
// that every indicator belongs to.
type Criterion string

// The LOSI criteria.
const (
	CriterionInstitutional Criterion = "institutional_framework"
	CriterionContent       Criterion = "content_provision"
	CriterionServices      Criterion = "services_provision"
	CriterionParticipation Criterion = "participation_engagement"
	CriterionTechnology    Criterion = "technology"
)

// Criteria lists the criteria in the order reports show them.
var Criteria = []Criterion{
	CriterionInstitutional, CriterionContent, CriterionServices,
	CriterionParticipation, CriterionTechnology,
}

// Indicator describes one binary indicator of the catalogue, for display and
// documentation. How it is detected is the analyzer's business.
type Indicator struct {
	ID        string    `json:"id"`
	NameID    string    `json:"name_id"` // Indonesian name
	NameEN    string    `json:"name_en"` // English name
	Criterion Criterion `json:"criterion"`
	// Stage is the stage this indicator evidences; StageNone for indicators
	// (mostly technology) that count in the score but not in the stage.
	Stage Stage `json:"stage"`
	// Description says in plain words what counts, for the methodology page,
	// in English; DescriptionID says the same in Indonesian.
	Description   string `json:"description"`
	DescriptionID string `json:"description_id"`
}

// Framework is a maturity model the same evidence is also reported under
// (the primary four-stage scale, UN/ASPA's five stages, SPBE's levels).
type Framework struct {
	ID     string           `json:"id"`
	Name   string           `json:"name"`    // English
	Levels []FrameworkLevel `json:"levels"`  // lowest first
	NameID string           `json:"name_id"` // Indonesian
}

// FrameworkLevel is one level of a Framework with its rule in plain words.
type FrameworkLevel struct {
	ID          string `json:"id"`
	Name        string `json:"name"`        // English
	Description string `json:"description"` // English
	// NameID and DescriptionID are the Indonesian name and rule.
	NameID        string `json:"name_id"`
	DescriptionID string `json:"description_id"`
}
