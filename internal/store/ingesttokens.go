package store

import (
	"context"
	"database/sql"
	"time"

	"serenade/internal/domain"
)

// IngestToken is an installation's ingest token as stored: the secret's
// SHA-256, never the secret.
type IngestToken struct {
	domain.IngestToken
	SecretSHA256 []byte
}

// InsertIngestToken stores a new token of an installation whose patient
// is still in the study (a withdrawn one is a conflict: collection has
// ended). The service made the public id and hashed the secret.
func (db *DB) InsertIngestToken(ctx context.Context, installationID int64, publicID string, secretSHA256 []byte) (domain.IngestToken, error) {
	tok := IngestToken{IngestToken: domain.IngestToken{InstallationID: installationID, PublicID: publicID, CreatedAt: db.now().UTC()},
		SecretSHA256: secretSHA256}
	err := db.inTx(ctx, "insert ingest token", func(tx *sql.Tx) error {
		var withdrawn sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT i.patient_id, p.withdrawn_at FROM installations i JOIN patients p ON p.id = i.patient_id
			WHERE i.id = $1`+db.dialect.forShare, installationID).Scan(&tok.PatientID, &withdrawn)
		if err != nil {
			return notFound(err, "installation")
		}
		if withdrawn.Valid {
			return domain.Conflict("the patient has withdrawn: the installation takes no more readings")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO ingest_tokens (installation_id, public_id, secret_sha256, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, installationID, publicID, secretSHA256, tok.CreatedAt).Scan(&tok.ID)
	})
	return tok.IngestToken, err
}

const ingestTokenQuery = `SELECT t.id, t.installation_id, i.patient_id, t.public_id, t.secret_sha256, t.created_at, t.last_used_at, t.revoked_at
	FROM ingest_tokens t JOIN installations i ON i.id = t.installation_id`

func scanIngestToken(s scanner) (IngestToken, error) {
	var t IngestToken
	var used, revoked sql.NullTime
	err := s.Scan(&t.ID, &t.InstallationID, &t.PatientID, &t.PublicID, &t.SecretSHA256, &t.CreatedAt, &used, &revoked)
	t.CreatedAt = t.CreatedAt.UTC()
	t.LastUsedAt, t.RevokedAt = utcPtr(used), utcPtr(revoked)
	return t, err
}

func utcPtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// IngestTokenByPublicID finds a token by its public id (not found:
// domain not-found), revoked or not.
func (db *DB) IngestTokenByPublicID(ctx context.Context, publicID string) (IngestToken, error) {
	t, err := scanIngestToken(db.read.QueryRowContext(ctx, ingestTokenQuery+` WHERE t.public_id = $1`, publicID))
	return t, wrapOp("ingest token", notFound(err, "ingest token"))
}

// IngestTokens lists an installation's tokens, oldest first (an unknown
// installation: not found).
func (db *DB) IngestTokens(ctx context.Context, installationID int64) ([]domain.IngestToken, error) {
	var out []domain.IngestToken
	err := db.inReadTx(ctx, "ingest tokens", func(tx *sql.Tx) error {
		if _, err := db.oneInstallationRow(ctx, tx, installationID); err != nil {
			return err
		}
		rows, err := queryAll(ctx, tx, scanIngestToken, ingestTokenQuery+` WHERE t.installation_id = $1 ORDER BY t.id`, installationID)
		for _, r := range rows {
			out = append(out, r.IngestToken)
		}
		return err
	})
	return out, err
}

// RevokeIngestToken revokes one token of an installation; revoking a
// revoked token changes nothing (its first revocation time stays). A
// token of another installation is not found.
func (db *DB) RevokeIngestToken(ctx context.Context, installationID, tokenID int64) (domain.IngestToken, error) {
	var tok IngestToken
	err := db.inTx(ctx, "revoke ingest token", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE ingest_tokens SET revoked_at = $1 WHERE id = $2 AND installation_id = $3 AND revoked_at IS NULL`,
			db.now().UTC(), tokenID, installationID)
		if err != nil {
			return err
		}
		tok, err = scanIngestToken(tx.QueryRowContext(ctx, ingestTokenQuery+` WHERE t.id = $1 AND t.installation_id = $2`, tokenID, installationID))
		return notFound(err, "ingest token")
	})
	return tok.IngestToken, err
}

// revokeInstallationTokens revokes every live token of an installation
// (a withdrawal ends collection: its gateway may write no more).
func (db *DB) revokeInstallationTokens(ctx context.Context, tx *sql.Tx, installationID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE ingest_tokens SET revoked_at = $1 WHERE installation_id = $2 AND revoked_at IS NULL`, now, installationID)
	return err
}
