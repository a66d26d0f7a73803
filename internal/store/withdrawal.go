package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

// Withdrawal (SPEC §3) is decided by the service and written through
// UpdateHome: its ticket changes, then keepForRetrieval, or shred when the
// kit is already home. Either way the patient's data key of before the
// withdrawal is destroyed and a master key rotation recorded as due, so a
// backup taken before the withdrawal opens none of it once it ran.

// keepForRetrieval keeps, until the kit is back, only what the retrieval
// visit needs (domain.RetrievalIdentity, RetrievalContext, the contacts
// and the ticket threads), re-sealed under a fresh data key; everything
// else, documents included, is erased now and the old data key destroyed.
func (db *DB) keepForRetrieval(ctx context.Context, tx *sql.Tx, h LockedHome, now time.Time) error {
	old, err := db.dataKey(ctx, tx, h.keyID.Int64)
	if err != nil {
		return err
	}
	newID, fresh, err := db.newDataKey(ctx, tx, purposePatient)
	if err != nil {
		return err
	}
	if err := db.resealIdentity(ctx, tx, h.PatientID, old, fresh); err != nil {
		return err
	}
	if err := db.resealHomeContext(ctx, tx, h.InstallationID, old, fresh); err != nil {
		return err
	}
	if err := db.resealRows(ctx, tx, old, fresh, labelContact, `SELECT id, sealed FROM contacts WHERE patient_id = $1`,
		`UPDATE contacts SET sealed = $1 WHERE id = $2`, h.PatientID); err != nil {
		return err
	}
	if err := db.resealRows(ctx, tx, old, fresh, labelMessage, `SELECT m.id, m.sealed FROM ticket_messages m
		JOIN tickets t ON t.id = m.ticket_id WHERE t.installation_id = $1`, `UPDATE ticket_messages SET sealed = $1 WHERE id = $2`, h.InstallationID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE installation_id = $1`, h.InstallationID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM collection_corrections WHERE installation_id = $1`, h.InstallationID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE patients SET data_key_id = $1, cf_index = NULL, withdrawn_at = $2, updated_at = $2 WHERE id = $3`,
		newID, now, h.PatientID); err != nil {
		return err
	}
	if err := db.dropTokens(ctx, tx, h.PatientID); err != nil { // no longer found by search
		return err
	}
	if err := db.destroyPatientKey(ctx, tx, h.keyID.Int64); err != nil {
		return err
	}
	return db.markRotationDue(ctx, tx)
}

func (db *DB) resealIdentity(ctx context.Context, tx *sql.Tx, patientID int64, old, fresh keyring.Key) error {
	var sealed []byte
	if err := tx.QueryRowContext(ctx, `SELECT sealed FROM patients WHERE id = $1`, patientID).Scan(&sealed); err != nil {
		return err
	}
	var id domain.Identity
	if err := openJSON(old, labelIdentity, sealed, &id); err != nil {
		return err
	}
	kept := id.RetrievalIdentity()
	resealed, err := sealJSON(fresh, labelIdentity, kept)
	if err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, `UPDATE patients SET sealed = $1 WHERE id = $2`, resealed, patientID); err != nil {
		return err
	}
	return db.writeSortKeys(ctx, tx, patientID, kept.FirstName, kept.LastName)
}

func (db *DB) resealHomeContext(ctx context.Context, tx *sql.Tx, installationID int64, old, fresh keyring.Key) error {
	var sealed []byte
	if err := tx.QueryRowContext(ctx, `SELECT sealed FROM installations WHERE id = $1`, installationID).Scan(&sealed); err != nil {
		return err
	}
	if sealed == nil {
		return nil // never described
	}
	var hc domain.AuthoredContext
	if err := openJSON(old, labelHomeContext, sealed, &hc); err != nil {
		return err
	}
	resealed, err := sealJSON(fresh, labelHomeContext, hc.Retrieval())
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE installations SET sealed = $1 WHERE id = $2`, resealed, installationID)
	return err
}

// resealRows opens each (id, sealed) row the query selects with old and
// writes it back sealed with fresh.
func (db *DB) resealRows(ctx context.Context, tx *sql.Tx, old, fresh keyring.Key, label, query, update string, arg int64) error {
	type row struct {
		id     int64
		sealed []byte
	}
	rows, err := queryAll(ctx, tx, func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.sealed)
	}, query, arg)
	if err != nil {
		return err
	}
	for _, r := range rows {
		plain, err := old.Open(label, r.sealed)
		if err != nil {
			return fmt.Errorf("open %s: %w", label, err)
		}
		if _, err := tx.ExecContext(ctx, update, fresh.Seal(label, plain), r.id); err != nil {
			return err
		}
	}
	return nil
}

// shred erases what is left of a withdrawn patient for good: every row
// sealed under the patient's data key, then the key itself
// (crypto-shredding), under the configured withdrawal policy. The master
// key rotation that follows must be able to run: under a master key that
// fails its check value nothing is shredded (keyring.ErrKeyCheck).
func (db *DB) shred(ctx context.Context, tx *sql.Tx, patientID, keyID int64, now time.Time) error {
	if err := db.requireVerifiedKey(ctx, tx); err != nil {
		return err
	}
	if err := db.eraseSealed(ctx, tx, patientID, now); err != nil {
		return err
	}
	if err := db.destroyPatientKey(ctx, tx, keyID); err != nil {
		return err
	}
	return db.markRotationDue(ctx, tx)
}

// eraseSealed deletes or clears every row of the patient sealed under its
// data key, under the withdrawal policy, and marks the patient withdrawn
// (keeping an earlier withdrawal time). The data key itself is left to
// the caller.
func (db *DB) eraseSealed(ctx context.Context, tx *sql.Tx, patientID int64, now time.Time) error {
	db.names.forget(patientID) // also when the row goes (EraseAll), which writes no sort keys
	stmts := []string{
		`DELETE FROM patient_tokens WHERE patient_id = $1`,
		`DELETE FROM contacts WHERE patient_id = $1`,
		`DELETE FROM documents WHERE installation_id IN (SELECT id FROM installations WHERE patient_id = $1)`,
		`DELETE FROM collection_corrections WHERE installation_id IN (SELECT id FROM installations WHERE patient_id = $1)`,
		`DELETE FROM ticket_messages WHERE ticket_id IN (SELECT t.id FROM tickets t JOIN installations i ON i.id = t.installation_id WHERE i.patient_id = $1)`,
		`UPDATE installations SET sealed = NULL WHERE patient_id = $1`,
	}
	if db.policy == EraseAll {
		stmts = append(stmts, `DELETE FROM installations WHERE patient_id = $1`, `DELETE FROM patients WHERE id = $1`)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s, patientID); err != nil {
			return err
		}
	}
	if db.policy != EraseAll {
		if _, err := tx.ExecContext(ctx, `UPDATE patients SET sealed = NULL, cf_index = NULL, data_key_id = NULL,
			withdrawn_at = COALESCE(withdrawn_at, $1), updated_at = $1 WHERE id = $2`, now, patientID); err != nil {
			return err
		}
		if err := db.writeSortKeys(ctx, tx, patientID, "", ""); err != nil { // the names are gone
			return err
		}
	}
	return nil
}
