package domain

import (
	"testing"
	"time"
)

func TestCheckCollectionCorrection(t *testing.T) {
	now := time.Date(2026, 5, 10, 15, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d int) *time.Time { v := time.Date(y, m, d, 9, 0, 0, 0, time.UTC); return &v }
	working := Home{Status: StatusWorking, CollectionStart: at(2026, 1, 10), CollectionEnd: at(2027, 1, 10)}
	enrolled := working
	enrolled.DateJoin = time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)
	ended := Home{Status: StatusInactive, CollectionStart: at(2025, 1, 10), CollectionEnd: at(2025, 12, 1)}
	cases := []struct {
		name       string
		h          Home
		start, end *time.Time
		want       string // field refused, "" for accepted, "conflict"
	}{
		{"a day earlier", working, at(2026, 1, 9), at(2027, 1, 9), ""},
		{"start tomorrow", working, at(2026, 5, 11), at(2026, 6, 1), ""},
		{"start the day after tomorrow", working, at(2026, 5, 12), at(2026, 6, 1), "collection_start"},
		{"start in 1999", working, at(1999, 12, 31), at(2000, 6, 1), "collection_start"},
		{"end before start", working, at(2026, 1, 10), at(2026, 1, 9), "collection_end"},
		{"end past a full collection", working, at(2026, 1, 10), at(2027, 1, 11), "collection_end"},
		{"end dropped", working, at(2026, 1, 10), nil, "collection_end"},
		{"start dropped", working, nil, at(2027, 1, 10), "collection_start"},
		{"start on a home to install", Home{Status: StatusToInstall}, at(2026, 1, 10), nil, "collection_start"},
		{"an ended collection moved into the future", ended, at(2025, 1, 10), at(2026, 5, 20), "collection_end"},
		{"an ended collection corrected", ended, at(2025, 1, 11), at(2025, 11, 30), ""},
		{"start on the enrolment day", enrolled, at(2026, 1, 8), at(2027, 1, 8), ""},
		{"start the day before the enrolment", enrolled, at(2026, 1, 7), at(2027, 1, 7), "collection_start"},
		{"withdrawn", Home{Status: StatusUninstalling, Withdrawn: true, CollectionStart: at(2026, 1, 10), CollectionEnd: at(2026, 3, 1)}, at(2026, 1, 9), at(2026, 3, 1), "conflict"},
	}
	for _, c := range cases {
		err := CheckCollectionCorrection(c.h, c.start, c.end, now)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", c.name, err)
		case c.want == "conflict" && KindOf(err) != KindConflict:
			t.Errorf("%s: %v, want a conflict", c.name, err)
		case c.want != "" && c.want != "conflict":
			if de, ok := err.(*Error); !ok || de.Field != c.want {
				t.Errorf("%s: %v, want refused at %s", c.name, err, c.want)
			}
		}
	}
}

func TestParseDocumentType(t *testing.T) {
	for in, want := range map[string]DocumentType{"": DocumentOther, "map": DocumentMap, "signed-form": DocumentSignedForm, "photo": DocumentPhoto, "other": DocumentOther} {
		if got, err := ParseDocumentType(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"MAP", "signed_form", "foto", " photo", "other\n"} {
		if _, err := ParseDocumentType(bad); KindOf(err) != KindInvalid {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
}
