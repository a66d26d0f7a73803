package store

import (
	"context"
	"database/sql"

	"serenade/internal/domain"
	"serenade/internal/keyring"
)

const (
	labelDocName    = "document.name"
	labelDocContent = "document.content"
)

// InsertDocument stores a file of an installation whose patient is still
// in the study, sealed under the patient's data key. d carries the name,
// content type and uploader the service settled; the store sets the ids
// and the time.
func (db *DB) InsertDocument(ctx context.Context, d domain.Document, content []byte) (domain.Document, error) {
	d.Size, d.CreatedAt = int64(len(content)), db.now().UTC()
	err := db.inTx(ctx, "insert document", func(tx *sql.Tx) error {
		var key keyring.Key
		var err error
		if d.PatientID, key, err = db.installationKeyForUpdate(ctx, tx, d.InstallationID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO documents (installation_id, sealed_name, content_type, size, uploaded_by, created_at, sealed_content, doc_type)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			d.InstallationID, key.Seal(labelDocName, []byte(d.Name)), d.ContentType, d.Size, d.UploadedBy, d.CreatedAt,
			key.Seal(labelDocContent, content), string(d.Type)).Scan(&d.ID)
	})
	return d, err
}

const documentQuery = `SELECT d.id, d.installation_id, i.patient_id, d.sealed_name, d.content_type, d.size, d.uploaded_by, d.created_at, d.doc_type, p.data_key_id
	FROM documents d JOIN installations i ON i.id = d.installation_id JOIN patients p ON p.id = i.patient_id`

// Documents lists an installation's documents (metadata only).
func (db *DB) Documents(ctx context.Context, installationID int64) ([]domain.Document, error) {
	out := []domain.Document{}
	err := db.inReadTx(ctx, "documents", func(tx *sql.Tx) error {
		if _, err := db.oneInstallationRow(ctx, tx, installationID); err != nil {
			return err
		}
		stored, err := queryAll(ctx, tx, scanDocument, documentQuery+` WHERE d.installation_id = $1 ORDER BY d.id`, installationID)
		if err != nil {
			return err
		}
		for _, r := range stored {
			d, _, err := db.openDocument(ctx, tx, r)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func (db *DB) oneInstallationRow(ctx context.Context, q querier, id int64) (installationRow, error) {
	r, err := scanInstallation(q.QueryRowContext(ctx, installationQuery+` WHERE i.id = $1`, id))
	return r, notFound(err, "installation")
}

// documentRow is a document as stored.
type documentRow struct {
	domain.Document
	sealedName []byte
	keyID      sql.NullInt64
}

func scanDocument(s scanner) (documentRow, error) {
	var r documentRow
	err := s.Scan(&r.ID, &r.InstallationID, &r.PatientID, &r.sealedName, &r.ContentType, &r.Size, &r.UploadedBy, &r.CreatedAt, &r.Type, &r.keyID)
	return r, err
}

// openDocument opens a document's name; it returns the patient's data
// key for the content.
func (db *DB) openDocument(ctx context.Context, q querier, r documentRow) (domain.Document, keyring.Key, error) {
	d := r.Document
	key, err := db.dataKey(ctx, q, r.keyID.Int64)
	if err != nil {
		return d, key, err
	}
	name, err := key.Open(labelDocName, r.sealedName)
	d.Name = string(name)
	return d, key, err
}

// DocumentContent returns a document with its decrypted content.
func (db *DB) DocumentContent(ctx context.Context, id int64) (domain.Document, []byte, error) {
	var d domain.Document
	var content []byte
	err := db.inReadTx(ctx, "document content", func(tx *sql.Tx) error {
		r, err := scanDocument(tx.QueryRowContext(ctx, documentQuery+` WHERE d.id = $1`, id))
		if err != nil {
			return notFound(err, "document")
		}
		var key keyring.Key
		if d, key, err = db.openDocument(ctx, tx, r); err != nil {
			return err
		}
		var sealed []byte
		if err := tx.QueryRowContext(ctx, `SELECT sealed_content FROM documents WHERE id = $1`, id).Scan(&sealed); err != nil {
			return err
		}
		content, err = key.Open(labelDocContent, sealed)
		return err
	})
	return d, content, err
}

// DeleteDocument removes a document.
func (db *DB) DeleteDocument(ctx context.Context, id int64) error {
	err := db.inTx(ctx, "delete document", func(tx *sql.Tx) error {
		return expectOne(tx.ExecContext(ctx, `DELETE FROM documents WHERE id = $1`, id))
	})
	return notFoundIf(err, "document")
}
