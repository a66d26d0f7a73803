package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

// Withdraw takes a patient out of the study in one transaction (SPEC §3):
// data collection ends now, open installation and maintenance tickets are
// closed by the system, and an uninstallation ticket is opened so the kit
// comes home. What the retrieval visit does not need is erased at once;
// the rest is shredded when that ticket is closed (see CloseTicket), or at
// once when the kit is already home. Either way the patient's data key of
// before the withdrawal is destroyed and the master key then rotated, so
// a backup taken before the withdrawal opens none of it.
func (db *DB) Withdraw(ctx context.Context, id int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.requireVerifiedKey(ctx, tx); err != nil {
			return err // the re-seal or the rotation would fail half-way
		}
		h, err := db.homeForUpdate(ctx, tx, ` WHERE i.patient_id = $1`, id, "patient")
		if err != nil {
			return err
		}
		if h.home.Withdrawn {
			return domain.Conflict("the patient has already withdrawn")
		}
		now := db.now().UTC()
		plan := domain.PlanWithdrawal(h.tickets)
		if err := db.applyWithdrawalTickets(ctx, tx, h, plan, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE installations SET collection_end = $1, updated_at = $2 WHERE id = $3`,
			nullTime(domain.EndBy(h.home.CollectionEnd, now)), now, h.installationID); err != nil {
			return err
		}
		if plan.KitHome {
			return db.shred(ctx, tx, h.patientID, h.keyID.Int64, now)
		}
		return db.keepForRetrieval(ctx, tx, h, now)
	})
	if err != nil {
		return err
	}
	return db.rotateAfterShred(ctx)
}

// applyWithdrawalTickets closes, opens and annotates tickets as the plan says.
func (db *DB) applyWithdrawalTickets(ctx context.Context, tx *sql.Tx, h lockedHome, plan domain.Withdrawal, now time.Time) error {
	for _, t := range plan.Close {
		if err := db.closeBySystem(ctx, tx, t.ID, domain.MessageClosedByWithdrawal, now); err != nil {
			return err
		}
	}
	switch {
	case plan.OpenUninstallation:
		_, err := db.openTicket(ctx, tx, h.installationID, domain.CategoryUninstallation, domain.SystemSender, domain.MessageOpenedByWithdrawal, now)
		return err
	case plan.Uninstallation != nil:
		_, err := db.insertMessage(ctx, tx, plan.Uninstallation.ID, domain.SystemSender, domain.MessageWithdrawalNote, now)
		return err
	}
	return nil
}

// keepForRetrieval keeps, until the kit is back, only what the retrieval
// visit needs (domain.RetrievalIdentity, RetrievalContext, the contacts
// and the ticket threads), re-sealed under a fresh data key; everything
// else, documents included, is erased now and the old data key destroyed.
func (db *DB) keepForRetrieval(ctx context.Context, tx *sql.Tx, h lockedHome, now time.Time) error {
	old, err := db.dataKey(ctx, tx, h.keyID.Int64)
	if err != nil {
		return err
	}
	newID, fresh, err := db.newDataKey(ctx, tx, purposePatient)
	if err != nil {
		return err
	}
	if err := db.resealIdentity(ctx, tx, h.patientID, old, fresh); err != nil {
		return err
	}
	if err := db.resealHomeContext(ctx, tx, h.installationID, old, fresh); err != nil {
		return err
	}
	if err := db.resealRows(ctx, tx, old, fresh, labelContact, `SELECT id, sealed FROM contacts WHERE patient_id = $1`,
		`UPDATE contacts SET sealed = $1 WHERE id = $2`, h.patientID); err != nil {
		return err
	}
	if err := db.resealRows(ctx, tx, old, fresh, labelMessage, `SELECT m.id, m.sealed FROM ticket_messages m
		JOIN tickets t ON t.id = m.ticket_id WHERE t.installation_id = $1`, `UPDATE ticket_messages SET sealed = $1 WHERE id = $2`, h.installationID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE installation_id = $1`, h.installationID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE patients SET data_key_id = $1, cf_index = NULL, withdrawn_at = $2, updated_at = $2 WHERE id = $3`,
		newID, now, h.patientID); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM data_keys WHERE id = $1 AND purpose = $2`, h.keyID.Int64, purposePatient); err != nil {
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
	resealed, err := sealJSON(fresh, labelIdentity, id.RetrievalIdentity())
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE patients SET sealed = $1 WHERE id = $2`, resealed, patientID)
	return err
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
	stmts := []string{
		`DELETE FROM contacts WHERE patient_id = $1`,
		`DELETE FROM documents WHERE installation_id IN (SELECT id FROM installations WHERE patient_id = $1)`,
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
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM data_keys WHERE id = $1 AND purpose = $2`, keyID, purposePatient); err != nil {
		return err
	}
	return db.markRotationDue(ctx, tx)
}

// rotateAfterShredTimeout bounds the rotation that follows a shred: it
// re-wraps every data key, so it gets more than a request would.
const rotateAfterShredTimeout = 5 * time.Minute

// rotateAfterShred rotates the master key once a patient's data key was
// destroyed, so that a backup's copy of that key, wrapped by the old
// master key, can no longer be opened. The need was recorded in the
// shred's transaction (markRotationDue): a rotation that fails here is
// retried (see RotateIfDue), and the error says the shred took effect
// (domain.ErrRotationPending). A master key given in the environment is
// not recorded: the operator rotates it. The shred has committed: the
// rotation runs to its end even if the caller (a client that went away)
// cancels ctx, under its own bound.
func (db *DB) rotateAfterShred(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rotateAfterShredTimeout)
	defer cancel()
	_, err := db.RotateIfDue(ctx)
	return err
}
