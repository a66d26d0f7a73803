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

echo "==> machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
echo "==> store benchmarks (SQLite and PostgreSQL)"
go test -run '^$' -bench 'Enrol|ReadPatient|RawPointRead' -benchmem -benchtime "$benchtime" ./internal/store | tee -a "$out"
echo "==> API benchmarks (one core, SQLite, through the real handler stack)"
go test -run '^$' -bench 'GetPatient' -benchmem -benchtime "$benchtime" -cpu 1 ./internal/api | tee -a "$out"

echo "==> audit throughput: 64 concurrent HTTP clients reading patients on PostgreSQL, audit on and off"
go test -run '^$' -bench 'ConcurrentReads' -benchtime "${READS_BENCHTIME:-5000x}" ./internal/app | tee -a "$out"

echo "==> sensor ingest: 8 gateways sending batches of 1,000 readings over HTTP and over MQTT (mosquitto) into PostgreSQL, vs raw COPY of the same rows, one server, one run"
go test -run '^$' -bench 'Ingest' -benchtime "${INGEST_BENCHTIME:-400x}" ./internal/app | tee -a "$out"
echo "==> peak RSS of serenade serve (a separate process, PostgreSQL): 8 gateways ingesting over HTTP, then a month's and a year's CSV export"
go test -run '^$' -bench 'ServeRSS' -benchtime "${RSS_BENCHTIME:-200x}" -timeout 30m ./cmd/serenade | tee -a "$out"
echo "==> sensor downsampling: a year of per-minute readings (525,600) into 1,000 buckets over HTTP, SQLite and PostgreSQL"
go test -run '^$' -bench 'DownsampleYear' -benchtime "${DOWNSAMPLE_BENCHTIME:-50x}" -timeout 30m ./internal/api | tee -a "$out"

echo "==> hot read path: GET /patients/{id} from 64 clients vs pgbench -S (durable PostgreSQL cluster, fsync on) and vs a raw SQLite point read"
echo "    (SERENADE_BENCH_SECONDS per run, default 5; SERENADE_BENCH_RUNS runs, default 3; medians)"
go test -run '^$' -bench 'HotRead' -benchtime 1x -timeout 30m ./internal/app | tee -a "$out"

echo "==> lists of 10,000 enrolled patients (pages, a search, the work queue) on SQLite and PostgreSQL"
go test -run '^$' -bench 'Lists10k' -benchtime "${LISTS_BENCHTIME:-100x}" -timeout 30m ./internal/api | tee -a "$out"

echo
echo "==> ratios to this machine's limits, measured above"
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) {
		if ($(i+1) == "ns/op") ns[name] = $i
		if ($(i+1) == "reads/s") rps[name] = $i
		if ($(i+1) == "p99-ms") p99[name] = $i
		if ($(i+1) == "p50-ms") p50[name] = $i
		if ($(i+1) == "entries/group") group[name] = $i
		if ($(i+1) == "readings/s") rds[name] = $i

		if ($(i+1) == "limit/s") lim[name] = $i

		if ($(i+1) == "p50-ms") p50[name] = $i
		if ($(i+1) == "naive-p50-ms") naive[name] = $i
		if ($(i+1) == "csv-month-heap-MiB") heapm[name] = $i
		if ($(i+1) == "csv-year-heap-MiB") heapy[name] = $i
		if ($(i+1) == "ingest-peak-rss-MiB") rssi[name] = $i
		if ($(i+1) == "csv-month-peak-rss-MiB") rssm[name] = $i
		if ($(i+1) == "csv-year-peak-rss-MiB") rssy[name] = $i
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
	h = "BenchmarkIngest/http"; c = "BenchmarkIngest/copy"; m = "BenchmarkIngest/mqtt"
	if ((h in rds) && (c in rds)) {
		printf "  ingest, PostgreSQL, batches of 1000, one run: raw COPY %.0f, HTTP %.0f, MQTT %.0f readings/s\n", rds[c], rds[h], rds[m]
		printf "  %-58s %8.2f   (target >= 0.5)\n", "HTTP ingest / raw COPY readings per second", rds[h] / rds[c]
	}
	if ((m in rds) && (c in rds)) printf "  %-58s %8.2f   (same COPY limit)\n", "MQTT ingest / raw COPY readings per second", rds[m] / rds[c]

	for (i = 1; i <= n; i++) {
		be = backends[i]; h = "BenchmarkHotRead/" be
		limit = (be == "postgres") ? "pgbench -S" : "raw point reads"
		if ((h in rps) && (h in lim)) {
			printf "  GET /patients/{id}, 64 clients (%s): %.0f reads/s vs %s %.0f/s = %.3f (p50 %s ms, p99 %s ms, %s entries/audit group)\n",
				be, rps[h], limit, lim[h], rps[h] / lim[h], p50[h], p99[h], group[h]
		}
	}
	if ("BenchmarkHotRead/postgres" in rps) printf "  %-58s %8.3f   (target >= 0.25, p99 <= 25 ms)\n", "hot read / pgbench -S (PostgreSQL, fsync on)", rps["BenchmarkHotRead/postgres"] / lim["BenchmarkHotRead/postgres"]

	for (i = 1; i <= n; i++) {
		be = backends[i]; raw = "BenchmarkLists10k/" be "/raw-entries"
		m = split("patients-page patients-page-by-date patients-search installations-page-by-nickname ticket-queue-page", lists, " ")
		for (j = 1; j <= m; j++) {
			l = "BenchmarkLists10k/" be "/" lists[j]
			if ((l in p50) && (raw in p50) && p50[raw] > 0)
				printf "  %-58s p50 %7.2f ms = %5.1f x raw entries, %4.2f of the 50 ms bar\n", lists[j] " of 10,000 (" be ")", p50[l], p50[l] / p50[raw], p50[l] / 50
		}
	}

	for (i = 1; i <= n; i++) {
		d = "BenchmarkDownsampleYear/" backends[i]
		if ((d in p50) && (d in naive)) {
			printf "  downsample a year to 1,000 buckets over HTTP (%s): p50 %s ms, p99 %s ms (goal p50 <= 20 ms); naive GROUP BY %s ms: %.3f x naive\n", backends[i], p50[d], p99[d], naive[d], p50[d] / naive[d]
			printf "  live heap growth during CSV export (%s): a month %s MiB, a year %s MiB (flat: not growing with the range)\n", backends[i], heapm[d], heapy[d]
		}
	}
	r = "BenchmarkServeRSS"
	if (r in rssi) {
		printf "  %-58s %8.1f MiB = %4.2f of the 256 MiB goal\n", "peak RSS of serve during HTTP ingest (PostgreSQL)", rssi[r], rssi[r] / 256
		printf "  %-58s %8.1f MiB vs a month %.1f MiB = %4.2f (flat: 1.00)\n", "peak RSS of serve exporting a year as CSV", rssy[r], rssm[r], rssy[r] / rssm[r]
	}
	a = "BenchmarkConcurrentReads/audited"; u = "BenchmarkConcurrentReads/unaudited"
	if ((a in rps) && (u in rps)) {
		printf "  64 clients, PostgreSQL: audited %.0f reads/s (p99 %s ms, %s entries/group) vs unaudited %.0f reads/s (p99 %s ms)\n", rps[a], p99[a], group[a], rps[u], p99[u]
		printf "  %-58s %8.2f   (target >= 0.5)\n", "audited / unaudited reads per second", rps[a] / rps[u]
	}
}' "$out"
