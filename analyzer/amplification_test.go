package analyzer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestCatalogueAliasAmplification: the 1.1 MB file of the hostile test (a
// 1 MiB string aliased 20,000 times, 20 GB once expanded) and its smaller
// cousins are refused before anything is expanded.
func TestCatalogueAliasAmplification(t *testing.T) {
	big := strings.Repeat("A", 1<<20)
	var amp strings.Builder
	amp.WriteString("version: evil\nbig: &big \"" + big + "\"\ngov_hosts: [")
	for i := range 20000 {
		if i > 0 {
			amp.WriteString(", ")
		}
		amp.WriteString("*big")
	}
	amp.WriteString("]\n")
	if amp.Len() < 1_100_000 {
		t.Fatalf("amplification file is %d bytes, want the 1.1 MB of the report", amp.Len())
	}
	cases := []struct {
		name, body, want string
	}{
		{"alias amplification", amp.String(), "line 3: YAML alias *big"},
		{"alias in extends file", "extends: default\nversion: &v x\nx: *v\n", "line 3: YAML alias *v"},
		{"merge key", "version: x\nbase: &b {id: a}\nindicators:\n  - <<: *b\n    feature: f\n", "alias *b"},
		{"too large", "version: x\n# " + strings.Repeat("x", MaxCatalogueBytes) + "\n", "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.body)
			start := time.Now()
			_, err := LoadCatalogue(path)
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, egovbench.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid naming %q", err, tc.want)
			}
			t.Logf("refused in %v", took)
			// A hang guard, not a speed target: expanding the aliases took
			// minutes; refusing them takes milliseconds.
			if took > 10*time.Second {
				t.Errorf("refusal took %v", took)
			}
		})
	}
	// An anchor without alias is harmless and still allowed.
	if _, err := LoadCatalogue(writeFile(t, "extends: default\nversion: &v local-2\n")); err != nil {
		t.Errorf("anchor without alias refused: %v", err)
	}
}
