package egovbench_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/egovbench/egovbench"
)

func TestParseTargets(t *testing.T) {
	good := "id,name,url,level,region,parent,country,lang\n" +
		"prov,Provinsi Contoh,https://contohprov.go.id,provinsi,Contoh,,id,id\n" +
		"# a comment line\n" +
		",Kota Satu,HTTPS://WWW.Satukota.go.id/index.php#top,Kota,Contoh,prov,ID,id\n"
	got, err := egovbench.ParseTargets(strings.NewReader("\xef\xbb\xbf" + good))
	if err != nil {
		t.Fatal(err)
	}
	want := []egovbench.Target{
		{ID: "prov", Name: "Provinsi Contoh", URL: "https://contohprov.go.id/", Level: "provinsi", Region: "Contoh", Country: "ID", Lang: "id"},
		{ID: "satukota.go.id", Name: "Kota Satu", URL: "https://www.satukota.go.id/index.php", Level: "kota", Region: "Contoh", Parent: "prov", Country: "ID", Lang: "id"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d targets, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseTargetsErrors(t *testing.T) {
	tests := []struct {
		name, in     string
		line, column int
		contains     string
	}{
		{"empty", "", 1, 0, "empty file"},
		{"missing url column", "name\nA\n", 1, 0, `missing required column "url"`},
		{"unknown column", "name,url,website\n", 1, 3, `unknown column "website"`},
		{"duplicate column", "name,url,name\n", 1, 3, "appears twice"},
		{"no rows", "name,url\n", 2, 0, "no targets"},
		{"empty name", "name,url\nA,https://a.go.id\n,https://b.go.id\n", 3, 1, "empty name"},
		{"bad scheme", "url,name\nftp://a.go.id,A\n", 2, 1, "must start with http"},
		{"no host", "name,url\nA,https://\n", 2, 2, "must name a host"},
		{"bad url", "name,url\nA,http://a b:99x/\n", 2, 2, "does not parse"},
		{"duplicate id", "name,url\nA,https://a.go.id\nB,https://www.a.go.id/x\n", 3, 0, `duplicate id "a.go.id" (first on line 2)`},
		{"bad id", "id,name,url\nx/../y,A,https://a.go.id\n", 2, 1, "must be 1-100 characters"},
		{"bad country", "name,url,country\nA,https://a.go.id,IDN\n", 2, 3, "two-letter"},
		{"bad lang", "name,url,lang\nA,https://a.go.id,in donesia\n", 2, 3, "language tag"},
		{"unknown parent", "id,name,url,parent\na,A,https://a.go.id,\nb,B,https://b.go.id,zz\n", 3, 4, `parent "zz"`},
		{"self parent", "id,name,url,parent\na,A,https://a.go.id,a\n", 2, 4, `parent "a"`},
		{"wrong field count", "name,url\nA,https://a.go.id,extra\n", 2, 0, "wrong number of fields"},
		{"bad quote", "name,url\n\"A,https://a.go.id\n", 2, 0, ""},
		{"not utf8", "name,url\nA,https://a.go.id\nB\xff,https://b.go.id\n", 3, 0, "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := egovbench.ParseTargets(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error; targets %+v", got)
			}
			if got != nil {
				t.Errorf("targets returned with an error: %+v", got)
			}
			if !errors.Is(err, egovbench.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			var te *egovbench.TargetsError
			if !errors.As(err, &te) {
				t.Fatalf("error %T %v is not a *TargetsError", err, err)
			}
			if te.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", te.Line, tc.line, err)
			}
			if tc.column != 0 && te.Column != tc.column {
				t.Errorf("column = %d, want %d (%v)", te.Column, tc.column, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not contain %q", err, tc.contains)
			}
		})
	}
}

// The starter targets must always parse: analysts copy this file first.
func TestStarterTargets(t *testing.T) {
	f, err := os.Open("targets/sulsel.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := egovbench.ParseTargets(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 {
		t.Fatalf("sulsel.csv has %d targets, want the province and its 24 kota/kabupaten", len(got))
	}
	levels := map[string]int{}
	for _, tg := range got {
		levels[tg.Level]++
		if !strings.HasSuffix(strings.TrimSuffix(tg.URL, "/"), ".go.id") {
			t.Errorf("%s: %s is not an official .go.id domain", tg.ID, tg.URL)
		}
	}
	if levels["provinsi"] != 1 || levels["kota"] != 3 || levels["kabupaten"] != 21 {
		t.Errorf("levels = %v, want 1 provinsi, 3 kota, 21 kabupaten", levels)
	}
}

func FuzzParseTargets(f *testing.F) {
	f.Add("name,url\nA,https://a.go.id\n")
	f.Add("id,name,url,level,region,parent,country,lang\np,P,https://p.go.id,provinsi,R,,ID,id\nk,K,http://k.go.id/x?y=1,kota,R,p,ID,id\n")
	f.Add("name,url\n\"A\"\"B\",https://a.go.id\n")
	f.Add("\xef\xbb\xbfname,url\n# c\n,\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := egovbench.ParseTargets(strings.NewReader(in))
		if err != nil {
			if got != nil {
				t.Fatalf("targets returned alongside error %v", err)
			}
			var te *egovbench.TargetsError
			if !errors.As(err, &te) || te.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, tg := range got {
			if tg.Name == "" || tg.ID == "" || ids[tg.ID] {
				t.Fatalf("invalid target accepted: %+v", tg)
			}
			ids[tg.ID] = true
			if !strings.HasPrefix(tg.URL, "http://") && !strings.HasPrefix(tg.URL, "https://") {
				t.Fatalf("non-http url accepted: %q", tg.URL)
			}
		}
	})
}
