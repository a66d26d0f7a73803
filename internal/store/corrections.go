package store

import (
	"context"
	"database/sql"

	"serenade/internal/domain"
)

const labelCorrectionReason = "collection-correction.reason"

// Correction is the record of a collection-date correction: who made it
// and why. The dates before and after are the home's and the change's.
type Correction struct {
	By     string
	Reason string
	Blind  bool // the reason is written blind (see domain.CollectionCorrection)
}

// insertCorrection records a correction of h's collection dates to to,
// its reason sealed under the patient's data key.
func (db *DB) insertCorrection(ctx context.Context, tx *sql.Tx, h LockedHome, to Collection, c Correction) error {
	key, err := db.dataKey(ctx, tx, h.keyID.Int64)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO collection_corrections (installation_id, corrected_by, corrected_at, old_start, old_end, new_start, new_end, sealed_reason, written_blind)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, h.InstallationID, c.By, h.Now,
		nullTime(h.Home.CollectionStart), nullTime(h.Home.CollectionEnd), nullTime(to.Start), nullTime(to.End),
		key.Seal(labelCorrectionReason, []byte(c.Reason)), c.Blind)
	return err
}

// CollectionCorrections lists an installation's corrections, oldest
// first, with their reasons opened.
func (db *DB) CollectionCorrections(ctx context.Context, installationID int64) ([]domain.CollectionCorrection, error) {
	out := []domain.CollectionCorrection{}
	err := db.inReadTx(ctx, "collection corrections", func(tx *sql.Tx) error {
		inst, err := db.oneInstallationRow(ctx, tx, installationID)
		if err != nil {
			return err
		}
		var keyID sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT data_key_id FROM patients WHERE id = $1`, inst.PatientID).Scan(&keyID); err != nil {
			return err
		}
		rows, err := queryAll(ctx, tx, scanCorrection, `SELECT id, installation_id, corrected_by, corrected_at, old_start, old_end, new_start, new_end, sealed_reason, written_blind
			FROM collection_corrections WHERE installation_id = $1 ORDER BY id`, installationID)
		if err != nil || len(rows) == 0 {
			return err
		}
		key, err := db.dataKey(ctx, tx, keyID.Int64)
		if err != nil {
			return err
		}
		for _, r := range rows {
			reason, err := key.Open(labelCorrectionReason, r.sealed)
			if err != nil {
				return err
			}
			r.PatientID, r.Reason = inst.PatientID, string(reason)
			out = append(out, r.CollectionCorrection)
		}
		return nil
	})
	return out, err
}

type correctionRow struct {
	domain.CollectionCorrection
	sealed []byte
}

func scanCorrection(s scanner) (correctionRow, error) {
	var r correctionRow
	var os, oe, ns, ne sql.NullTime
	err := s.Scan(&r.ID, &r.InstallationID, &r.CorrectedBy, &r.CorrectedAt, &os, &oe, &ns, &ne, &r.sealed, &r.ReasonBlind)
	r.OldStart, r.OldEnd, r.NewStart, r.NewEnd = timePtr(os), timePtr(oe), timePtr(ns), timePtr(ne)
	return r, err
}
