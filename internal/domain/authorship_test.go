package domain

import (
	"slices"
	"testing"
)

// TestEditKeepsFieldsSentBackAsShown covers each case of Edit: a blind
// author sending back its redacted view of a field, or a blind field as
// written, keeps it and its authorship; a changed field takes the
// author's class; an author who sees identity compares with the stored
// text.
func TestEditKeepsFieldsSentBackAsShown(t *testing.T) {
	stored := AuthoredContext{
		HomeContext:  HomeContext{Flatmates: "wife Maddalena", Visitors: "Rossi on Sundays", Pets: "a cat"},
		WrittenBlind: []string{"visitors"},
	}
	shown := func(s string) string {
		if s == "wife Maddalena" {
			return "wife Amedeo"
		}
		return s
	}
	cases := []struct {
		name      string
		submitted HomeContext
		blind     bool
		want      AuthoredContext
	}{
		{"blind, all sent back as shown", HomeContext{Flatmates: "wife Amedeo", Visitors: "Rossi on Sundays", Pets: "a cat"}, true, stored},
		{"blind, one field changed", HomeContext{Flatmates: "wife Amedeo", Visitors: "Rossi on Sundays", Pets: "a dog"}, true,
			AuthoredContext{HomeContext{Flatmates: "wife Maddalena", Visitors: "Rossi on Sundays", Pets: "a dog"}, []string{"pets", "visitors"}}},
		{"sees identity, blind field kept, flatmates rewritten", HomeContext{Flatmates: "alone", Visitors: "Rossi on Sundays", Pets: "a cat"}, false,
			AuthoredContext{HomeContext{Flatmates: "alone", Visitors: "Rossi on Sundays", Pets: "a cat"}, []string{"visitors"}}},
		{"sees identity, blind field rewritten", HomeContext{Flatmates: "wife Maddalena", Visitors: "nobody", Pets: "a cat"}, false,
			AuthoredContext{HomeContext{Flatmates: "wife Maddalena", Visitors: "nobody", Pets: "a cat"}, nil}},
	}
	for _, c := range cases {
		var view func(string) string
		if c.blind {
			view = shown
		}
		got, err := stored.Edit(c.submitted, c.blind, view)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.HomeContext != c.want.HomeContext || !slices.Equal(got.WrittenBlind, c.want.WrittenBlind) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if _, err := stored.Edit(HomeContext{}, true, nil); err == nil {
		t.Error("a blind edit without the author's view was accepted")
	}
}
