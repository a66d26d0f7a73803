#!/usr/bin/env bash
# The project's one test command (`make test` runs it).
#
# It makes sure the real dependencies of the tests are present, installing
# them with apt when running as root (as CI does), then vets and tests:
#   - Debian's PostgreSQL server: the database tests start a throwaway
#     cluster from /usr/lib/postgresql/<version>/bin (see internal/testsupport/pgtest);
#   - Debian's chromium, for the browser tests;
#   - Debian's mosquitto, the MQTT broker the MQTT ingest tests start
#     (see internal/testsupport/mqtttest).
# Then it runs what `make vet` runs (go vet, staticcheck and the dead-code
# check of scripts/deadcode.sh; both tools are Go tool dependencies in
# go.mod), govulncheck against a local vulnerability database
# (scripts/vulncheck.sh), the tests, and every fuzz target for a bounded
# time (scripts/fuzz.sh, FUZZTIME=10s each; skipped when packages are given).
# Without PostgreSQL (or mosquitto) the database (MQTT) tests skip loudly;
# with CI=true they fail, so a CI run can never go green by skipping them.
#
# Usage: scripts/test.sh [packages...]   (default ./...)
# Env:   CI=true  missing PostgreSQL is an error
#        RACE=1   add -race (needs cgo and a C compiler: gcc is installed with
#                 apt when missing and root; slow on small machines)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

packages=("$@")
[[ ${#packages[@]} -gt 0 ]] || packages=(./...)

ci=false
case "${CI:-}" in true | TRUE | True | 1) ci=true ;; esac

warnings=()
apt_updated=false

say() { printf '\n==> %s\n' "$*"; }

# loud prints a warning that is hard to miss and repeats it in the summary.
loud() {
	printf '\n%s\n!!! %s\n%s\n' "$(printf '!%.0s' {1..72})" "$*" "$(printf '!%.0s' {1..72})" >&2
	warnings+=("$*")
}

have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
have_chromium() { command -v chromium >/dev/null 2>&1; }
postgres_version() { basename "$(dirname "$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n1)")")"; }

# apt_install PACKAGE... installs Debian packages (without the recommended
# extras: daemons and desktop bits the tests do not need); only root can, so
# anyone else is told the command to run instead.
apt_install() {
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		loud "$1 is not installed; install it with: sudo apt-get install $*"
		return 1
	fi
	say "installing Debian packages: $*"
	if ! $apt_updated; then
		apt-get update -q </dev/null
		apt_updated=true
	fi
	apt-get install -y -q --no-install-recommends "$@" </dev/null
}

ensure_postgres() {
	have_postgres || apt_install postgresql || true
	if have_postgres; then
		say "PostgreSQL $(postgres_version) found"
		return
	fi
	if $ci; then
		echo "FAIL: PostgreSQL server (Debian package postgresql) is missing and CI=true:" \
			"the database tests must run in CI." >&2
		exit 1
	fi
	loud "PostgreSQL not installed (apt-get install postgresql): SKIPPING PostgreSQL tests"
}

# ensure_cc makes sure the race detector can build: it needs cgo and a C
# compiler.
ensure_cc() {
	command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || apt_install gcc libc6-dev || true
	if ! command -v gcc >/dev/null 2>&1 && ! command -v cc >/dev/null 2>&1; then
		echo "FAIL: RACE=1 needs a C compiler (Debian package gcc)." >&2
		exit 1
	fi
	export CGO_ENABLED=1
	say "C compiler found for the race detector: $(command -v gcc || command -v cc)"
}

ensure_chromium() {
	have_chromium || apt_install chromium fonts-liberation || true
	if have_chromium; then
		say "chromium found: $(chromium --version 2>/dev/null || echo 'version unknown')"
		return
	fi
	if $ci; then
		echo "FAIL: chromium (Debian package chromium) is missing and CI=true: the browser tests must run in CI." >&2
		exit 1
	fi
	loud "chromium not installed (apt-get install chromium): browser tests will not run"
}

# ensure_deploy_tools: the MQTT ingest tests and the production bundle's
# tests (deploy/) run Debian's mosquitto with its clients (the latter the
# shipped broker configuration), and scripts/init-secrets.sh needs openssl
# and mosquitto_passwd.
have_deploy_tools() {
	[[ -x /usr/sbin/mosquitto ]] && command -v mosquitto_pub >/dev/null 2>&1 &&
		command -v mosquitto_passwd >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1
}
ensure_deploy_tools() {
	have_deploy_tools || apt_install mosquitto mosquitto-clients openssl || true
	if have_deploy_tools; then
		say "mosquitto, its clients and openssl found"
		return
	fi
	if $ci; then
		echo "FAIL: mosquitto, mosquitto-clients or openssl is missing and CI=true: the deploy tests must run in CI." >&2
		exit 1
	fi
	loud "mosquitto, mosquitto-clients or openssl not installed: deploy/ broker tests will not run"
}

# jq reads govulncheck's JSON findings (scripts/vulncheck.sh).
ensure_jq() {
	command -v jq >/dev/null 2>&1 || apt_install jq || true
	if command -v jq >/dev/null 2>&1; then
		return
	fi
	if $ci; then
		echo "FAIL: jq is missing and CI=true: govulncheck's findings cannot be read." >&2
		exit 1
	fi
	loud "jq not installed (apt-get install jq): the govulncheck step will fail"
}

# step NAME CMD... runs a step, records its outcome and duration.
results=()
failed=0
step() {
	local name=$1 start=$SECONDS status=0
	shift
	say "$*"
	"$@" || status=$?
	if [[ $status -eq 0 ]]; then
		results+=("ok      $name ($((SECONDS - start))s)")
	else
		results+=("FAILED  $name ($((SECONDS - start))s, exit $status)")
		failed=1
	fi
}

summary() {
	printf '\n==================== test summary ====================\n'
	printf '  %s\n' "${results[@]}"
	if [[ ${#warnings[@]} -gt 0 ]]; then
		printf '  WARNING %s\n' "${warnings[@]}"
	fi
	if [[ $failed -eq 0 ]]; then
		printf '  RESULT: PASS\n'
	else
		printf '  RESULT: FAIL\n'
	fi
	printf '======================================================\n'
}

main() {
	ensure_postgres
	ensure_chromium
	ensure_deploy_tools
	ensure_jq
	local test_flags=(-count=1 -timeout 20m)
	if [[ ${RACE:-} == 1 ]]; then
		ensure_cc
		test_flags+=(-race)
	fi
	step "go vet" go vet "${packages[@]}"
	step "staticcheck" go tool staticcheck "${packages[@]}"
	step "deadcode" bash scripts/deadcode.sh
	step "govulncheck" bash scripts/vulncheck.sh
	step "go test" go test "${test_flags[@]}" "${packages[@]}"
	if [[ $# -eq 0 ]]; then
		step "fuzz" env FUZZTIME="${FUZZTIME:-10s}" bash scripts/fuzz.sh
	fi
	summary
	return $failed
}

main "$@"
