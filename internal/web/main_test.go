package web_test

import (
	"os"
	"testing"

	"serenade/internal/testsupport/conformance"
	"serenade/internal/testsupport/pgtest"
)

// TestMain runs the package's tests with the OpenAPI conformance check
// on: the pages' API calls made over HTTP by the tests are checked too.
func TestMain(m *testing.M) {
	log := conformance.Start()
	code := pgtest.Run(m)
	os.Exit(log.Finish(os.Stderr, code, testing.Verbose()))
}
