package service

import (
	"context"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// Withdraw takes a patient out of the study in one transaction (SPEC §3):
// data collection ends now, open installation and maintenance tickets are
// closed by the system, and an uninstallation ticket is opened so the kit
// comes home. What the retrieval visit does not need is erased at once;
// the rest is shredded when that ticket is closed (see CloseTicket), or at
// once when the kit is already home. Either way the patient's data key of
// before the withdrawal is destroyed and the master key then rotated, so
// a backup taken before the withdrawal opens none of it.
func (s *Study) Withdraw(ctx context.Context, id int64) error {
	done, err := s.db.UpdateHome(ctx, store.HomeOf{PatientID: id}, planWithdrawal)
	if err != nil {
		return err
	}
	return s.rotateAfter(ctx, done)
}

// planWithdrawal turns domain.PlanWithdrawal into the home's changes.
func planWithdrawal(h store.LockedHome) (store.HomeChange, error) {
	if h.Home.Withdrawn {
		return store.HomeChange{}, domain.Conflict("the patient has already withdrawn")
	}
	plan := domain.PlanWithdrawal(h.Tickets)
	c := store.HomeChange{
		Collection: &store.Collection{Start: h.Home.CollectionStart, End: domain.EndBy(h.Home.CollectionEnd, h.Now)},
		Shred:      plan.KitHome, Withdraw: !plan.KitHome,
		// Collection has ended: the home's gateway may write no more.
		RevokeIngestTokens: true,
	}
	for _, t := range plan.Close {
		c.Close = append(c.Close, store.TicketClose{ID: t.ID, By: domain.SystemSender, Note: domain.MessageClosedByWithdrawal})
	}
	switch {
	case plan.OpenUninstallation:
		c.Open = &store.NewTicket{Category: domain.CategoryUninstallation, By: domain.SystemSender, Message: domain.MessageOpenedByWithdrawal}
	case plan.Uninstallation != nil:
		c.Messages = []store.NewMessage{{TicketID: plan.Uninstallation.ID, Sender: domain.SystemSender, Body: domain.MessageWithdrawalNote}}
	}
	return c, nil
}

// rotateAfterTimeout bounds the rotation that follows a shred: it
// re-wraps every data key, so it gets more than a request would.
const rotateAfterTimeout = 5 * time.Minute

// rotateAfter rotates the master key once a workflow destroyed a
// patient's data key, so that a backup's copy of that key, wrapped by the
// old master key, can no longer be opened. The store recorded the need in
// the same transaction: a rotation that fails here is retried (see
// store.DB.RotateIfDue), and the error says the workflow took effect
// (domain.ErrRotationPending). The workflow has committed: the rotation
// runs to its end even if the caller (a client that went away) cancels
// ctx, under its own bound.
func (s *Study) rotateAfter(ctx context.Context, done store.Applied) error {
	if !done.KeyDestroyed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rotateAfterTimeout)
	defer cancel()
	_, err := s.db.RotateIfDue(ctx)
	return err
}
