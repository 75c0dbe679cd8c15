#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need
# (Chromium for the browser tests of the HTML report), then checks formatting,
# vets and runs every test with the race detector. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-chromium.sh

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
# Browser tests keep a screenshot of the report here (gitignored).
export EGOVBENCH_ARTIFACTS="${EGOVBENCH_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$EGOVBENCH_ARTIFACTS"
go test -race -count=1 -timeout 40m ./...
