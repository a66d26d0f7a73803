package api_test

import (
	"os"
	"strings"
	"testing"

	"serenade/internal/testsupport/apptest"
)

// TestRoutesAreDocumented keeps docs/api.md true: every route is listed
// with the action it performs.
func TestRoutesAreDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, apptest.Options{})
	for _, r := range s.App.API().Routes() {
		row := "| `" + r.Method + "` | `" + r.Path + "` | `" + string(r.Action) + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/api.md does not list %s", row)
		}
	}
}
