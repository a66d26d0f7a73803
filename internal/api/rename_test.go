package api_test

import (
	"testing"

	"serenade/internal/codicefiscale"
)

// mustRename is code for a holder renamed surname first name, so a test
// that renames a patient keeps the names matching the code.
func mustRename(t *testing.T, code, surname, first string) string {
	t.Helper()
	renamed, err := codicefiscale.Rename(code, surname, first)
	if err != nil {
		t.Fatal(err)
	}
	return renamed
}
