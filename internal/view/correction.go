package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
)

// CorrectionView is one correction of an installation's collection dates,
// in the installation's history. Its dates are shown at the collection
// dates' precision and its time at the installation's (it updates the
// installation), so it joins no export its installation view does not.
type CorrectionView struct {
	Installation string     `json:"installation"`
	CorrectedBy  string     `json:"corrected_by"`
	CorrectedAt  time.Time  `json:"corrected_at" doc:"Exact for doctors; for other roles cut to their precision for installation times."`
	OldStart     *time.Time `json:"old_collection_start,omitempty" doc:"The collection start before the correction, at the collection dates' precision."`
	OldEnd       *time.Time `json:"old_collection_end,omitempty" doc:"The collection end before the correction, at the collection dates' precision."`
	NewStart     *time.Time `json:"collection_start,omitempty" doc:"The corrected collection start, at the collection dates' precision."`
	NewEnd       *time.Time `json:"collection_end,omitempty" doc:"The corrected collection end, at the collection dates' precision."`
	Reason       string     `json:"reason" doc:"Why the dates were corrected, redacted like a ticket message for roles without identity unless one of them wrote it (then shown to them as written)."`
}

// Correction projects a correction for a role that may read the history
// (access.InstallationCorrectionsRead).
func (v Viewer) Correction(c domain.CollectionCorrection) CorrectionView {
	out := CorrectionView{Installation: v.Ref(resource.Installation, c.InstallationID), CorrectedBy: c.CorrectedBy,
		CorrectedAt: v.At(access.RecordTimes, c.CorrectedAt),
		OldStart:    v.AtPtr(access.CollectionTimes, c.OldStart), OldEnd: v.AtPtr(access.CollectionTimes, c.OldEnd),
		NewStart: v.AtPtr(access.CollectionTimes, c.NewStart), NewEnd: v.AtPtr(access.CollectionTimes, c.NewEnd),
		Reason: v.authored(c.PatientID, c.Reason, c.ReasonBlind)}
	return out
}
