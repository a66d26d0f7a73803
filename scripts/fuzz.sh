#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each: after the
# tests in scripts/test.sh (FUZZTIME=10s, about a minute and a half in
# all with the builds), longer with `make fuzz` (FUZZTIME=2m).
#
# The targets (each package's seed corpus is in testdata/fuzz/<target>/ and
# in the f.Add calls; plain `go test` runs the seeds as tests):
#   internal/codicefiscale FuzzParse             the codice fiscale parser
#   internal/ingest        FuzzParse             ingest payloads: JSON, NDJSON, gzip
#   internal/pseudonym     FuzzDecodeNeverPanics the pseudonym decoder
#   internal/redact        FuzzRedact            free-text redaction
#   internal/api           FuzzJSONBodies        every JSON body of the API
#   internal/api           FuzzDocumentUpload    multipart document uploads
# A failing input is written by go test under the package's
# testdata/fuzz/<target>/ (commit it with the fix: it becomes a seed).
#
# Usage: scripts/fuzz.sh   Env: FUZZTIME (default 10s), a go test -fuzztime.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime=${FUZZTIME:-10s}
targets=(
	"./internal/codicefiscale FuzzParse"
	"./internal/ingest FuzzParse"
	"./internal/pseudonym FuzzDecodeNeverPanics"
	"./internal/redact FuzzRedact"
	"./internal/api FuzzJSONBodies"
	"./internal/api FuzzDocumentUpload"
)
failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "==> fuzz $pkg $name for $fuzztime"
	# Two workers: the machines this runs on are small and shared.
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"; then
		failed+=("$pkg $name")
	fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets ran for $fuzztime each, no failure"
