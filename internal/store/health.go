package store

import (
	"context"
	"database/sql"
	"time"

	"serenade/internal/domain"
)

// Device health reads (issue 10 §7). The latest reading of a stream is
// one probe of the readings' primary key (stream_id, at_ms) from its end,
// on both backends (on PostgreSQL one per monthly partition, newest
// first); nothing is written on the ingest path for it.

// streamStateQuery is every column of streams plus the stream's latest
// and earliest reading times (ms), NULL when it has none.
const streamStateQuery = `SELECT s.id, s.installation_id, s.key, s.kind, s.unit, s.cadence_s, s.created_at,
	(SELECT MAX(r.at_ms) FROM readings r WHERE r.stream_id = s.id),
	(SELECT MIN(r.at_ms) FROM readings r WHERE r.stream_id = s.id) FROM streams s`

func scanStreamState(s scanner) (domain.StreamState, error) {
	var st domain.StreamState
	var last, first sql.NullInt64
	err := s.Scan(&st.ID, &st.InstallationID, &st.Key, &st.Kind, &st.Unit, &st.CadenceSeconds, &st.CreatedAt, &last, &first)
	st.CreatedAt = st.CreatedAt.UTC()
	st.Last, st.First = msPtr(last), msPtr(first)
	return st, err
}

func msPtr(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := time.UnixMilli(ms.Int64).UTC()
	return &t
}

// StreamStates lists an installation's streams by key, each with the
// time of its latest reading.
func (db *DB) StreamStates(ctx context.Context, installationID int64) ([]domain.StreamState, error) {
	out, err := queryAll(ctx, db.read, scanStreamState, streamStateQuery+` WHERE s.installation_id = $1 ORDER BY s.key`, installationID)
	return out, wrapOp("stream states", err)
}

// AllStreamStates is StreamStates of every installation, by installation
// id: one probe per stream of the study, for the installations list.
func (db *DB) AllStreamStates(ctx context.Context) (map[int64][]domain.StreamState, error) {
	all, err := queryAll(ctx, db.read, scanStreamState, streamStateQuery+` ORDER BY s.installation_id, s.key`)
	if err != nil {
		return nil, wrapOp("stream states", err)
	}
	out := map[int64][]domain.StreamState{}
	for _, s := range all {
		out[s.InstallationID] = append(out[s.InstallationID], s)
	}
	return out, nil
}

// Collecting is an installation whose data collection has started and
// not ended by now, of a patient still in the study, as the silence
// worker looks at it.
type Collecting struct {
	Installation domain.Installation // ID, PatientID and the collection dates
	OpenTicket   bool                // some ticket is open: the kit is not "working"
}

// CollectingInstallations lists the installations collecting at now.
func (db *DB) CollectingInstallations(ctx context.Context, now time.Time) ([]Collecting, error) {
	rows, err := queryAll(ctx, db.read, func(s scanner) (Collecting, error) {
		var c Collecting
		var start, end sql.NullTime
		err := s.Scan(&c.Installation.ID, &c.Installation.PatientID, &start, &end, &c.OpenTicket)
		c.Installation.CollectionStart, c.Installation.CollectionEnd = utcPtr(start), utcPtr(end)
		return c, err
	}, `SELECT i.id, i.patient_id, i.collection_start, i.collection_end,
			EXISTS (SELECT 1 FROM tickets t WHERE t.installation_id = i.id AND t.closed_at IS NULL)
		FROM installations i JOIN patients p ON p.id = i.patient_id
		WHERE p.withdrawn_at IS NULL AND i.collection_start IS NOT NULL ORDER BY i.id`)
	if err != nil {
		return nil, wrapOp("collecting installations", err)
	}
	out := rows[:0]
	for _, c := range rows {
		if c.Installation.CollectingAt(now) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Gaps returns the stretches longer than minGap without a reading of a
// stream within [fromMs, toMs), the window's edges counting as readings,
// in time order, at most limit of them (the earliest). The database
// compares each reading with the one before it and returns only the gaps.
func (db *DB) Gaps(ctx context.Context, streamID, fromMs, toMs int64, minGap time.Duration, limit int) ([]domain.Gap, error) {
	if toMs <= fromMs {
		return []domain.Gap{}, nil
	}
	ms := minGap.Milliseconds()
	rows, err := queryAll(ctx, db.read, func(s scanner) (domain.Gap, error) {
		var from, to int64
		err := s.Scan(&from, &to)
		return domain.Gap{From: time.UnixMilli(from).UTC(), To: time.UnixMilli(to).UTC()}, err
	}, `SELECT prev, at_ms FROM (
			SELECT at_ms, LAG(at_ms, 1, CAST($2 AS BIGINT)) OVER (ORDER BY at_ms) AS prev
			FROM readings WHERE stream_id = $1 AND at_ms >= $2 AND at_ms < $3
		) g WHERE at_ms - prev > $4
		UNION ALL
		SELECT COALESCE(MAX(at_ms), CAST($2 AS BIGINT)), CAST($3 AS BIGINT) FROM readings WHERE stream_id = $1 AND at_ms >= $2 AND at_ms < $3
		HAVING CAST($3 AS BIGINT) - COALESCE(MAX(at_ms), CAST($2 AS BIGINT)) > $4
		ORDER BY 1 LIMIT $5`, streamID, fromMs, toMs, ms, limit)
	return rows, wrapOp("gaps", err)
}
