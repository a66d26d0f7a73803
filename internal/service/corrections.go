package service

import (
	"context"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// CorrectCollection replaces an installation's data-collection dates and
// records the correction with its reason, in one transaction under the
// home's lock: the rules (domain.ComposeCollectionCorrection) see the
// dates and status a ticket closing at the same time would leave, and a
// date the caller sent back as shown (through shown, nil for callers who
// see the dates exactly) keeps the date stored under the lock, not one
// read before it, which a correction committed in between would have
// replaced. The history records the dates stored, and whether the reason
// was written blind (by a role that does not see identity).
func (s *Study) CorrectCollection(ctx context.Context, installationID int64, start, end *time.Time, reason string, shown func(time.Time) time.Time) (domain.Installation, error) {
	reason, err := domain.CorrectionReasonText.Clean("reason", reason)
	if err != nil {
		return domain.Installation{}, err
	}
	start, end = utc(start), utc(end)
	_, err = s.db.UpdateHome(ctx, store.HomeOf{InstallationID: installationID}, func(h store.LockedHome) (store.HomeChange, error) {
		start, end, err := domain.ComposeCollectionCorrection(h.Home, start, end, shown, h.Now)
		if err != nil {
			return store.HomeChange{}, err
		}
		return store.HomeChange{Collection: &store.Collection{Start: start, End: end},
			Correction: &store.Correction{By: domain.ActorName(ctx), Reason: reason, Blind: writtenBlind(ctx)}}, nil
	})
	if err != nil {
		return domain.Installation{}, err
	}
	return s.db.Installation(ctx, installationID)
}

// CollectionCorrections lists an installation's corrections, oldest first.
func (s *Study) CollectionCorrections(ctx context.Context, installationID int64) ([]domain.CollectionCorrection, error) {
	return s.db.CollectionCorrections(ctx, installationID)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
