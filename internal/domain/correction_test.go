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

// TestCorrectionAnswersOnlyWhatTheCallerSees: monitoring sees the
// collection dates cut to the UTC day. Sending the start back as shown
// with an end T on the start's day is accepted for every T of that day,
// before the hidden time of the start or after it: the answer depends
// on nothing the caller is not shown. What is stored keeps the precise
// start when the rules hold with it, and the start of its day when not.
// A doctor, who sees the start exactly, is refused an end before it.
func TestCorrectionAnswersOnlyWhatTheCallerSees(t *testing.T) {
	now := time.Date(2026, 4, 27, 10, 0, 0, 0, time.UTC)
	day := time.Date(2026, 4, 25, 0, 0, 0, 0, time.UTC)
	precise := day.Add(18*time.Hour + 50*time.Minute + 29*time.Second + 831*time.Millisecond)
	running := precise.AddDate(0, CollectionMonths, 0)
	h := Home{Status: StatusWorking, CollectionStart: &precise, CollectionEnd: &running, DateJoin: day.AddDate(0, 0, -3)}
	toDay := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	ms := time.Millisecond
	for _, end := range []time.Time{day, day.Add(ms), day.Add(9 * time.Hour), precise.Add(-ms), precise, precise.Add(ms), day.Add(24*time.Hour - ms)} {
		start, stored := day, day // as shown; stored as sent when the precise start would follow the end
		if !end.Before(precise) {
			stored = precise
		}
		gotStart, gotEnd, err := ComposeCollectionCorrection(h, &start, &end, toDay, now)
		if err != nil {
			t.Errorf("end %v: %v, want accepted whatever the hidden time", end, err)
			continue
		}
		if !gotStart.Equal(stored) || !gotEnd.Equal(end) {
			t.Errorf("end %v: stored %v – %v, want %v – %v", end, gotStart, gotEnd, stored, end)
		}
		if _, _, err := ComposeCollectionCorrection(h, &precise, &end, nil, now); (err != nil) != end.Before(precise) {
			t.Errorf("the doctor's end %v: %v, want refused only before the start %v", end, err, precise)
		}
	}
	start, end := day, day.Add(-ms)
	if _, _, err := ComposeCollectionCorrection(h, &start, &end, toDay, now); err == nil {
		t.Error("an end the day before the start shown was accepted")
	}

	// Both dates sent back as shown keep both as stored.
	start, end = day, toDay(running)
	gotStart, gotEnd, err := ComposeCollectionCorrection(h, &start, &end, toDay, now)
	if err != nil || !gotStart.Equal(precise) || !gotEnd.Equal(running) {
		t.Errorf("both dates as shown: %v – %v, %v; want %v – %v as stored", gotStart, gotEnd, err, precise, running)
	}
}

// TestCorrectionOfAnEndedCollectionIsCheckedOnTheDayShown: a collection
// that ends today at a time the caller is not shown reads to the caller
// as ended (its day has begun), whether the hidden time has passed or
// not, so moving its end past tomorrow is refused either way.
func TestCorrectionOfAnEndedCollectionIsCheckedOnTheDayShown(t *testing.T) {
	now := time.Date(2026, 4, 27, 10, 0, 0, 0, time.UTC)
	toDay := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	later := time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)
	for _, hidden := range []time.Duration{time.Hour, 20 * time.Hour} { // passed at 10:00, and not yet
		end := toDay(now).Add(hidden)
		h := Home{Status: StatusWorking, CollectionStart: &start, CollectionEnd: &end}
		shownStart := toDay(start)
		if _, _, err := ComposeCollectionCorrection(h, &shownStart, &later, toDay, now); err == nil {
			t.Errorf("end at %v: moved past tomorrow, want refused as the caller sees it ended", end)
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
