#!/usr/bin/env bash
# make bench: runs the Go benchmarks and prints each figure as a ratio to
# a limit of this machine measured in the same run (a raw primary-key read
# of the same database), so results compare across machines. Nothing here
# asserts a time; it reports.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT
benchtime=${BENCHTIME:-1s}

echo "==> store benchmarks (SQLite and PostgreSQL)"
go test -run '^$' -bench 'Enrol|ReadPatient|RawPointRead' -benchmem -benchtime "$benchtime" ./internal/store | tee -a "$out"
echo "==> API benchmarks (one core, SQLite, through the real handler stack)"
go test -run '^$' -bench 'GetPatient' -benchmem -benchtime "$benchtime" -cpu 1 ./internal/api | tee -a "$out"

echo "==> audit throughput: 64 concurrent HTTP clients reading patients on PostgreSQL, audit on and off"
go test -run '^$' -bench 'ConcurrentReads' -benchtime "${READS_BENCHTIME:-5000x}" ./internal/app | tee -a "$out"

echo "==> sensor ingest: 8 gateways sending batches of 1,000 readings over HTTP into PostgreSQL, vs raw COPY of the same rows"
go test -run '^$' -bench 'Ingest' -benchtime "${INGEST_BENCHTIME:-400x}" ./internal/app | tee -a "$out"

echo
echo "==> ratios to this machine's limits, measured above"
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) {
		if ($(i+1) == "ns/op") ns[name] = $i
		if ($(i+1) == "reads/s") rps[name] = $i
		if ($(i+1) == "p99-ms") p99[name] = $i
		if ($(i+1) == "entries/group") group[name] = $i
		if ($(i+1) == "readings/s") rds[name] = $i
	}
}
function ratio(label, a, b) {
	if ((a in ns) && (b in ns)) printf "  %-58s %8.0f ns/op  = %6.1f x %s\n", label, ns[a], ns[a] / ns[b], b
}
END {
	n = split("sqlite postgres", backends, " ")
	for (i = 1; i <= n; i++) {
		be = backends[i]
		ratio("read one patient, decrypted (" be ")", "BenchmarkReadPatient/" be, "BenchmarkRawPointRead/" be)
		ratio("enrol one patient (" be ")", "BenchmarkEnrol/" be, "BenchmarkRawPointRead/" be)
	}
	ratio("GET /patients/{id}, local token (sqlite, 1 core)", "BenchmarkGetPatient/local-token", "BenchmarkRawPointRead/sqlite")
	ratio("GET /patients/{id}, OIDC RS256 token (sqlite, 1 core)", "BenchmarkGetPatient/oidc-rs256-token", "BenchmarkRawPointRead/sqlite")
	ratio("GET /patients/{id}, local token, audit off (sqlite, 1 core)", "BenchmarkGetPatient/local-token-unaudited", "BenchmarkRawPointRead/sqlite")
	h = "BenchmarkIngest/http"; c = "BenchmarkIngest/copy"
	if ((h in rds) && (c in rds)) {
		printf "  ingest, PostgreSQL, batches of 1000: HTTP %.0f readings/s vs raw COPY %.0f readings/s\n", rds[h], rds[c]
		printf "  %-58s %8.2f   (target >= 0.5)\n", "HTTP ingest / raw COPY readings per second", rds[h] / rds[c]
	}
	a = "BenchmarkConcurrentReads/audited"; u = "BenchmarkConcurrentReads/unaudited"
	if ((a in rps) && (u in rps)) {
		printf "  64 clients, PostgreSQL: audited %.0f reads/s (p99 %s ms, %s entries/group) vs unaudited %.0f reads/s (p99 %s ms)\n", rps[a], p99[a], group[a], rps[u], p99[u]
		printf "  %-58s %8.2f   (target >= 0.5)\n", "audited / unaudited reads per second", rps[a] / rps[u]
	}
}' "$out"
