package throttle_test

import (
	"testing"

	"serenade/internal/testsupport/pgtest"
)

// TestMain stops the PostgreSQL cluster the trust tests start.
func TestMain(m *testing.M) { pgtest.Main(m) }
