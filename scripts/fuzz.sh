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
# fuzz runs one target for a budget, its output also in $log.
fuzz() {
	# Two workers: the machines this runs on are small and shared.
	go test -run '^$' -fuzz "^${2}\$" -fuzztime "$3" -parallel 2 "$1" 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

# boundaryRace tells the Go fuzzing coordinator's race at the end of a
# timed run (golang/go#51484, #75804: a worker still busy when -fuzztime
# expires makes the target fail with a bare "context deadline exceeded")
# from a finding. A finding always writes its input ("Failing input
# written to testdata/fuzz/…") or panics; the race does neither. Such a
# run is run once more, and only a second failure counts.
boundaryRace() {
	grep -q 'context deadline exceeded' "$log" && ! grep -qE 'Failing input written|panic:' "$log"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	budget=$fuzztime
	[[ $pkg == ./internal/api ]] && budget=$apitime
	echo "==> fuzz $pkg $name for $budget"
	if fuzz "$pkg" "$name" "$budget"; then
		continue
	fi
	if boundaryRace; then
		echo "==> fuzz $pkg $name: the coordinator's deadline race (no input written, no panic); once more"
		fuzz "$pkg" "$name" "$budget" && continue
	fi
	failed+=("$pkg $name")
done
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ($fuzztime each, the API's $apitime), no failure"
