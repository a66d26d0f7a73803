package ingest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// plan judges a parsed batch against its installation as the write
// transaction found it, and says what to write. Every item is checked
// before anything is written; the first bad one refuses the batch:
//   - the token was revoked meanwhile: ErrRevokedToken;
//   - a time more than MaxFuture ahead of the server, before the
//     installation existed (its collection start), or, with a retention
//     of retention months (> 0), before the window it keeps
//     (store.RetentionCutoff at the server's time): 422;
//   - a time outside the data-collection period [start, end) (not begun,
//     ended, withdrawn): 409;
//   - a new stream past domain.MaxStreamsPerInstallation: 422.
//
// A stream named for the first time is created with the item's kind (or
// the one its key suggests, domain.InferStreamKind), unit and cadence (or
// the kind's defaults); those fields of items of existing streams are
// ignored. A (stream, time) repeated in the batch keeps its first value.
func plan(t store.IngestTarget, items []Item, retention int) (store.IngestPlan, error) {
	if t.TokenRevoked {
		return store.IngestPlan{}, ErrRevokedToken
	}
	w := window{latest: t.Now.Add(MaxFuture).UnixMilli(), earliest: math.MinInt64}
	if retention > 0 {
		w.earliest, w.retention = store.RetentionCutoff(t.Now, retention).UnixMilli(), retention
	}
	var p store.IngestPlan
	creating := map[string]bool{}
	type key struct {
		stream string
		at     int64
	}
	seen := make(map[key]bool, len(items))
	for i, it := range items {
		if err := judgeTime(t, i, it.AtMs, w); err != nil {
			return store.IngestPlan{}, err
		}
		if _, ok := t.Streams[it.Stream]; !ok && !creating[it.Stream] {
			if len(t.Streams)+len(creating) >= domain.MaxStreamsPerInstallation {
				return store.IngestPlan{}, &BadItemError{Index: i, Field: "stream", Reason: "the installation has reached its limit of streams"}
			}
			creating[it.Stream] = true
			p.NewStreams = append(p.NewStreams, newStream(it))
		}
		if k := (key{it.Stream, it.AtMs}); !seen[k] {
			seen[k] = true
			p.Readings = append(p.Readings, store.KeyedReading{Key: it.Stream, AtMs: it.AtMs, Value: it.Value})
		}
	}
	p.TouchToken = t.TokenLastUsed == nil || t.Now.Sub(*t.TokenLastUsed) >= touchEvery
	return p, nil
}

// window is the times (ms) a reading may have whatever its
// installation: from earliest (the retention's cutoff) to latest (the
// server's time plus MaxFuture).
type window struct {
	earliest, latest int64
	retention        int // months; 0: none
}

// judgeTime checks one item's time.
func judgeTime(t store.IngestTarget, i int, atMs int64, w window) error {
	switch at := time.UnixMilli(atMs); {
	case atMs > w.latest:
		return &BadItemError{Index: i, Field: "time", Reason: "more than 5 minutes in the future"}
	case atMs < w.earliest:
		return &BadItemError{Index: i, Field: "time", Reason: fmt.Sprintf(
			"older than the readings kept: the retention keeps %d months before the current one (from %s)",
			w.retention, time.UnixMilli(w.earliest).UTC().Format(time.DateOnly))}
	case t.Installation.CollectionStart != nil && at.Before(t.Installation.CollectionStart.Truncate(time.Millisecond)):
		// The kit exists from its installation, the collection start; the
		// team may correct it back to the day the kit really went in (not
		// before the enrolment), which lets a gateway's backlog in.
		return &BadItemError{Index: i, Field: "time", Reason: "before the installation existed (its data collection started later)"}
	case t.Withdrawn || !t.Installation.CollectingAt(at):
		return &BadItemError{Index: i, Field: "time", Reason: "outside the installation's data-collection period", Conflict: true}
	}
	return nil
}

// newStream is the stream an item creates.
func newStream(it Item) domain.Stream {
	s := domain.Stream{Key: it.Stream, Kind: it.Kind, Unit: it.Unit, CadenceSeconds: it.Cadence}
	if s.Kind == "" {
		s.Kind = domain.InferStreamKind(it.Stream)
	}
	if s.Unit == "" {
		s.Unit = domain.DefaultUnit(s.Kind)
	}
	if s.CadenceSeconds < 0 {
		s.CadenceSeconds = domain.DefaultCadence(s.Kind)
	}
	return s
}

// StatusOf is the HTTP status an Accept error stands for (200 for nil),
// also what the trail records whatever the transport.
func StatusOf(err error) int {
	var bad *BadItemError
	var large *TooLargeError
	var busy *OverloadedError
	var enc *BadEncodingError
	switch {
	case err == nil:
		return 200
	case errors.Is(err, ErrUnknownToken), errors.Is(err, ErrRevokedToken):
		return 401
	case errors.Is(err, ErrWrongInstallation):
		return 403
	case errors.As(err, &bad) && bad.Conflict:
		return 409
	case errors.As(err, &bad):
		return 422
	case errors.As(err, &large):
		return 413
	case errors.Is(err, ErrEmpty), errors.As(err, &enc):
		return 400
	case errors.As(err, &busy), errors.Is(err, ErrAuditUnavailable):
		return 503
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return 499
	}
	return 500
}
