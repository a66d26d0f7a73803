package problem_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/problem"
)

// TestEveryRowIsWrittenAsItSays writes every kind of the table and reads
// the problem document back.
func TestEveryRowIsWrittenAsItSays(t *testing.T) {
	seen := map[problem.Kind]bool{}
	for _, e := range problem.Table {
		if seen[e.Kind] {
			t.Errorf("%s: two rows", e.Kind)
		}
		seen[e.Kind] = true
		if want := http.StatusText(e.Status); want != "" && e.Title != want {
			t.Errorf("%s: title %q, the reason phrase of %d is %q", e.Kind, e.Title, e.Status, want)
		}
		rec := httptest.NewRecorder()
		problem.Write(rec, httptest.NewRequest(http.MethodGet, "/x", nil), e.Kind, "detail of "+string(e.Kind))
		var got problem.Details
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		want := problem.Details{Type: problem.TypeBase + e.Slug, Title: e.Title, Status: e.Status, Detail: "detail of " + string(e.Kind)}
		if rec.Code != e.Status || got != want || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: wrote %d %+v (%s), want %d %+v", e.Kind, rec.Code, got, rec.Header().Get("Content-Type"), e.Status, want)
		}
		if first := firstOfStatus(e.Status); problem.ForStatus(e.Status, "ignored") != first {
			t.Errorf("status %d: ForStatus gives %+v, want the first row %+v", e.Status, problem.ForStatus(e.Status, "x"), first)
		}
	}
	if problem.Of("no-such-kind") != problem.Of(problem.Internal) {
		t.Error("an unknown kind is not internal")
	}
}

func firstOfStatus(status int) problem.Entry {
	for _, e := range problem.Table {
		if e.Status == status {
			return e
		}
	}
	return problem.Entry{}
}

// TestEveryDomainKindHasItsRow maps each domain error kind to its row.
func TestEveryDomainKindHasItsRow(t *testing.T) {
	want := map[domain.Kind]int{
		domain.KindInternal: 500, domain.KindInvalid: 422, domain.KindNotFound: 404,
		domain.KindConflict: 409, domain.KindUnauthenticated: 401, domain.KindForbidden: 403,
		domain.KindUnavailable: 503,
	}
	for k := domain.Kind(0); k.String() != "internal" || k == domain.KindInternal; k++ {
		e := problem.ForDomain(k)
		if !e.OfDomain || e.Domain != k || e.Status != want[k] {
			t.Errorf("domain kind %s: row %+v, want status %d", k, e, want[k])
		}
	}
}

// TestStatusesOutsideTheTable keeps huma's other statuses readable.
func TestStatusesOutsideTheTable(t *testing.T) {
	cases := []struct {
		status   int
		wantSlug string
	}{
		{http.StatusTeapot, "i'm-a-teapot"}, {http.StatusGone, "gone"},
		{http.StatusBadGateway, "internal"}, {http.StatusGatewayTimeout, "internal"},
	}
	for _, c := range cases {
		e := problem.ForStatus(c.status, http.StatusText(c.status))
		if e.Slug != c.wantSlug || e.Status != c.status || e.Title != http.StatusText(c.status) {
			t.Errorf("%d: %+v, want slug %q", c.status, e, c.wantSlug)
		}
	}
}

// TestTheDocumentedTableIsTheTable holds docs/api.md's "Problem types"
// equal to the table, row for row (status and type).
func TestTheDocumentedTableIsTheTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| (\\d{3}) \\| `([a-z'-]+)` \\|").FindAllSubmatch(doc, -1)
	if len(rows) < 10 {
		t.Fatalf("found %d documented problem types: the parser is broken", len(rows))
	}
	documented := map[string]bool{}
	for _, r := range rows {
		documented[string(r[1])+" "+string(r[2])] = true
	}
	inTable := map[string]bool{}
	for _, e := range problem.Table {
		key := strconv.Itoa(e.Status) + " " + e.Slug
		inTable[key] = true
		if !documented[key] {
			t.Errorf("%s (%s) is not documented", key, e.Kind)
		}
	}
	for key := range documented {
		if !inTable[key] {
			t.Errorf("documented %s is not in the table", key)
		}
	}
}
