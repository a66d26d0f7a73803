package service_test

import (
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The shared fixtures, by the short names these tests use.
var doctor, installer, mario = storetest.Doctor, storetest.Installer, storetest.Mario

func must[T any](t *testing.T) func(T, error) T { return storetest.Must[T](t) }

// fixCF replaces the test's codice fiscale check character with the
// right one, so fixtures can be written by hand.
func fixCF(t *testing.T, id *domain.Identity) {
	t.Helper()
	if err := domain.ValidateIdentity(id, codicefiscale.Rule{Now: time.Now()}); err == nil {
		return
	}
	for c := 'A'; c <= 'Z'; c++ {
		id.CodiceFiscale = id.CodiceFiscale[:15] + string(c)
		if domain.ValidateIdentity(id, codicefiscale.Rule{Now: time.Now()}) == nil {
			return
		}
	}
	t.Fatalf("no valid check character for %s", id.CodiceFiscale)
}
