package service

import (
	"context"

	"serenade/internal/domain"
)

// ListEntries returns the entry of every patient the filter keeps, for
// lists to order and page (domain.ListEntry). The search is cleaned by
// the text policy of queries before it reaches the blind index.
func (s *Study) ListEntries(ctx context.Context, f domain.ListFilter) ([]domain.ListEntry, error) {
	return s.db.ListEntries(ctx, f)
}

// PatientsByID returns the patients of a page, decrypted, in the order
// of ids.
func (s *Study) PatientsByID(ctx context.Context, ids []int64) ([]domain.Patient, error) {
	return s.db.PatientsByID(ctx, ids)
}

// InstallationsByID returns the installations of a page, in the order
// of ids.
func (s *Study) InstallationsByID(ctx context.Context, ids []int64) ([]domain.Installation, error) {
	return s.db.InstallationsByID(ctx, ids)
}

// TicketEntries returns the work queue's tickets the filter keeps.
func (s *Study) TicketEntries(ctx context.Context, f domain.TicketFilter) ([]domain.TicketEntry, error) {
	return s.db.TicketEntries(ctx, f)
}
