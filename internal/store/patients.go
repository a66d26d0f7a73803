package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const (
	labelIdentity = "patient.identity"
	labelContact  = "patient.contact"
)

// CreatePatient stores an enrolment in one transaction: the patient
// (sealed under a new data key), its contacts, its installation and the
// installation's first ticket. The input is stored as given: the service
// cleaned and checked it.
func (db *DB) CreatePatient(ctx context.Context, in domain.NewPatient, first NewTicket) (int64, error) {
	now := db.now().UTC()
	var id int64
	err := db.inTx(ctx, "create patient", func(tx *sql.Tx) error {
		var err error
		var key keyring.Key
		if id, key, err = db.insertPatient(ctx, tx, in, now); err != nil {
			return err
		}
		instID, err := db.insertInstallation(ctx, tx, id, key, in.Context, now)
		if err != nil {
			return err
		}
		if _, err = db.openTicket(ctx, tx, instID, first, now); err != nil {
			return err
		}
		if err := db.refreshActivity(ctx, tx, id); err != nil {
			return err
		}
		return db.writeSortKeys(ctx, tx, id, in.Identity.FirstName, in.Identity.LastName) // with the heads just derived
	})
	return id, err
}

func (db *DB) insertPatient(ctx context.Context, tx *sql.Tx, in domain.NewPatient, now time.Time) (int64, keyring.Key, error) {
	keyID, key, err := db.newDataKey(ctx, tx, purposePatient)
	if err != nil {
		return 0, key, err
	}
	sealed, err := sealJSON(key, labelIdentity, in.Identity)
	if err != nil {
		return 0, key, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO patients (data_key_id, cf_index, sealed, date_join, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		keyID, db.cfIndex(in.Identity.CodiceFiscale), sealed, in.DateJoin, now).Scan(&id)
	if isUniqueViolation(err) {
		return 0, key, domain.Conflict("a patient with this codice fiscale is already enrolled")
	}
	if err != nil {
		return 0, key, err
	}
	if err := db.writeTokens(ctx, tx, id, in.Identity); err != nil {
		return 0, key, err
	}
	for _, c := range in.Contacts {
		if _, err := db.insertContact(ctx, tx, id, key, c, now); err != nil {
			return 0, key, err
		}
	}
	return id, key, nil
}

func (db *DB) insertContact(ctx context.Context, tx *sql.Tx, patientID int64, key keyring.Key, c domain.Contact, now time.Time) (int64, error) {
	c.ID = 0
	sealed, err := sealJSON(key, labelContact, c)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO contacts (patient_id, sealed, created_at) VALUES ($1, $2, $3) RETURNING id`,
		patientID, sealed, now).Scan(&id)
	return id, err
}

// patientRow is a patient as stored.
type patientRow struct {
	id          int64
	dataKeyID   sql.NullInt64
	sealed      []byte
	dateJoin    time.Time
	createdAt   time.Time
	updatedAt   time.Time
	withdrawnAt sql.NullTime
	// The wrapped data key, when read along (patientRead): saves a query
	// per patient in lists.
	keyVersion sql.NullInt64
	keyWrapped []byte
}

const patientColumns = `id, data_key_id, sealed, date_join, created_at, updated_at, withdrawn_at`

// patientRead selects patients with their wrapped data keys.
const patientRead = `SELECT p.id, p.data_key_id, p.sealed, p.date_join, p.created_at, p.updated_at, p.withdrawn_at,
	k.master_version, k.wrapped FROM patients p LEFT JOIN data_keys k ON k.id = p.data_key_id`

func scanPatient(s scanner) (patientRow, error) {
	var r patientRow
	err := s.Scan(&r.id, &r.dataKeyID, &r.sealed, &r.dateJoin, &r.createdAt, &r.updatedAt, &r.withdrawnAt)
	return r, err
}

func scanPatientWithKey(s scanner) (patientRow, error) {
	var r patientRow
	err := s.Scan(&r.id, &r.dataKeyID, &r.sealed, &r.dateJoin, &r.createdAt, &r.updatedAt, &r.withdrawnAt, &r.keyVersion, &r.keyWrapped)
	return r, err
}

// key unwraps the patient's data key, read along or looked up.
func (db *DB) key(ctx context.Context, q querier, r patientRow) (keyring.Key, error) {
	if r.keyVersion.Valid {
		return db.keys.Unwrap(uint32(r.keyVersion.Int64), r.keyWrapped)
	}
	return db.dataKey(ctx, q, r.dataKeyID.Int64)
}

// Patient returns one patient, decrypted.
func (db *DB) Patient(ctx context.Context, id int64) (domain.Patient, error) {
	var p domain.Patient
	err := db.inReadTx(ctx, "patient", func(tx *sql.Tx) error {
		var err error
		p, err = db.patient(ctx, tx, id)
		return err
	})
	return p, err
}

func (db *DB) patient(ctx context.Context, q querier, id int64) (domain.Patient, error) {
	r, err := scanPatientWithKey(q.QueryRowContext(ctx, patientRead+` WHERE p.id = $1`, id))
	if err != nil {
		return domain.Patient{}, notFound(err, "patient")
	}
	contacts, err := queryAll(ctx, q, scanSealedContact, contactQuery+` WHERE patient_id = $1 ORDER BY id`, id)
	if err != nil {
		return domain.Patient{}, err
	}
	return db.decryptPatient(ctx, q, r, contacts)
}

// decryptPatient opens a patient's identity and contacts.
func (db *DB) decryptPatient(ctx context.Context, q querier, r patientRow, contacts []sealedContact) (domain.Patient, error) {
	p := domain.Patient{ID: r.id, DateJoin: r.dateJoin, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	if r.withdrawnAt.Valid {
		t := r.withdrawnAt.Time
		p.WithdrawnAt = &t
	}
	if !r.dataKeyID.Valid || r.sealed == nil {
		return p, nil // shredded: nothing left to open
	}
	key, err := db.key(ctx, q, r)
	if err != nil {
		return p, err
	}
	if err := openJSON(key, labelIdentity, r.sealed, &p.Identity); err != nil {
		return p, err
	}
	p.Contacts, err = openContacts(key, contacts)
	return p, err
}

// sealedContact is a contact as stored.
type sealedContact struct {
	id, patientID int64
	sealed        []byte
}

const contactQuery = `SELECT id, patient_id, sealed FROM contacts`

func scanSealedContact(s scanner) (sealedContact, error) {
	var c sealedContact
	return c, s.Scan(&c.id, &c.patientID, &c.sealed)
}

func openContacts(key keyring.Key, rows []sealedContact) ([]domain.Contact, error) {
	out := make([]domain.Contact, len(rows))
	for i, r := range rows {
		if err := openJSON(key, labelContact, r.sealed, &out[i]); err != nil {
			return nil, err
		}
		out[i].ID = r.id
	}
	return out, nil
}

// Patients returns every patient, withdrawn ones included (without identity).
func (db *DB) Patients(ctx context.Context) ([]domain.Patient, error) {
	var out []domain.Patient
	err := db.inReadTx(ctx, "patients", func(tx *sql.Tx) error {
		stored, err := queryAll(ctx, tx, scanPatientWithKey, patientRead+` ORDER BY p.id`)
		if err != nil {
			return err
		}
		// Three queries in all, whatever the number of patients.
		contacts, err := queryAll(ctx, tx, scanSealedContact, contactQuery+` ORDER BY id`)
		if err != nil {
			return err
		}
		byPatient := map[int64][]sealedContact{}
		for _, c := range contacts {
			byPatient[c.patientID] = append(byPatient[c.patientID], c)
		}
		out = make([]domain.Patient, 0, len(stored))
		for _, r := range stored {
			p, err := db.decryptPatient(ctx, tx, r, byPatient[r.id])
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// SaveIdentity reads, changes and re-seals a patient's identity in one
// transaction, under the patient's lock; the blind index follows the
// codice fiscale. A withdrawn patient's identity is not changed.
func (db *DB) SaveIdentity(ctx context.Context, id int64, change func(*domain.Identity) error) error {
	err := db.inTx(ctx, "save identity", func(tx *sql.Tx) error {
		p, key, err := db.livePatientForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := change(&p.Identity); err != nil {
			return err
		}
		sealed, err := sealJSON(key, labelIdentity, p.Identity)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE patients SET sealed = $1, cf_index = $2, updated_at = $3 WHERE id = $4`,
			sealed, db.cfIndex(p.Identity.CodiceFiscale), db.now().UTC(), id)
		if isUniqueViolation(err) {
			return domain.Conflict("a patient with this codice fiscale is already enrolled")
		}
		if err != nil {
			return err
		}
		if err := db.writeTokens(ctx, tx, id, p.Identity); err != nil {
			return err
		}
		return db.writeSortKeys(ctx, tx, id, p.Identity.FirstName, p.Identity.LastName)
	})
	return err
}

