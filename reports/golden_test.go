package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		line, gl, wl := firstDiff(got, want)
		t.Errorf("%s differs from golden at line %d:\n got: %s\nwant: %s\n(rerun with -update if the change is intended)", name, line, gl, wl)
	}
}

func firstDiff(a, b []byte) (int, string, string) {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y []byte
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if !bytes.Equal(x, y) {
			return i + 1, trunc(string(x)), trunc(string(y))
		}
	}
	return 0, "", ""
}

func trunc(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// stableJSON marshals v with floats rounded to 9 significant digits, so the
// goldens do not depend on the last bit of a platform's float arithmetic
// (fused multiply-add on arm64).
func stableJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(roundNumbers(generic), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func roundNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = roundNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = roundNumbers(e)
		}
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return x
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return x
		}
		return json.Number(strconv.FormatFloat(f, 'g', 9, 64))
	}
	return v
}

// TestChartDataGolden pins the data behind every chart of the synthetic report.
func TestChartDataGolden(t *testing.T) {
	in := testInput()
	r := build(&in)
	site := r.m.byID["site-005"]
	for _, c := range []struct {
		name string
		data any
	}{
		{"stage-distribution", r.dist},
		{"maturity-trend", r.trend},
		{"ranking", rankingChart(r.rank)},
		{"indicator-coverage", r.coverage},
		{"uptime-daily", r.uptime},
		{"uptime-regions", r.uptimeRegions},
		{"uptime-regions-time", r.uptimeRegionsT},
		{"hour-profile", r.hours},
		{"transitions", r.transitions},
		{"site-005-uptime", r.siteUptime[site]},
	} {
		t.Run(c.name, func(t *testing.T) {
			golden(t, "data/"+c.name+".json", stableJSON(t, c.data))
		})
	}
}

// checkHTMLGolden pins the markup of each page kind, in both languages for
// the index, including the page of the hostile site.
func checkHTMLGolden(t *testing.T, dirs map[string]string) {
	slug := slugs([]string{hostileID})[hostileID]
	for _, lang := range []string{"en", "id"} {
		files := []string{"index.html", "changes.html", "methodology.html", "sites/site-003.html", "sites/site-000.html", "sites/" + slug + ".html"}
		if lang == "id" {
			files = []string{"index.html", "sites/site-003.html"}
		}
		for _, f := range files {
			t.Run(lang+"/"+f, func(t *testing.T) {
				got, err := os.ReadFile(filepath.Join(dirs[lang], f))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, "html/"+lang+"/"+filepath.Base(f), got)
			})
		}
	}
}
