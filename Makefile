.PHONY: test run build bench vet fuzz assets screenshots

# The one test command: installs PostgreSQL/chromium if missing (as root), vets, tests.
test:
	bash scripts/test.sh

run:
	go run ./cmd/serenade serve --demo

build:
	go build -o bin/serenade ./cmd/serenade

bench:
	bash scripts/bench.sh

# go vet, staticcheck and the dead-code check (both pinned as tool
# dependencies in go.mod; see scripts/deadcode.sh for what counts as dead).
vet:
	go vet ./...
	go tool staticcheck ./...
	bash scripts/deadcode.sh

fuzz:
	go test -fuzz=FuzzParse -fuzztime=30s ./internal/codicefiscale/

# Regenerates the web UI's vendored browser assets (uPlot, axe-core for
# the browser tests) from the versions pinned in web/package.json. Needs
# npm; the results are committed, so building never does.
assets:
	sh scripts/assets.sh

# Screenshots of the web UI's pages (1280 and 768 px, Italian and
# English) under screenshots/ (ignored), from the browser tests.
screenshots:
	SERENADE_SCREENSHOTS=1 go test -count=1 -timeout 30m ./internal/web/browsertests/