// livePatientForUpdate locks a patient that has not been withdrawn and
// returns its identity with its data key.
func (db *DB) livePatientForUpdate(ctx context.Context, tx *sql.Tx, id int64) (domain.Patient, keyring.Key, error) {
	r, err := scanPatient(tx.QueryRowContext(ctx, `SELECT `+patientColumns+` FROM patients WHERE id = $1`+db.dialect.forUpdate, id))
	if err != nil {
		return domain.Patient{}, keyring.Key{}, notFound(err, "patient")
	}
	if r.withdrawnAt.Valid {
		return domain.Patient{}, keyring.Key{}, domain.Conflict("the patient has withdrawn from the study")
	}
	key, err := db.key(ctx, tx, r)
	if err != nil {
		return domain.Patient{}, key, err
	}
	p := domain.Patient{ID: r.id} // identity only: what the writers change
	return p, key, openJSON(key, labelIdentity, r.sealed, &p.Identity)
}

// InsertContact adds a contact to a patient still in the study.
func (db *DB) InsertContact(ctx context.Context, patientID int64, c domain.Contact) (int64, error) {
	var id int64
	err := db.inTx(ctx, "insert contact", func(tx *sql.Tx) error {
		_, key, err := db.livePatientForUpdate(ctx, tx, patientID)
		if err != nil {
			return err
		}
		id, err = db.insertContact(ctx, tx, patientID, key, c, db.now().UTC())
		return err
	})
	return id, err
}

