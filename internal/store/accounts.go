package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"serenade/internal/domain"
)

// InsertAccount stores a local account as given (the service checked
// it); the username is unique.
func (db *DB) InsertAccount(ctx context.Context, a domain.Account) (domain.Account, error) {
	a.CreatedAt = db.now().UTC()
	err := db.inTx(ctx, "create account", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO accounts (username, roles, password_hash, created_at, demo) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			a.Username, joinRoles(a.Roles), a.PasswordHash, a.CreatedAt, a.Demo).Scan(&a.ID)
	})
	if isUniqueViolation(err) {
		return a, domain.Conflict("account %q already exists", a.Username)
	}
	return a, err
}

const accountQuery = `SELECT id, username, roles, password_hash, created_at, disabled_at, demo FROM accounts`

func scanAccount(s scanner) (domain.Account, error) {
	var a domain.Account
	var roles string
	var disabled sql.NullTime
	err := s.Scan(&a.ID, &a.Username, &roles, &a.PasswordHash, &a.CreatedAt, &disabled, &a.Demo)
	a.Roles, a.DisabledAt = splitRoles(roles), timePtr(disabled)
	return a, err
}

// Account returns the account with that username.
func (db *DB) Account(ctx context.Context, username string) (domain.Account, error) {
	a, err := scanAccount(db.read.QueryRowContext(ctx, accountQuery+` WHERE username = $1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return a, domain.NotFound("account %q not found", username)
	}
	return a, wrapOp("account", err)
}

// ListAccounts returns every local account.
func (db *DB) ListAccounts(ctx context.Context) ([]domain.Account, error) {
	out, err := queryAll(ctx, db.read, scanAccount, accountQuery+` ORDER BY username`)
	return out, wrapOp("list accounts", err)
}

// DisableAccount stops an account from logging in; it is kept for audit.
// Its web sessions are deleted in the same transaction, so a browser
// logged in with it stops working at once.
func (db *DB) DisableAccount(ctx context.Context, username string) error {
	err := db.inTx(ctx, "disable account", func(tx *sql.Tx) error {
		if err := expectOne(tx.ExecContext(ctx, `UPDATE accounts SET disabled_at = $1 WHERE username = $2 AND disabled_at IS NULL`, db.now().UTC(), username)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE username = $1 AND subject = $2`, username, localSubjectPrefix+username)
		return err
	})
	if errors.Is(err, errNoRow) {
		return domain.NotFound("no active account %q", username)
	}
	return err
}

// localSubjectPrefix starts a local account's subject (auth.LocalSubjectPrefix;
// the store does not import auth).
const localSubjectPrefix = "local:"

func joinRoles(rs []domain.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []domain.Role {
	var out []domain.Role
	for _, name := range strings.Split(s, ",") {
		if r, ok := domain.ParseRole(name); ok {
			out = append(out, r)
		}
	}
	return out
}
