#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each: after the
# tests in scripts/test.sh (FUZZTIME=10s: 100 s of fuzzing in all, plus the
# instrumented builds), longer with `make fuzz` (FUZZTIME=2m).
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
# The API targets get FUZZTIME_API (default three times FUZZTIME when that is
# in seconds, else FUZZTIME): each fuzz worker first starts a server with
# the demo data, which takes seconds on a small machine, before it fuzzes.
#
# Usage: scripts/fuzz.sh   Env: FUZZTIME (default 10s), FUZZTIME_API, go test -fuzztime values.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime=${FUZZTIME:-10s}
apitime=$fuzztime
if [[ $fuzztime =~ ^([0-9]+)s$ ]]; then
	apitime=$((BASH_REMATCH[1] * 3))s
fi
apitime=${FUZZTIME_API:-$apitime}
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
	budget=$fuzztime
	[[ $pkg == ./internal/api ]] && budget=$apitime
	echo "==> fuzz $pkg $name for $budget"
	# Two workers: the machines this runs on are small and shared.
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$budget" -parallel 2 "$pkg"; then
		failed+=("$pkg $name")
	fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ($fuzztime each, the API's $apitime), no failure"