// SaveContact replaces one contact of a patient still in the study.
func (db *DB) SaveContact(ctx context.Context, patientID int64, c domain.Contact) error {
	err := db.inTx(ctx, "save contact", func(tx *sql.Tx) error {
		_, key, err := db.livePatientForUpdate(ctx, tx, patientID)
		if err != nil {
			return err
		}
		id := c.ID
		c.ID = 0
		sealed, err := sealJSON(key, labelContact, c)
		c.ID = id
		if err != nil {
			return err
		}
		return expectOne(tx.ExecContext(ctx, `UPDATE contacts SET sealed = $1 WHERE id = $2 AND patient_id = $3`, sealed, id, patientID))
	})
	return notFoundIf(err, "contact")
}

// DeleteContact removes one contact of a patient.
func (db *DB) DeleteContact(ctx context.Context, patientID, contactID int64) error {
	err := db.inTx(ctx, "delete contact", func(tx *sql.Tx) error {
		if _, _, err := db.livePatientForUpdate(ctx, tx, patientID); err != nil {
			return err
		}
		return expectOne(tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = $1 AND patient_id = $2`, contactID, patientID))
	})
	return notFoundIf(err, "contact")
}

// errNoRow is returned by expectOne when no row was affected.
var errNoRow = errors.New("no row affected")

func expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoRow
	}
	return nil
}

func notFoundIf(err error, what string) error {
	if errors.Is(err, errNoRow) {
		return domainNotFound(what)
	}
	return err
}
