#!/usr/bin/env bash
# make bench: runs, in one go, Serenade's benchmarks and the limits of
# this machine they are compared with (pgbench on the same durable
# PostgreSQL cluster, raw reads of the same SQLite file, raw COPY, the
# naive aggregate), then prints one table of ratios with the machine it
# ran on (cmd/benchreport). Nothing here asserts a time; it reports.
# About 15 minutes on a 2-core machine; lengthen with the variables
# below (README, Benchmarks).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=${BENCH_OUT:-$(mktemp)}
[ -n "${BENCH_OUT:-}" ] || trap 'rm -f "$out"' EXIT
: >"$out"
benchtime=${BENCHTIME:-1s}
export SERENADE_BENCH_SECONDS=${SERENADE_BENCH_SECONDS:-5} SERENADE_BENCH_RUNS=${SERENADE_BENCH_RUNS:-3}
export SERENADE_BENCH_MIXED_SECONDS=${SERENADE_BENCH_MIXED_SECONDS:-10}

# A benchmark that fails is named at the end; the others still make the
# table (and make bench fails).
failed=()
section() { echo; echo "==> $*"; }
bench() { go test -run '^$' -timeout 30m "$@" | tee -a "$out" || failed+=("${*: -1}"); }

# The hot read's 64 clients are wrk's (Debian package wrk), as in the
# setting its goal was stated in.
if ! command -v wrk >/dev/null 2>&1; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		apt-get update -q </dev/null && apt-get install -y -q --no-install-recommends wrk </dev/null
	else
		echo "wrk is not installed; install it with: sudo apt-get install wrk" >&2
		exit 1
	fi
fi

go run ./cmd/benchreport facts start | tee -a "$out"

section "store: read and enrol one patient vs a raw point read (SQLite and PostgreSQL)"
bench -bench 'Enrol|ReadPatient|RawPointRead' -benchmem -benchtime "$benchtime" ./internal/store
section "API: GET /patients/{id} through the handler stack, local and OIDC RS256 tokens (one core, SQLite)"
bench -bench 'GetPatient' -benchmem -benchtime "$benchtime" -cpu 1 ./internal/api
section "peak RSS of serenade serve (a separate process, PostgreSQL): 8 gateways ingesting over HTTP, then a month's and a year's CSV export"
bench -bench 'ServeRSS' -benchtime "${RSS_BENCHTIME:-200x}" ./cmd/serenade

section "hot read: GET /patients/{id} from 64 clients vs pgbench -S (durable PostgreSQL, fsync on) and a raw SQLite point read"
echo "    (SERENADE_BENCH_SECONDS per run, default 5; SERENADE_BENCH_RUNS runs, default 3; medians)"
bench -bench 'HotRead' -benchtime 1x ./internal/app
section "the same with OIDC RS256 tokens; the patient list of 2,000 patients; the mixed workload at a fixed arrival rate"
echo "    (mixed: SERENADE_BENCH_MIXED_SECONDS per run, default 10; SERENADE_BENCH_MIXED_RATE, a multiple of 14 requests/s)"
bench -bench 'HotReadOIDC|PatientList2k|MixedWorkload' -benchtime 1x ./internal/testsupport/loadgen
section "audit cost: 64 clients reading patients on PostgreSQL, audit on and off"
bench -bench 'ConcurrentReads' -benchtime "${READS_BENCHTIME:-5000x}" ./internal/app

section "web UI: time to first byte of the patient list page (HTML) with 2,000 patients, vs a raw read of the page's rows (SQLite and PostgreSQL)"
bench -bench 'PatientListTTFB' -benchtime "${TTFB_BENCHTIME:-200x}" ./internal/web

section "sensor ingest: 8 gateways, batches of 1,000 readings over HTTP and MQTT (mosquitto) into PostgreSQL, vs raw COPY"
bench -bench 'Ingest' -benchtime "${INGEST_BENCHTIME:-400x}" ./internal/app
section "downsampling a year of per-minute readings (525,600) into 1,000 buckets over HTTP, vs the naive GROUP BY"
bench -bench 'DownsampleYear' -benchtime "${DOWNSAMPLE_BENCHTIME:-50x}" ./internal/api
section "lists of 10,000 enrolled patients (pages, a search, the work queue) on SQLite and PostgreSQL"
bench -bench 'Lists10k' -benchtime "${LISTS_BENCHTIME:-20x}" ./internal/api

section "backup and restore of a database with 100,800 sensor readings (SQLite and PostgreSQL), vs a plain full scan"
bench -bench 'BackupRestore' -benchtime "${BACKUP_BENCHTIME:-1x}" ./internal/store

section "peak RSS of serve: a short soak (BENCH_SOAK_DURATION, default 1m) of simulated homes and users on PostgreSQL"
SOAK_DURATION=${BENCH_SOAK_DURATION:-1m} SOAK_WINDOW=20s SOAK_HOMES=2 SOAK_HISTORY_DAYS=2 SOAK_OUT="$PWD/soak-out/bench" \
	go test -count=1 -run '^TestSoak$' -v -timeout 30m ./internal/testsupport/soak | tee -a "$out" || failed+=(soak)

go run ./cmd/benchreport facts end | tee -a "$out"
echo
go run ./cmd/benchreport table "$out"
if [ ${#failed[@]} -gt 0 ]; then
	echo "make bench: failed: ${failed[*]}" >&2
	exit 1
fi
