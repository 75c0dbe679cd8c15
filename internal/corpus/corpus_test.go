package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindAndSites(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "labels.tsv"), "file\tstage\n")
	writeFile(t, filepath.Join(dir, "sites", "labels.tsv"),
		"site\town_hosts\tstage\tstage_js\tfeatures\tfeatures_js_only\tfeatures_disputed\n"+
			"b-site\t\tpresence\tpresence\tcontact, news\t\t\n"+
			"a-site\tx.example, www.x.example\ttransaction\ttransaction\tapply_online\tchat\tsearch\n")
	writeFile(t, filepath.Join(dir, "sites", "a-site", "index.html"), "<html></html>")
	writeFile(t, filepath.Join(dir, "sites", "b-site", "index.html"), "<html></html>")
	t.Setenv("EGOVBENCH_CORPUS", dir)
	got, err := Find()
	if err != nil || got != dir {
		t.Fatalf("Find() = %q, %v; want %q", got, err, dir)
	}
	sites, err := Sites(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 2 || sites[0].Name != "a-site" || sites[1].Name != "b-site" {
		t.Fatalf("sites = %+v, want a-site then b-site", sites)
	}
	a := sites[0]
	if len(a.OwnHosts) != 2 || a.OwnHosts[1] != "www.x.example" || !a.Features["apply_online"] || !a.FeaturesJSOnly["chat"] || !a.Disputed["search"] {
		t.Errorf("a-site = %+v", a)
	}
	if b := sites[1]; !b.Features["news"] || !b.Features["contact"] || len(b.OwnHosts) != 0 {
		t.Errorf("b-site = %+v", b)
	}
}

func TestSitesRefusesAMissingSite(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "sites", "labels.tsv"), "site\tstage\ngone\tnone\n")
	if _, err := Sites(dir); err == nil {
		t.Error("Sites accepted a labelled site without files")
	}
}

func TestFindRejectsAWrongOverride(t *testing.T) {
	t.Setenv("EGOVBENCH_CORPUS", filepath.Join(t.TempDir(), "nothing"))
	if _, err := Find(); err == nil {
		t.Error("Find accepted an EGOVBENCH_CORPUS without labels.tsv")
	}
}
