package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const (
	labelIdentity = "patient.identity"
	labelContact  = "patient.contact"
)

// Enrol creates the patient, its installation and the installation
// ticket with a first system message, all in one transaction.
func (db *DB) Enrol(ctx context.Context, in domain.NewPatient) (domain.Patient, error) {
	if err := domain.ValidateIdentity(&in.Identity, db.birthRule()); err != nil {
		return domain.Patient{}, err
	}
	for i := range in.Contacts {
		if err := in.Contacts[i].Validate(); err != nil {
			return domain.Patient{}, domain.Within(fmt.Sprintf("contacts[%d]", i), err)
		}
	}
	now := db.now().UTC()
	if in.DateJoin.IsZero() {
		in.DateJoin = now
	}
	if err := domain.ValidateDateJoin(in.DateJoin, now); err != nil {
		return domain.Patient{}, err
	}
	in.DateJoin = dateOnly(in.DateJoin)
	// A new data key is about to be wrapped: first carry out a rotation a
	// withdrawal left due (its failure is retried later, never this write's).
	_, _ = db.RotateIfDue(ctx)
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = db.insertPatient(ctx, tx, in, now); err != nil {
			return err
		}
		instID, err := db.insertInstallation(ctx, tx, id, now)
		if err != nil {
			return err
		}
		_, err = db.openTicket(ctx, tx, instID, domain.CategoryInstallation, domain.SystemSender,
			"Patient enrolled: the sensor kit is to be installed.", now)
		return err
	})
	if err != nil {
		return domain.Patient{}, err
	}
	return db.Patient(ctx, id)
}

func (db *DB) insertPatient(ctx context.Context, tx *sql.Tx, in domain.NewPatient, now time.Time) (int64, error) {
	keyID, key, err := db.newDataKey(ctx, tx, purposePatient)
	if err != nil {
		return 0, err
	}
	sealed, err := sealJSON(key, labelIdentity, in.Identity)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO patients (data_key_id, cf_index, sealed, date_join, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		keyID, db.cfIndex(in.Identity.CodiceFiscale), sealed, in.DateJoin, now).Scan(&id)
	if isUniqueViolation(err) {
		return 0, domain.Conflict("a patient with this codice fiscale is already enrolled")
	}
	if err != nil {
		return 0, err
	}
	for _, c := range in.Contacts {
		if _, err := db.insertContact(ctx, tx, id, key, c, now); err != nil {
			return 0, err
		}
	}
	return id, nil
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
	err := db.inReadTx(ctx, func(tx *sql.Tx) error {
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
	err := db.inReadTx(ctx, func(tx *sql.Tx) error {
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

// UpdateIdentity replaces the patient's identity and medical record. It
// is validated against the stored one, whose confirmed birth year stays
// while the codice fiscale does.
func (db *DB) UpdateIdentity(ctx context.Context, id int64, in domain.Identity) (domain.Patient, error) {
	return db.updatePatient(ctx, id, func(cur *domain.Identity) error {
		if err := domain.ValidateIdentityUpdate(&in, *cur, db.birthRule()); err != nil {
			return err
		}
		*cur = in
		return nil
	})
}

// birthRule places the two-digit birth year of a codice fiscale at the
// store's clock, for participants of at least the configured age.
func (db *DB) birthRule() codicefiscale.Rule {
	return codicefiscale.Rule{Now: db.now(), MinAge: db.minAge}
}

// UpdateAddress changes only the home address.
func (db *DB) UpdateAddress(ctx context.Context, id int64, address string) (domain.Patient, error) {
	address, err := domain.CleanAddress(address)
	if err != nil {
		return domain.Patient{}, err
	}
	return db.updatePatient(ctx, id, func(cur *domain.Identity) error {
		cur.Address = address
		return nil
	})
}

// updatePatient reads, changes and re-seals a patient's identity in one
// transaction; the blind index follows the codice fiscale.
func (db *DB) updatePatient(ctx context.Context, id int64, change func(*domain.Identity) error) (domain.Patient, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
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
		return err
	})
	if err != nil {
		return domain.Patient{}, err
	}
	return db.Patient(ctx, id)
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

// AddContact adds a contact to a patient.
func (db *DB) AddContact(ctx context.Context, patientID int64, c domain.Contact) (domain.Contact, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, key, err := db.livePatientForUpdate(ctx, tx, patientID)
		if err != nil {
			return err
		}
		c.ID, err = db.insertContact(ctx, tx, patientID, key, c, db.now().UTC())
		return err
	})
	return c, err
}

// UpdateContact replaces one contact of a patient.
func (db *DB) UpdateContact(ctx context.Context, patientID int64, c domain.Contact) (domain.Contact, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
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
	return c, notFoundIf(err, "contact")
}

// DeleteContact removes one contact of a patient.
func (db *DB) DeleteContact(ctx context.Context, patientID, contactID int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
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

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
