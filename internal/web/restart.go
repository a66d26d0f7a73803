package web

import (
	"errors"
	"net/http"
	"strings"
)

// A list page's cursor is the API's sealed cursor: it expires (an hour),
// belongs to one caller, list, sort and filter, and a hand-edited one does
// not open. The API refuses such a cursor with a 422 naming query.cursor;
// a page then starts its list again from the first page, saying so,
// rather than showing an error: "next" after a pause is a normal thing to
// do. The rule is in fail, so that it holds on every paged page.

// restartedParam marks a list page reached by such a restart (=1); the
// layout then says that the list was reloaded from the start.
const restartedParam = "restarted"

// cursorRefused reports whether err is the API's refusal of a list's
// cursor: a 422 whose errors name query.cursor.
func cursorRefused(err error) bool {
	var p *Problem
	if !errors.As(err, &p) || p.Status != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range p.Errors {
		if e.Location == "query.cursor" {
			return true
		}
	}
	return false
}

// restartList answers a GET whose cursor the API refused with a redirect
// to the same page without the cursor (its other filters kept), marked
// restarted; it reports false (nothing written) for any other request or
// error.
func restartList(w http.ResponseWriter, r *http.Request, err error) bool {
	q := r.URL.Query()
	if r.Method != http.MethodGet || !q.Has("cursor") || !cursorRefused(err) {
		return false
	}
	q.Del("cursor")
	q.Set(restartedParam, "1")
	http.Redirect(w, r, r.URL.Path+"?"+q.Encode(), http.StatusSeeOther)
	return true
}

// restarted reports whether a page was reached by a list's restart.
func restarted(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.TrimSpace(r.URL.Query().Get(restartedParam)) == "1"
}
