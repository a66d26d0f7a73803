package ingest

import (
	"context"

	"serenade/internal/domain"
)

// Provisioned is a new token: Token is shown once, in this answer only.
type Provisioned struct {
	Token string
	domain.IngestToken
}

// Provision makes a new ingest token for an installation whose patient
// is in the study (withdrawn: conflict; unknown: not found).
func (s *Service) Provision(ctx context.Context, installationID int64) (Provisioned, error) {
	token, publicID, hash := NewToken()
	row, err := s.db.InsertIngestToken(ctx, installationID, publicID, hash)
	return Provisioned{Token: token, IngestToken: row}, err
}

// Tokens lists an installation's tokens, revoked ones included.
func (s *Service) Tokens(ctx context.Context, installationID int64) ([]domain.IngestToken, error) {
	return s.db.IngestTokens(ctx, installationID)
}

// Revoke revokes one token of an installation: every later use is
// refused (401) and audited. Revoking twice is harmless.
func (s *Service) Revoke(ctx context.Context, installationID, tokenID int64) (domain.IngestToken, error) {
	return s.db.RevokeIngestToken(ctx, installationID, tokenID)
}
