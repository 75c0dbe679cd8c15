package schedule

import (
	"os"
	"regexp"
	"testing"
)

// The README quotes a config for analysts to copy; it must stay valid.
func TestREADMEConfigIsValid(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("no yaml block in README.md")
	}
	if _, err := ParseConfig(m[1], "README.md"); err != nil {
		t.Fatalf("README config: %v", err)
	}
}
