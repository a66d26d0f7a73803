package domain

import (
	"context"
	"time"
)

// Account is a local login (embedded default; an external IdP replaces it).
type Account struct {
	ID           int64
	Username     string
	Roles        []Role
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   *time.Time
	// Demo accounts are created by `serve --demo` and can log in only
	// while the server runs in demo mode.
	Demo bool
}

// Accounts stores local accounts.
type Accounts interface {
	CreateAccount(ctx context.Context, a Account) (Account, error)
	Account(ctx context.Context, username string) (Account, error)
	ListAccounts(ctx context.Context) ([]Account, error)
	DisableAccount(ctx context.Context, username string) error
}
