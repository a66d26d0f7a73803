package browsertests

import (
	"testing"

	"serenade/internal/testsupport/pgtest"
)

// TestMain stops the PostgreSQL cluster of the PostgreSQL run of the
// flows when the package's tests end.
func TestMain(m *testing.M) { pgtest.Main(m) }
