.PHONY: test run build bench vet fuzz

# The one test command: installs PostgreSQL/chromium if missing (as root), vets, tests.
test:
	bash scripts/test.sh

run:
	go run ./cmd/serenade serve --demo

build:
	go build -o bin/serenade ./cmd/serenade

bench:
	bash scripts/bench.sh

# go vet, then staticcheck (pinned as a tool dependency in go.mod).
vet:
	go vet ./...
	go tool staticcheck ./...

fuzz:
	go test -fuzz=FuzzParse -fuzztime=30s ./internal/codicefiscale/
