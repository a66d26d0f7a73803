package service

import (
	"context"

	"serenade/internal/domain"
)

// Installation returns one installation with its derived status.
func (s *Study) Installation(ctx context.Context, id int64) (domain.Installation, error) {
	return s.db.Installation(ctx, id)
}

// InstallationOfPatient returns the installation in a patient's home.
func (s *Study) InstallationOfPatient(ctx context.Context, patientID int64) (domain.Installation, error) {
	return s.db.InstallationOfPatient(ctx, patientID)
}

// Installations returns every installation with its derived status.
func (s *Study) Installations(ctx context.Context) ([]domain.Installation, error) {
	return s.db.Installations(ctx)
}

// UpdateHomeContext applies a submitted home context (see
// domain.AuthoredContext.Edit): fields the caller sent back as it was
// shown them keep the stored text and its authorship; the others are
// written, as written blind when the caller does not see identity. shown
// is the redaction the caller is shown (nil for callers who see identity).
func (s *Study) UpdateHomeContext(ctx context.Context, id int64, hc domain.HomeContext, shown func(string) string) (domain.Installation, error) {
	// Refuse a bad field before taking the lock. The edit compares the
	// values as submitted with the caller's view; what it writes is
	// cleaned afterwards.
	cleaned := hc
	if err := cleaned.Validate(); err != nil {
		return domain.Installation{}, err
	}
	blind := writtenBlind(ctx)
	err := s.db.SaveHomeContext(ctx, id, func(stored domain.AuthoredContext) (domain.AuthoredContext, error) {
		next, err := stored.Edit(hc, blind, shown)
		if err != nil {
			return next, err
		}
		return next, next.Validate()
	})
	if err != nil {
		return domain.Installation{}, err
	}
	return s.db.Installation(ctx, id)
}
