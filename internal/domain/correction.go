package domain

import "time"

// CorrectionReasonText is the rule of a collection-date correction's
// reason: free text like a ticket message (it may name the patient, so it
// is sealed and redacted like one), shorter, and never empty: a date
// changed without a reason cannot be reviewed.
var CorrectionReasonText = TextRule{Max: 1000, Required: true, MultiLine: true, Letter: true}

// CollectionCorrection is one correction of an installation's
// data-collection dates, with what they were and why they changed.
type CollectionCorrection struct {
	ID             int64
	InstallationID int64
	PatientID      int64
	CorrectedBy    string
	CorrectedAt    time.Time
	OldStart       *time.Time
	OldEnd         *time.Time
	NewStart       *time.Time
	NewEnd         *time.Time
	Reason         string
	// ReasonBlind is set when the reason was written by a role that does
	// not see identity: it is shown to such roles as written (see
	// AuthoredContext), never redacted.
	ReasonBlind bool
}

// CheckCollectionCorrection applies the rules of a correction of h's
// collection dates to start and end at now. Corrections fix what the
// tickets recorded; they do not change where the kit is, so a date that
// is set stays set and one that is not stays unset (the status, derived
// from the tickets, stays coherent with the dates). Start is not before
// EarliestDateJoin nor after tomorrow (the enrolment's day of slack), end
// is not before start nor later than a full collection from it, and an
// end already passed (the kit is home) is not moved past tomorrow.
func CheckCollectionCorrection(h Home, start, end *time.Time, now time.Time) error {
	if h.Withdrawn {
		return Conflict("the patient has withdrawn from the study: the collection dates are not corrected")
	}
	if err := samePresence("collection_start", h.CollectionStart, start); err != nil {
		return err
	}
	if err := samePresence("collection_end", h.CollectionEnd, end); err != nil {
		return err
	}
	tomorrow := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
	if start != nil && (start.Before(EarliestDateJoin) || !start.Before(tomorrow)) {
		return Invalid("collection_start", "must be between %s and the end of tomorrow (UTC)", EarliestDateJoin.Format(time.DateOnly))
	}
	if start != nil && start.Before(h.DateJoin) {
		return Invalid("collection_start", "must not be before the enrolment date, %s: correct the enrolment date first if it is wrong",
			h.DateJoin.Format(time.DateOnly))
	}
	if end == nil {
		return nil
	}
	if start != nil && end.Before(*start) {
		return Invalid("collection_end", "must not be before collection_start")
	}
	if start != nil && end.After(start.AddDate(0, CollectionMonths, 0)) {
		return Invalid("collection_end", "must be at most %d months after collection_start", CollectionMonths)
	}
	if h.CollectionEnd.Before(now) && !end.Before(tomorrow) {
		return Invalid("collection_end", "collection has ended: the end must not be after tomorrow (UTC)")
	}
	return nil
}

// ComposeCollectionCorrection is what a correction of h's collection
// dates to start and end, sent by a caller shown the dates through shown
// (nil for a caller who sees them exactly), stores, or the rule it
// breaks. Its answer depends only on what the caller sees: the rules are
// applied to the caller's view, h's dates as shown and the dates as sent,
// so that whether a correction is accepted reveals nothing of the part of
// the stored dates the caller is not shown (a date sent back as shown and
// checked against the other as stored would answer, one request at a
// time, whether the hidden time is before a chosen instant). A date sent
// back exactly as shown is kept as stored, so that correcting one date
// does not move the other to the start of its day, when the rules still
// hold with the stored value; when they do not, it is stored as sent.
// Either way the caller is shown the same dates afterwards. Checking the
// view is never laxer than checking the stored dates: a shown date is the
// stored one cut down, so a collection the caller sees running has not
// ended.
func ComposeCollectionCorrection(h Home, start, end *time.Time, shown func(time.Time) time.Time, now time.Time) (*time.Time, *time.Time, error) {
	if shown == nil {
		return start, end, CheckCollectionCorrection(h, start, end, now)
	}
	seen := h
	seen.CollectionStart, seen.CollectionEnd = shownPtr(shown, h.CollectionStart), shownPtr(shown, h.CollectionEnd)
	if err := CheckCollectionCorrection(seen, start, end, now); err != nil {
		return nil, nil, err
	}
	keptStart := keptAsShown(start, seen.CollectionStart)
	keptEnd := keptAsShown(end, seen.CollectionEnd)
	// Both stored dates when both were kept, then either, then the dates
	// as sent (which the check above passed: it holds of the stored home).
	for _, keep := range [][2]bool{{true, true}, {true, false}, {false, true}} {
		s, e := start, end
		if keep[0] && keptStart {
			s = h.CollectionStart
		}
		if keep[1] && keptEnd {
			e = h.CollectionEnd
		}
		if (s != start || e != end) && CheckCollectionCorrection(h, s, e, now) == nil {
			return s, e, nil
		}
	}
	return start, end, CheckCollectionCorrection(h, start, end, now)
}

// keptAsShown reports whether sent is the date the caller was shown.
func keptAsShown(sent, shown *time.Time) bool {
	return sent != nil && shown != nil && sent.Equal(*shown)
}

func shownPtr(shown func(time.Time) time.Time, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := shown(*t)
	return &s
}

// samePresence refuses setting a date the installation has not reached,
// or clearing one it has.
func samePresence(field string, was, now *time.Time) error {
	switch {
	case was == nil && now != nil:
		return Invalid(field, "is not set on this installation: it is set by the tickets, not by a correction")
	case was != nil && now == nil:
		return Invalid(field, "is set on this installation and must be given")
	}
	return nil
}
