package store

import (
	"context"
	"database/sql"
	"errors"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

// The hot read path: a patient's record (identity, contacts,
// installation and the tickets its status derives from) in ONE statement.
// One statement sees one snapshot on both backends, even outside a
// transaction, so on PostgreSQL the read costs one round trip instead of
// a transaction's begin, four queries and commit. Each row carries the
// patient and its installation, and one contact (part 1) or one ticket
// (part 2): LEFT JOINs on real columns, so both drivers type every value
// as its table declares it.
const recordQuery = `SELECT p.id, p.data_key_id, p.sealed, p.date_join, p.created_at, p.updated_at, p.withdrawn_at,
	k.master_version, k.wrapped,
	i.id, i.sealed, i.collection_start, i.collection_end, i.created_at, i.updated_at,
	c.id, c.sealed,
	t.id, t.category, t.opened_by, t.opened_at, t.closed_by, t.closed_at
	FROM patients p
	LEFT JOIN data_keys k ON k.id = p.data_key_id
	LEFT JOIN installations i ON i.patient_id = p.id
	CROSS JOIN (SELECT 1 AS part UNION ALL SELECT 2 AS part) s
	LEFT JOIN contacts c ON s.part = 1 AND c.patient_id = p.id
	LEFT JOIN tickets t ON s.part = 2 AND t.installation_id = i.id
	WHERE p.id = $1
	ORDER BY s.part, c.id, t.id`

// recordRow is one row of recordQuery.
type recordRow struct {
	patient patientRow
	inst    struct {
		id                   sql.NullInt64
		sealed               []byte
		start, end           sql.NullTime
		createdAt, updatedAt sql.NullTime
	}
	contact    sealedContact
	hasContact bool
	ticket     struct {
		id                 sql.NullInt64
		category, openedBy sql.NullString
		closedBy           sql.NullString
		openedAt, closedAt sql.NullTime
	}
}

func scanRecord(s scanner) (recordRow, error) {
	var r recordRow
	var contactID sql.NullInt64
	p, i, t := &r.patient, &r.inst, &r.ticket
	err := s.Scan(&p.id, &p.dataKeyID, &p.sealed, &p.dateJoin, &p.createdAt, &p.updatedAt, &p.withdrawnAt, &p.keyVersion, &p.keyWrapped,
		&i.id, &i.sealed, &i.start, &i.end, &i.createdAt, &i.updatedAt,
		&contactID, &r.contact.sealed,
		&t.id, &t.category, &t.openedBy, &t.openedAt, &t.closedBy, &t.closedAt)
	r.contact.id, r.contact.patientID, r.hasContact = contactID.Int64, p.id, contactID.Valid
	return r, err
}

// PatientRecord returns a patient, decrypted, with the installation in
// their home (the zero Installation when there is none) and its derived
// status, read in one statement (recordQuery).
func (db *DB) PatientRecord(ctx context.Context, id int64) (domain.Patient, domain.Installation, error) {
	var p domain.Patient
	var inst domain.Installation
	err := db.readOnce(ctx, "patient record", func() error {
		rows, err := queryAll(ctx, db.read, scanRecord, recordQuery, id)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return domainNotFound("patient")
		}
		p, inst, err = db.decryptRecord(rows)
		return err
	})
	return p, inst, err
}

// decryptRecord assembles and opens the rows of one record.
func (db *DB) decryptRecord(rows []recordRow) (domain.Patient, domain.Installation, error) {
	var contacts []sealedContact
	var tickets []domain.Ticket
	first := rows[0]
	for _, r := range rows {
		if r.hasContact {
			contacts = append(contacts, r.contact)
		}
		if t := r.ticket; t.id.Valid {
			tickets = append(tickets, domain.Ticket{ID: t.id.Int64, InstallationID: first.inst.id.Int64, PatientID: first.patient.id,
				Category: domain.TicketCategory(t.category.String), OpenedBy: t.openedBy.String, OpenedAt: t.openedAt.Time,
				ClosedBy: t.closedBy.String, ClosedAt: timePtr(t.closedAt)})
		}
	}
	p, err := db.decryptPatient(context.Background(), db.read, first.patient, contacts)
	if err != nil || !first.inst.id.Valid {
		return p, domain.Installation{}, err
	}
	i := first.inst
	inst, err := db.decryptInstallation(installationRow{
		Installation: domain.Installation{ID: i.id.Int64, PatientID: p.ID, CollectionStart: timePtr(i.start), CollectionEnd: timePtr(i.end),
			CreatedAt: i.createdAt.Time, UpdatedAt: i.updatedAt.Time},
		sealed: i.sealed, keyVersion: first.patient.keyVersion, keyWrapped: first.patient.keyWrapped,
	}, tickets)
	return p, inst, err
}

// readOnce runs a read of one statement outside a transaction (its one
// snapshot is enough), again (up to staleKeyAttempts in all) when it met
// a data key wrapped under a master version a rotation destroyed since:
// the next statement reads the key as re-wrapped (see runTx).
func (db *DB) readOnce(ctx context.Context, op string, fn func() error) error {
	var err error
	for range staleKeyAttempts {
		if err = fn(); !errors.Is(err, keyring.ErrVersionGone) {
			break
		}
	}
	return wrapOp(op, err)
}
