package api_test

import (
	"testing"

	"serenade/internal/testsupport/nicktest"
	"serenade/internal/textfold"
)

// TestAccentedKeepsEveryNickname: TestRedactionOfWhatStaffWrite names its
// patient after random draws from the nickname list and types the
// surname accented; for every name of the list the accented spelling
// must fold back to the name, or the test fails on the draw of a name
// such as "Amr" (once in about 230 runs before accented minded capitals).
func TestAccentedKeepsEveryNickname(t *testing.T) {
	t.Parallel()
	changed := 0
	for _, n := range nicktest.List(t) {
		a := accented(n)
		if textfold.Fold(a) != textfold.Fold(n) {
			t.Errorf("accented(%q) = %q, which folds to %q, not %q", n, a, textfold.Fold(a), textfold.Fold(n))
		}
		if a != n {
			changed++
		}
	}
	if n := len(nicktest.List(t)); changed < n-1 {
		t.Errorf("only %d of %d names are spelled with an accent", changed, n)
	}
}
