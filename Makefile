.PHONY: test run build bench soak vet fuzz vulncheck assets screenshots

# The one test command: installs PostgreSQL/chromium if missing (as root), vets, tests.
test:
	bash scripts/test.sh

run:
	go run ./cmd/serenade serve --demo

build:
	go build -o bin/serenade ./cmd/serenade

bench:
	bash scripts/bench.sh

# A long run of simulated homes and staff against a serve process (not in
# CI): errors, p99 and resident memory per minute, in soak-out/report.md
# with a plot. SOAK_BACKEND=sqlite for the embedded database.
SOAK_DURATION ?= 10m
soak:
	SOAK_DURATION=$(SOAK_DURATION) SOAK_OUT=$(CURDIR)/soak-out go test -count=1 -run '^TestSoak$$' -v -timeout 0 ./internal/testsupport/soak

# go vet, staticcheck and the dead-code check (both pinned as tool
# dependencies in go.mod; see scripts/deadcode.sh for what counts as dead).
vet:
	go vet ./...
	go tool staticcheck ./...
	bash scripts/deadcode.sh

# Every fuzz target, two minutes each (scripts/test.sh runs them 10 s each).
fuzz:
	FUZZTIME=$${FUZZTIME:-2m} bash scripts/fuzz.sh

# govulncheck against the local copy of the Go vulnerability database.
vulncheck:
	bash scripts/vulncheck.sh

# Regenerates the web UI's vendored browser assets (uPlot, axe-core for
# the browser tests) from the versions pinned in web/package.json. Needs
# npm; the results are committed, so building never does.
assets:
	sh scripts/assets.sh

# Screenshots of the web UI's pages (1280 and 768 px, Italian and
# English) under screenshots/ (ignored), from the browser tests.
screenshots:
	SERENADE_SCREENSHOTS=1 go test -count=1 -timeout 30m ./internal/web/browsertests/
