package service

import (
	"context"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// Accounts implements domain.Accounts over a store: a local account's
// username has one shape (domain.ValidateUsername) and at least one role,
// whichever path creates it (the command line, demo seeding).
type Accounts struct {
	db *store.DB
}

var _ domain.Accounts = (*Accounts)(nil)

// NewAccounts returns the account service over db.
func NewAccounts(db *store.DB) *Accounts { return &Accounts{db: db} }

// CreateAccount checks and adds a local account; the username is unique.
func (s *Accounts) CreateAccount(ctx context.Context, a domain.Account) (domain.Account, error) {
	username, err := domain.ValidateUsername(a.Username)
	if err != nil {
		return a, err
	}
	a.Username = username
	if len(a.Roles) == 0 {
		return a, domain.Invalid("roles", "at least one role is required")
	}
	return s.db.InsertAccount(ctx, a)
}

// Account returns the account with that username.
func (s *Accounts) Account(ctx context.Context, username string) (domain.Account, error) {
	return s.db.Account(ctx, username)
}

// ListAccounts returns every local account.
func (s *Accounts) ListAccounts(ctx context.Context) ([]domain.Account, error) {
	return s.db.ListAccounts(ctx)
}

// DisableAccount stops an account from logging in; it is kept for audit.
func (s *Accounts) DisableAccount(ctx context.Context, username string) error {
	return s.db.DisableAccount(ctx, username)
}
