package analyzer

import (
	"reflect"
	"strings"
	"testing"

	"github.com/egovbench/egovbench"
)

// sameInBothLanguages lists the names that are proper nouns or acronyms,
// written the same way in English and Indonesian. Descriptions are sentences
// and are never allowed to be the same.
var sameInBothLanguages = map[string]bool{
	"HTTPS": true, "robots.txt": true,
	// SPBE's levels are Indonesian terms in both languages.
	"Informasi": true, "Interaksi": true, "Transaksi": true, "Kolaborasi": true,
}

// TestCatalogueTranslated fails on any text of the embedded catalogue that a
// report in one of its two languages would show untranslated: an empty
// Indonesian or English field, or an Indonesian field that merely repeats
// the English one.
func TestCatalogueTranslated(t *testing.T) {
	c := DefaultCatalogue()
	check := func(where, en, id string) {
		t.Helper()
		switch {
		case strings.TrimSpace(en) == "":
			t.Errorf("%s: English text missing", where)
		case strings.TrimSpace(id) == "":
			t.Errorf("%s: Indonesian text missing (English: %q)", where, en)
		case en == id && !sameInBothLanguages[en]:
			t.Errorf("%s: Indonesian text repeats the English %q", where, en)
		}
	}
	for _, ind := range c.Indicators() {
		check("indicator "+ind.ID+" name", ind.NameEN, ind.NameID)
		check("indicator "+ind.ID+" description", ind.Description, ind.DescriptionID)
		if ind.Description == ind.DescriptionID {
			t.Errorf("indicator %s: description not translated", ind.ID)
		}
	}
	if cal, ok := MeasuredCalibration(c); ok {
		check("calibration source", cal.Source, cal.SourceID)
	}
	for _, f := range c.Frameworks() {
		check("framework "+f.ID+" name", f.Name, f.NameID)
		for _, l := range f.Levels {
			check("framework "+f.ID+" level "+l.ID+" name", l.Name, l.NameID)
			check("framework "+f.ID+" level "+l.ID+" description", l.Description, l.DescriptionID)
			if l.Description == l.DescriptionID {
				t.Errorf("framework %s level %s: description not translated", f.ID, l.ID)
			}
		}
	}
}

// TestCatalogueTypesBilingual keeps the check above complete: every text
// field of the catalogue's display types must have an Indonesian twin
// (Name/NameID, NameEN/NameID, Description/DescriptionID), so a text field
// added later without one fails here rather than showing English in an
// Indonesian report.
func TestCatalogueTypesBilingual(t *testing.T) {
	for _, v := range []any{egovbench.Indicator{}, egovbench.Framework{}, egovbench.FrameworkLevel{}} {
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Type.Kind() != reflect.String || f.Name == "ID" || strings.HasSuffix(f.Name, "ID") {
				continue
			}
			if f.Type != reflect.TypeOf("") {
				continue // typed codes (Criterion) are labelled by the report
			}
			twin := strings.TrimSuffix(f.Name, "EN") + "ID"
			if _, ok := typ.FieldByName(twin); !ok {
				t.Errorf("%s.%s has no Indonesian twin %s", typ.Name(), f.Name, twin)
			}
		}
	}
}
