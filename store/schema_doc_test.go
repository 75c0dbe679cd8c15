package store

import (
	"context"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

const schemaDoc = "../docs/schema.md"

var (
	docSection = regexp.MustCompile("^### `([a-z0-9_]+)`\\s*$")
	docColumn  = regexp.MustCompile("^\\| `([a-z0-9_]+)` \\|")
	docSQL     = regexp.MustCompile("(?s)```sql\n(.*?)```")
)

// documentedSchema parses docs/schema.md: a "### `name`" heading per table
// or view, followed by a markdown table whose rows start with "| `column` |".
func documentedSchema(t *testing.T, doc string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(doc, "\n") {
		if m := docSection.FindStringSubmatch(line); m != nil {
			cur = m[1]
			if _, dup := out[cur]; dup {
				t.Errorf("docs: %s documented twice", cur)
			}
			out[cur] = []string{}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			cur = ""
		}
		if m := docColumn.FindStringSubmatch(line); m != nil && cur != "" {
			out[cur] = append(out[cur], m[1])
		}
	}
	return out
}

// TestSchemaDocumented fails when a table, view or column of the migrated
// database is missing from docs/schema.md, or the document describes
// something the database does not have.
func TestSchemaDocumented(t *testing.T) {
	b, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	docs := documentedSchema(t, string(b))
	db := openTestDB(t)
	rows, err := db.read.Query(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var objects []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		objects = append(objects, n)
	}
	rows.Close()
	if len(objects) < 20 {
		t.Fatalf("only %d objects in the migrated database", len(objects))
	}
	for _, name := range objects {
		cols, err := db.read.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			t.Fatal(err)
		}
		var have []string
		for cols.Next() {
			var c string
			cols.Scan(&c)
			have = append(have, c)
		}
		cols.Close()
		documented, ok := docs[name]
		if !ok {
			t.Errorf("%s is not documented in %s", name, schemaDoc)
			continue
		}
		for _, c := range have {
			if !slices.Contains(documented, c) {
				t.Errorf("column %s.%s is not documented", name, c)
			}
		}
		for _, c := range documented {
			if !slices.Contains(have, c) {
				t.Errorf("documented column %s.%s does not exist", name, c)
			}
		}
		delete(docs, name)
	}
	var extra []string
	for n := range docs {
		extra = append(extra, n)
	}
	sort.Strings(extra)
	for _, n := range extra {
		t.Errorf("documented %s does not exist in the database", n)
	}
}

// TestSchemaDocExamplesRun runs every ```sql block of docs/schema.md against
// a database holding a small realistic history, and requires rows back, so
// the examples stay correct as the schema grows.
func TestSchemaDocExamplesRun(t *testing.T) {
	b, err := os.ReadFile(schemaDoc)
	if err != nil {
		t.Fatal(err)
	}
	queries := docSQL.FindAllStringSubmatch(string(b), -1)
	if len(queries) < 8 {
		t.Fatalf("only %d example queries", len(queries))
	}
	db := seedHistory(t)
	for _, q := range queries {
		sql := strings.TrimSpace(q[1])
		rows, err := db.read.Query(sql)
		if err != nil {
			t.Errorf("query failed: %v\n%s", err, sql)
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Errorf("query failed: %v\n%s", err, sql)
		}
		rows.Close()
		if n == 0 {
			t.Errorf("query returned no rows on the seeded history:\n%s", sql)
		}
	}
}

// seedHistory stores two crawls of three sites (one moves up a stage, one
// links to LAPOR!, pages unchanged between crawls) and three hours of
// 5-minute probes up to now, with an outage of more than an hour.
func seedHistory(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db := openTestDB(t)
	ts := []egovbench.Target{
		{ID: "kota-makassar", Name: "Pemerintah Kota Makassar", URL: "https://makassarkota.go.id/", Level: "kota", Region: "Sulawesi Selatan", Parent: "prov-sulsel", Country: "ID", Lang: "id"},
		{ID: "kota-parepare", Name: "Pemerintah Kota Parepare", URL: "https://pareparekota.go.id/", Level: "kota", Region: "Sulawesi Selatan", Parent: "prov-sulsel", Country: "ID", Lang: "id"},
		{ID: "kab-bandung", Name: "Pemerintah Kabupaten Bandung", URL: "https://bandungkab.go.id/", Level: "kabupaten", Region: "Jawa Barat", Country: "ID", Lang: "id"},
	}
	mustUpsert(t, db, ts)
	ids := []string{ts[0].ID, ts[1].ID, ts[2].ID}
	now := time.Now().UTC().Truncate(time.Minute)
	for c, stage := range []egovbench.Stage{egovbench.StagePresence, egovbench.StageInteraction} {
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, `{"max_pages":20}`, ids, 0)
		if err != nil {
			t.Fatal(err)
		}
		at := now.Add(time.Duration(c-2) * 24 * time.Hour)
		for i, id := range ids {
			s := stage
			if i > 0 {
				s = egovbench.StagePresence
			}
			snap := testSnapshot(id, run.ID, at, "<html>"+id+"</html>")
			if err := db.SaveCrawl(ctx, snap, testAssessment(id, run.ID, at, s, float64(20+10*c))); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.FinishRun(ctx, run.ID, egovbench.RunDone); err != nil {
			t.Fatal(err)
		}
	}
	var ps []egovbench.Probe
	for k := 36; k >= 0; k-- {
		at := now.Add(-time.Duration(k) * 5 * time.Minute)
		for i, id := range ids {
			o := ok
			if i == 1 && k >= 5 && k < 25 { // parepare down for 100 minutes
				o = timeout
			}
			p := probe(id, at, o, time.Duration(100+i*50)*time.Millisecond)
			p.TLSExpiry = now.Add(10 * 24 * time.Hour)
			ps = append(ps, p)
		}
	}
	if err := db.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	// One round the prober lost its own network.
	if err := db.InsertDegradedRound(ctx, egovbench.DegradedRound{At: now.Add(-3 * time.Hour), Targets: len(ids), Failed: len(ids),
		Reason: "every target failed with network errors"}); err != nil {
		t.Fatal(err)
	}
	return db
}
