package store_test

import (
	"errors"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The shared fixtures, by the short names these tests use.
var doctor, installer, mario = storetest.Doctor, storetest.Installer, storetest.Mario

func must[T any](t *testing.T) func(T, error) T { return storetest.Must[T](t) }

func wantConflict(t *testing.T, err error, what string) {
	t.Helper()
	var de *domain.Error
	if domain.KindOf(err) != domain.KindConflict || !errors.As(err, &de) || de.Message == "" {
		t.Fatalf("%s: err = %v, want a conflict saying why", what, err)
	}
}
