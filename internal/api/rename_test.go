package api_test

import (
	"testing"

	"serenade/internal/testsupport/cftest"
)

// mustRename is code for a holder renamed surname first name, so a test
// that renames a patient keeps the names matching the code.
func mustRename(t *testing.T, code, surname, first string) string {
	return cftest.Rename(t, code, surname, first)
}
