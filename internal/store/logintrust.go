package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"time"
)

// loginTrustLabel separates the key of login-trust hashes from every
// other use of the pseudonym key.
const loginTrustLabel = "serenade login trust v1"

// loginTrustHash is the keyed hash under which a (username, client
// address) pair is stored: the address is never kept in clear, and the
// hashes cannot be recomputed without the server's key.
func (db *DB) loginTrustHash(username, address string) []byte {
	k := hmac.New(sha256.New, db.pseudonymKey[:])
	k.Write([]byte(loginTrustLabel))
	sub := k.Sum(nil)
	m := hmac.New(sha256.New, sub)
	m.Write([]byte(username))
	m.Write([]byte{0})
	m.Write([]byte(address))
	return m.Sum(nil)
}

// LoginTrusted reports whether username logged in successfully from
// address at or after since (on any replica).
func (db *DB) LoginTrusted(ctx context.Context, username, address string, since time.Time) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_trust WHERE pair_hash = $1 AND last_success >= $2`,
		db.loginTrustHash(username, address), since.UTC()).Scan(&n)
	return n > 0, err
}

// TrustLogin records a successful login of username from address at at,
// and forgets pairs whose last success is before forgetBefore, so the
// table holds only pairs still trusted.
func (db *DB) TrustLogin(ctx context.Context, username, address string, at, forgetBefore time.Time) error {
	return db.inTx(ctx, "trust login", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_trust (pair_hash, last_success) VALUES ($1, $2)
			ON CONFLICT (pair_hash) DO UPDATE SET last_success = excluded.last_success`,
			db.loginTrustHash(username, address), at.UTC()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_trust WHERE last_success < $1`, forgetBefore.UTC())
		return err
	})
}
