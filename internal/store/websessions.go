package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"serenade/internal/domain"
)

// WebSession is one row of web_sessions: a logged-in browser. IDHash is
// the SHA-256 of the cookie's secret (32 bytes); the secret itself is
// never stored. CSRF is the session's 32-byte form-token secret; IDToken
// the OIDC ID token kept for RP-initiated logout ("" for local logins).
type WebSession struct {
	IDHash    []byte
	Principal domain.Principal
	Issuer    string
	CSRF      []byte
	IDToken   string
	CreatedAt time.Time
	LastSeen  time.Time
}

// InsertWebSession stores a new session.
func (db *DB) InsertWebSession(ctx context.Context, s WebSession) error {
	return db.inTx(ctx, "create web session", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (id_hash, subject, username, roles, issuer, csrf, id_token, created_at, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			s.IDHash, s.Principal.Subject, s.Principal.Username, joinRoles(s.Principal.Roles), s.Issuer, s.CSRF, s.IDToken,
			s.CreatedAt.UTC(), s.LastSeen.UTC())
		return err
	})
}

// WebSession returns the session whose id hashes to idHash, or a
// domain.NotFound error.
func (db *DB) WebSession(ctx context.Context, idHash []byte) (WebSession, error) {
	s := WebSession{IDHash: idHash}
	var roles string
	err := db.read.QueryRowContext(ctx, `SELECT subject, username, roles, issuer, csrf, id_token, created_at, last_seen
		FROM web_sessions WHERE id_hash = $1`, idHash).
		Scan(&s.Principal.Subject, &s.Principal.Username, &roles, &s.Issuer, &s.CSRF, &s.IDToken, &s.CreatedAt, &s.LastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return s, domain.NotFound("no such web session")
	}
	s.Principal.Roles = splitRoles(roles)
	s.CreatedAt, s.LastSeen = s.CreatedAt.UTC(), s.LastSeen.UTC()
	return s, wrapOp("web session", err)
}

// TouchWebSession moves a session's last-seen time to at (idle expiry
// counts from it).
func (db *DB) TouchWebSession(ctx context.Context, idHash []byte, at time.Time) error {
	return db.inTx(ctx, "touch web session", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE web_sessions SET last_seen = $1 WHERE id_hash = $2`, at.UTC(), idHash)
		return err
	})
}

// DeleteWebSession removes a session (logout, expiry); removing one that
// is gone is no error.
func (db *DB) DeleteWebSession(ctx context.Context, idHash []byte) error {
	return db.inTx(ctx, "delete web session", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash)
		return err
	})
}

// DeleteExpiredWebSessions removes the sessions idle since before
// idleBefore or created before createdBefore, and returns how many.
func (db *DB) DeleteExpiredWebSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	var n int64
	err := db.inTx(ctx, "expire web sessions", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE last_seen < $1 OR created_at < $2`, idleBefore.UTC(), createdBefore.UTC())
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}
