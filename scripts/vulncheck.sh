#!/usr/bin/env bash
# govulncheck against a local copy of the Go vulnerability database, for
# machines that cannot reach vuln.go.dev (CI here reaches only the Go module
# proxy).
#
# Both tools are pinned in the tools module tools/vuln (kept apart from the
# main go.mod because golang.org/x/vulndb brings cloud libraries along):
#   - golang.org/x/vulndb: its module holds the OSV records (data/osv/*.json)
#     and the command indexdb, which writes the index files
#     (index/db.json, index/modules.json, index/vulns.json) that
#     `govulncheck -db file://DIR` reads;
#   - golang.org/x/vuln: govulncheck itself.
# The database is built once per vulndb version under .cache/vulndb/
# (gitignored) and reused. A pinned database version makes the result the
# same on every run: a newer one is a deliberate bump of tools/vuln/go.mod.
#
# The scan covers what ships: the packages under cmd/ and everything they
# import (test helpers are not shipped).
# Findings are those govulncheck reports as called from our code. Any finding
# in a module fails. A finding in the standard library fails unless its id is
# listed, with the reason, in scripts/vulncheck-accepted.txt: the toolchain is
# the machine's Go (GOTOOLCHAIN=local), so a standard-library fix needs a Go
# upgrade, not a code change. Exit 1 naming every finding not accepted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

modfile=tools/vuln/go.mod
accepted=scripts/vulncheck-accepted.txt
version=$(go list -modfile=$modfile -m -f '{{.Version}}' golang.org/x/vulndb)
db=$PWD/.cache/vulndb/$version

if [[ ! -f $db/index/db.json ]]; then
	echo "vulncheck: building the vulnerability database $version under .cache/vulndb/"
	go mod download -modfile=$modfile golang.org/x/vulndb
	src=$(go list -modfile=$modfile -m -f '{{.Dir}}' golang.org/x/vulndb)
	rm -rf "$db.tmp"
	go tool -modfile=$modfile indexdb -vulns "$src/data/osv" -out "$db.tmp"
	rm -rf "$db" && mv "$db.tmp" "$db"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
go tool -modfile=$modfile govulncheck -db "file://$db" -format json ./cmd/... >"$out"

# One line per called finding: id, module, package, fixed version.
called=$(jq -r 'select(.finding and .finding.trace[0].function) | .finding
	| [.osv, .trace[0].module, .trace[0].package, (.fixed_version // "none")] | @tsv' "$out" | sort -u)
ok=$(grep -v '^#' "$accepted" | awk 'NF {print $1}' || true)
bad=0
while IFS=$'\t' read -r id module pkg fixed; do
	[[ -n $id ]] || continue
	if [[ $module == stdlib ]] && grep -qx "$id" <<<"$ok"; then
		echo "vulncheck: accepted $id in $pkg (standard library, fixed in Go $fixed; see $accepted)"
	else
		echo "vulncheck: FINDING $id in $module $pkg, fixed in $fixed" >&2
		bad=1
	fi
done <<<"$called"
if [[ $bad -ne 0 ]]; then
	echo "vulncheck: findings above are called from our code; upgrade the module (or Go), see https://pkg.go.dev/vuln/ID" >&2
	exit 1
fi
echo "vulncheck: no finding beyond the accepted standard-library ones (database $version)"
