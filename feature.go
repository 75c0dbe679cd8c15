package egovbench

// FeatureStage returns the stage a rubric feature evidences (StageNone for
// the technology features) and whether id is a feature of the rubric the
// reference labels were made with (the feature vocabulary of
// shared/corpus/README.md). Every staged indicator of a catalogue maps to
// one of these, at the same stage: one concept, one stage.
func FeatureStage(id string) (Stage, bool) {
	switch id {
	case "contact", "leadership", "organisation", "news", "regulations", "budget", "public_info", "service_info", "procurement":
		return StagePresence, true
	case "search", "complaint", "feedback_form", "forms_download", "email_officials", "chat", "social", "survey", "subscribe":
		return StageInteraction, true
	case "national_link", "agency_portal", "sso", "open_data":
		return StageIntegration, true
	case "account", "apply_online", "tracking", "payment", "booking", "esignature":
		return StageTransaction, true
	case "viewport", "lang", "privacy", "accessibility":
		return StageNone, true
	}
	return StageNone, false
}
