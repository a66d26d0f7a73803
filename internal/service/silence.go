package service

import (
	"context"

	"serenade/internal/domain"
)

// SilenceTicket is a maintenance ticket the sweep opened.
type SilenceTicket struct {
	Ticket  domain.Ticket
	Silence domain.Silence
}

// SweepResult is what one silence sweep found and did.
type SweepResult struct {
	// Silent counts the collecting installations silent by the rule,
	// whether a ticket is open on them or not (the gauge
	// serenade_silent_installations).
	Silent int
	// Opened are the tickets this sweep opened: one per silent working
	// installation that no other replica served first.
	Opened []SilenceTicket
}

// SweepSilence finds the installations collecting now that are silent
// by the rule, and opens a maintenance ticket (system sender, a message
// naming the silent streams) on each that is working: with no ticket
// open. It goes through the ticket state machine under the home's lock
// (Study.OpenTicket), so a second sweep, here or on another replica,
// finds the home in maintenance and opens nothing; a sweep that loses
// that race is not an error. ctx must carry no user principal: the
// ticket is Serenade's own. An error on one installation stops the
// sweep; what it opened so far is returned with it.
func (h *Health) SweepSilence(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := h.db.Now().UTC()
	homes, err := h.db.CollectingInstallations(ctx, now)
	if err != nil {
		return res, err
	}
	study := New(h.db)
	for _, c := range homes {
		states, err := h.db.StreamStates(ctx, c.Installation.ID)
		if err != nil {
			return res, err
		}
		v := h.rule.Judge(*c.Installation.CollectionStart, states, now)
		if !v.Silent {
			continue
		}
		res.Silent++
		if c.OpenTicket {
			continue
		}
		t, err := study.OpenTicket(ctx, c.Installation.ID, domain.CategoryMaintenance, domain.SilenceMessage(v, h.rule.Threshold))
		if domain.KindOf(err) == domain.KindConflict {
			continue // another sweep, or a user, opened a ticket first
		}
		if err != nil {
			return res, err
		}
		res.Opened = append(res.Opened, SilenceTicket{Ticket: t, Silence: v})
	}
	return res, nil
}
