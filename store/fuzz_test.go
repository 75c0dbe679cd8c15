package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// FuzzSaveCrawlRoundTrip feeds what hostile sites control (bodies, URLs,
// anchor texts, content types, error texts: any bytes, NULs, invalid UTF-8)
// through SaveCrawl and Snapshot: it must be stored and returned unchanged,
// never corrupt the database.
func FuzzSaveCrawlRoundTrip(f *testing.F) {
	f.Add([]byte("<html>ok</html>"), "https://x.go.id/a?b=c#d", "Layanan", "text/html")
	f.Add([]byte{0, 0xff, 0xfe, 0}, "https://x.go.id/\x00", "\xff\xfe'; DROP TABLE pages; --", "\x00")
	f.Add([]byte{}, "", "", "")
	f.Add(bytes.Repeat([]byte("a"), 100_000), "https://x.go.id/"+string(bytes.Repeat([]byte("p/"), 1000)), "<script>alert(1)</script>", "image/png")
	db := openTestDB(f)
	mustUpsert(f, db, testTargets(1))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte, url, text, ctype string) {
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Duration(run.ID) * time.Hour)
		snap := egovbench.Snapshot{TargetID: "site-000", RunID: run.ID, StartedAt: at, FinishedAt: at,
			Pages: []egovbench.Page{
				{URL: url, FinalURL: text, Status: 200, ContentType: ctype, FetchedAt: at, Outcome: ok, Body: body, Error: text},
				{URL: url + "/2", FetchedAt: at, Outcome: egovbench.OutcomeTimeout},
			},
			Links:     []egovbench.Link{{FromURL: url, ToURL: text, Domain: ctype, Text: text}},
			Redirects: []string{url, text},
			Stopped:   text,
		}
		if err := db.SaveCrawl(ctx, snap, egovbench.Assessment{}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Snapshot(ctx, run.ID, "site-000")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Pages) != 2 || !bytes.Equal(got.Pages[0].Body, body) || (got.Pages[0].Body == nil) != (body == nil) {
			t.Fatalf("body changed")
		}
		p := got.Pages[0]
		if p.URL != url || p.FinalURL != text || p.ContentType != ctype || p.Error != text || got.Pages[1].Body != nil {
			t.Fatalf("page fields changed: %+v", p)
		}
		if len(got.Links) != 1 || got.Links[0] != snap.Links[0] || got.Stopped != text {
			t.Fatalf("links or stop reason changed: %+v", got.Links)
		}
		// json.Marshal replaces invalid UTF-8 in redirects; compare what JSON keeps.
		if len(got.Redirects) != 2 {
			t.Fatalf("redirects = %q", got.Redirects)
		}
	})
}
