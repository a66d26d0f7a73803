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
