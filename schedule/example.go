package schedule

import _ "embed"

// exampleConfig is a string so the embedded bytes cannot be changed.
//
//go:embed testdata/example.yaml
var exampleConfig string

// ExampleConfig returns a commented example configuration (the file
// schedule/testdata/example.yaml), e.g. for `egovbench schedule -example`.
func ExampleConfig() []byte { return []byte(exampleConfig) }
