package store

import (
	"context"
	"database/sql"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const labelHomeContext = "installation.context"

// insertInstallation stores the installation in a new patient's home,
// with the home context given at enrolment sealed under the patient's
// key (none when empty). Its author, the enrolling doctor, sees identity.
func (db *DB) insertInstallation(ctx context.Context, tx *sql.Tx, patientID int64, key keyring.Key, hc domain.HomeContext, now time.Time) (int64, error) {
	var sealed []byte
	if hc != (domain.HomeContext{}) {
		var err error
		if sealed, err = sealJSON(key, labelHomeContext, domain.AuthoredContext{HomeContext: hc}); err != nil {
			return 0, err
		}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO installations (patient_id, sealed, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
		patientID, sealed, now).Scan(&id)
	return id, err
}

// installationRow is an installation as stored, with its patient's key.
type installationRow struct {
	domain.Installation
	sealed     []byte
	keyVersion sql.NullInt64 // the patient's wrapped data key; NULL once withdrawn
	keyWrapped []byte
}

// installationQuery reads installations with the patient's wrapped data
// key, so that lists cost no query per row.
const installationQuery = `SELECT i.id, i.patient_id, i.sealed, i.collection_start, i.collection_end, i.created_at, i.updated_at,
	k.master_version, k.wrapped
	FROM installations i JOIN patients p ON p.id = i.patient_id LEFT JOIN data_keys k ON k.id = p.data_key_id`

func scanInstallation(s scanner) (installationRow, error) {
	var r installationRow
	var start, end sql.NullTime
	err := s.Scan(&r.ID, &r.PatientID, &r.sealed, &start, &end, &r.CreatedAt, &r.UpdatedAt, &r.keyVersion, &r.keyWrapped)
	r.CollectionStart, r.CollectionEnd = timePtr(start), timePtr(end)
	return r, err
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// Installation returns one installation with its derived status.
func (db *DB) Installation(ctx context.Context, id int64) (domain.Installation, error) {
	return db.oneInstallation(ctx, ` WHERE i.id = $1`, id)
}

// InstallationOfPatient returns the installation in a patient's home.
func (db *DB) InstallationOfPatient(ctx context.Context, patientID int64) (domain.Installation, error) {
	inst, err := db.oneInstallation(ctx, ` WHERE i.patient_id = $1`, patientID)
	if domain.KindOf(err) == domain.KindNotFound {
		return inst, domainNotFound("installation of patient")
	}
	return inst, err
}

func (db *DB) oneInstallation(ctx context.Context, where string, id int64) (domain.Installation, error) {
	var inst domain.Installation
	err := db.inReadTx(ctx, "installation", func(tx *sql.Tx) error {
		r, err := scanInstallation(tx.QueryRowContext(ctx, installationQuery+where, id))
		if err != nil {
			return notFound(err, "installation")
		}
		tickets, err := db.ticketRows(ctx, tx, ` WHERE t.installation_id = $1`, r.ID)
		if err != nil {
			return err
		}
		inst, err = db.decryptInstallation(r, tickets)
		return err
	})
	return inst, err
}

// decryptInstallation opens the home context and derives the status
// from the installation's tickets.
func (db *DB) decryptInstallation(r installationRow, tickets []domain.Ticket) (domain.Installation, error) {
	inst := r.Installation
	inst.Status = domain.DeriveStatus(tickets)
	if r.sealed == nil || !r.keyVersion.Valid {
		return inst, nil // never described yet, or shredded on withdrawal
	}
	key, err := db.keys.Unwrap(uint32(r.keyVersion.Int64), r.keyWrapped)
	if err != nil {
		return inst, err
	}
	var stored domain.AuthoredContext
	if err := openJSON(key, labelHomeContext, r.sealed, &stored); err != nil {
		return inst, err
	}
	inst.Context, inst.WrittenBlind = stored.HomeContext, stored.WrittenBlind
	return inst, nil
}

// Installations returns every installation with its derived status.
func (db *DB) Installations(ctx context.Context) ([]domain.Installation, error) {
	var out []domain.Installation
	err := db.inReadTx(ctx, "installations", func(tx *sql.Tx) error {
		stored, err := queryAll(ctx, tx, scanInstallation, installationQuery+` ORDER BY i.id`)
		if err != nil {
			return err
		}
		// One query for every ticket, not one per installation.
		all, err := db.ticketRows(ctx, tx, ``)
		if err != nil {
			return err
		}
		byInstallation := map[int64][]domain.Ticket{}
		for _, t := range all {
			byInstallation[t.InstallationID] = append(byInstallation[t.InstallationID], t)
		}
		out = make([]domain.Installation, 0, len(stored))
		for _, r := range stored {
			inst, err := db.decryptInstallation(r, byInstallation[r.ID])
			if err != nil {
				return err
			}
			out = append(out, inst)
		}
		return nil
	})
	return out, err
}

// SaveHomeContext rewrites an installation's home context in one
// transaction, under the installation's lock: edit receives the stored
// context with its authorship and returns what to store.
func (db *DB) SaveHomeContext(ctx context.Context, id int64, edit func(domain.AuthoredContext) (domain.AuthoredContext, error)) error {
	err := db.inTx(ctx, "save home context", func(tx *sql.Tx) error {
		_, key, err := db.installationKeyForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		stored, err := db.storedContext(ctx, tx, id, key)
		if err != nil {
			return err
		}
		next, err := edit(stored)
		if err != nil {
			return err
		}
		sealed, err := sealJSON(key, labelHomeContext, next)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE installations SET sealed = $1, updated_at = $2 WHERE id = $3`, sealed, db.now().UTC(), id)
		return err
	})
	return err
}

// storedContext reads the installation's home context with its
// authorship; empty when the home was never described.
func (db *DB) storedContext(ctx context.Context, tx *sql.Tx, id int64, key keyring.Key) (domain.AuthoredContext, error) {
	var stored domain.AuthoredContext
	var sealed []byte
	if err := tx.QueryRowContext(ctx, `SELECT sealed FROM installations WHERE id = $1`, id).Scan(&sealed); err != nil {
		return stored, err
	}
	if sealed == nil {
		return stored, nil
	}
	return stored, openJSON(key, labelHomeContext, sealed, &stored)
}

// installationKeyForUpdate locks an installation of a patient still in
// the study and returns the patient's id and data key. It takes the same
// lock as homeForUpdate.
func (db *DB) installationKeyForUpdate(ctx context.Context, tx *sql.Tx, id int64) (int64, keyring.Key, error) {
	var patientID int64
	var keyID sql.NullInt64
	var withdrawn sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT i.patient_id, p.data_key_id, p.withdrawn_at FROM installations i JOIN patients p ON p.id = i.patient_id
		WHERE i.id = $1`+db.dialect.forUpdate, id).Scan(&patientID, &keyID, &withdrawn)
	if err != nil {
		return 0, keyring.Key{}, notFound(err, "installation")
	}
	if withdrawn.Valid || !keyID.Valid {
		// Until the kit is back the key still exists, but nothing new
		// is recorded about a withdrawn patient's home.
		return 0, keyring.Key{}, domain.Conflict("the installation belongs to a withdrawn patient")
	}
	key, err := db.dataKey(ctx, tx, keyID.Int64)
	return patientID, key, err
}
