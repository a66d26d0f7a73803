#!/usr/bin/env bash
# The dead-code check of `make vet` and scripts/test.sh, with
# golang.org/x/tools/cmd/deadcode (a Go tool dependency in go.mod).
#
# Two passes over the whole module:
#   1. with the tests as roots: nothing may be unreachable even from them
#      (test helpers in internal/testsupport included);
#   2. with only the binaries as roots: production code that only tests
#      reach is dead too (move it into a _test.go file or
#      internal/testsupport, or delete it). Excepted: internal/testsupport
#      itself, internal/app/harness.go, what the test harness reads
#      of a running server, and resource.All, the enumeration of the one
#      table of resource kinds that the tests walk (production code looks
#      kinds up by name or code).
# Always the whole module: a function is only dead when no package uses it.
# Exit 1 naming every dead function.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dead=$(
	go tool deadcode -test ./...
	go tool deadcode ./... | grep -v -e '^internal/testsupport/' -e '^internal/app/harness\.go:' \
		-e '^internal/resource/resource\.go:[0-9]*:[0-9]*: unreachable func: All$' || true
)
if [[ -n $dead ]]; then
	echo "dead code (unreachable from the binaries, or reached only by tests):" >&2
	echo "$dead" >&2
	exit 1
fi
echo "deadcode: nothing unreachable"
