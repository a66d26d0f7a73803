package api

import (
	"errors"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/domain"
	"serenade/internal/problem"
)

// TestErrorsMapThroughTheTable: every domain error kind, and every status
// huma builds an error with, gets the status, type and title of its row
// once the API's response transformer (problemDetails) has run.
func TestErrorsMapThroughTheTable(t *testing.T) {
	check := func(what string, se huma.StatusError, want problem.Entry) {
		t.Helper()
		out, err := problemDetails(nil, "", se)
		m, ok := out.(*huma.ErrorModel)
		if err != nil || !ok || m.Status != want.Status || m.Type != want.Type() || m.Title != want.Title {
			t.Errorf("%s: %+v, want %d %s %q", what, se, want.Status, want.Type(), want.Title)
		}
	}
	for k := domain.KindInternal; k <= domain.KindForbidden; k++ {
		check("domain "+k.String(), problemOf(&domain.Error{Kind: k, Field: "f", Message: "m"}), problem.ForDomain(k))
	}
	check("a plain error", problemOf(errors.New("boom")), problem.Of(problem.Internal))
	for _, e := range problem.Table {
		check("status of "+string(e.Kind), huma.NewError(e.Status, "x"), problem.ForStatus(e.Status, ""))
	}
	check("client gone", errClientGone(), problem.Of(problem.ClientClosed))
	check("keys unverified", errKeysUnverified(), problem.Of(problem.Unavailable))
}
