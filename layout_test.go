package egovbench_test

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/egovbench/egovbench"

// TestLayout keeps the dependencies pointing one way, as the README's
// layout table says: each package may import only the project packages
// listed for it (cmd wires them all together).
func TestLayout(t *testing.T) {
	allowed := map[string][]string{
		".":                    nil,
		"htmlfacts":            nil,
		"crawler":              {".", "htmlfacts"},
		"analyzer":             {".", "htmlfacts"},
		"store":                {"."},
		"reports":              {"."},
		"schedule":             {"."},
		"fleet":                {"."},
		"dist":                 {"."},
		"internal/natstest":    nil,
		"internal/browsertest": nil,
		"internal/corpus":      nil,
	}
	for dir, may := range allowed {
		pkg, err := build.ImportDir(filepath.FromSlash(dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if rel == "" {
				rel = "."
			}
			if !slices.Contains(may, rel) {
				t.Errorf("%s imports %s; it may import only %v", dir, rel, may)
			}
		}
	}
}
