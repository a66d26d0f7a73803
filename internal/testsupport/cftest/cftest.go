// Package cftest makes codici fiscali for test data: tests that rename a
// patient must keep the names matching the code, since enrolment and
// identity edits check them (codicefiscale.CheckNames).
package cftest

import (
	"testing"

	"serenade/internal/codicefiscale"
)

// Rename returns code as it would read for a holder named surname first:
// the name letters and the check character change; sex, birth date and
// place stay. An omocodic code comes back in its plain form. code must be
// valid; anything else fails the test.
func Rename(t testing.TB, code, surname, first string) string {
	t.Helper()
	info, err := codicefiscale.Parse(code)
	if err != nil {
		t.Fatalf("cftest.Rename: %v", err)
	}
	renamed, err := codicefiscale.Build(surname, first, info.Sex, info.BirthDate, info.Place.Code)
	if err != nil {
		t.Fatalf("cftest.Rename: %v", err)
	}
	return renamed
}
