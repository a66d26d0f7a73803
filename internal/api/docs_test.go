package api_test

import (
	"os"
	"strings"
	"testing"

	"serenade/internal/testsupport/apptest"
)

// TestRoutesAreDocumented keeps docs/api.md true: its Routes section is
// one table (a blank line would end it, and a Markdown reader would show
// the rows after it as text), every route is a row of it with the action
// it performs, and every row of an /api/ path is a route.
func TestRoutesAreDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := routeTable(t, string(doc))
	s := apptest.Start(t, apptest.Options{})
	listed := map[string]bool{}
	for _, r := range s.App.API().Routes() {
		row := "| `" + r.Method + "` | `" + r.Path + "` | `" + string(r.Action) + "` |"
		found := false
		for i, line := range rows {
			if strings.HasPrefix(line, row) {
				found, listed[rows[i]] = true, true
			}
		}
		if !found {
			t.Errorf("the route table of docs/api.md does not list %s", row)
		}
	}
	for _, line := range rows[2:] { // after the header and its rule; the ingest route is served beside the API
		if !listed[line] && strings.Contains(line, "| `/api/") {
			t.Errorf("docs/api.md lists a route the API does not have: %s", line)
		}
	}
}

// routeTable is the table of the "## Routes" section, its lines from the
// header on; the section must hold one table and nothing after it.
func routeTable(t *testing.T, doc string) []string {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n## Routes\n")
	if !ok {
		t.Fatal("docs/api.md has no Routes section")
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	table := strings.TrimSpace(section)
	rows := strings.Split(table, "\n")
	for i, line := range rows {
		if !strings.HasPrefix(line, "|") {
			t.Fatalf("the Routes table of docs/api.md is cut at its line %d by %q: one table, no blank line", i+1, line)
		}
	}
	if len(rows) < 3 {
		t.Fatalf("the Routes table has %d lines", len(rows))
	}
	return rows
}
