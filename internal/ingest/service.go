package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"time"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/store"
)

// Action is how the trail names an ingest: an action of gateways, which
// no user role holds (the access matrix grants it to nobody).
const Action = "readings.ingest"

// MaxFuture is how far ahead of the server's clock a reading may be:
// gateways' clocks drift, but not by more.
const MaxFuture = 5 * time.Minute

// touchEvery is how stale a token's last-used time may grow before an
// ingest records it again: one write a minute, not one per batch.
const touchEvery = time.Minute

// Config builds a Service.
type Config struct {
	DB         *store.DB
	Audit      audit.Sink       // every batch, accepted or refused, is recorded here before it is answered
	Pseudonyms *pseudonym.Codec // names installations and patients in the trail
	Limits     Limits
	// MaxInFlight bounds the batches being parsed and written at once
	// (<= 0: 2 × GOMAXPROCS); one more is refused (OverloadedError), not
	// queued.
	MaxInFlight int
	// RetryAfter is what an overloaded answer asks the gateway to wait
	// (<= 0: one second).
	RetryAfter time.Duration
	// Metrics observes every accepted batch (nil: nothing observed).
	Metrics BatchObserver
	// RetentionMonths, when > 0, refuses readings older than the window
	// the retention keeps (store.RetentionCutoff): they would be written
	// into a month the partition worker drops.
	RetentionMonths int
}

// BatchObserver observes accepted batches: readings stored and already
// stored, and each reading's lag in seconds (the commit's time minus the
// reading's).
type BatchObserver interface {
	Batch(stored, duplicates int, lags iter.Seq[float64])
}

// Service accepts sensor batches and manages ingest tokens.
type Service struct {
	db         *store.DB
	rec        *audit.Recorder
	limits     Limits
	slots      chan struct{}
	retryAfter time.Duration
	metrics    BatchObserver
	retention  int // months; 0: none
}

// New returns the ingest service.
func New(c Config) *Service {
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 2 * runtime.GOMAXPROCS(0)
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = time.Second
	}
	return &Service{db: c.DB, rec: audit.NewRecorder(c.Audit, c.Pseudonyms, c.DB.Now), limits: c.Limits.orDefault(),
		slots: make(chan struct{}, c.MaxInFlight), retryAfter: c.RetryAfter, metrics: c.Metrics,
		retention: c.RetentionMonths}
}

// Limits are the batch limits in force.
func (s *Service) Limits() Limits { return s.limits }

// Options describe one batch as its transport received it.
type Options struct {
	Gzip bool // the payload is gzip-compressed
	// Operation names the transport's operation in the trail
	// ("ingest-readings" for HTTP).
	Operation                      string
	RequestID, TraceID, ClientAddr string
	// TokenPublicID, when the transport names the token apart from the
	// token itself (an MQTT topic), must be the token's public id:
	// otherwise ErrWrongInstallation.
	TokenPublicID string
}

// ErrAuditUnavailable: the batch's audit entry could not be written, so
// it is not acknowledged (HTTP 503); what it wrote is durable, and a
// re-send is harmless.
var ErrAuditUnavailable = errors.New("ingest: the audit trail cannot be written now")

// ErrWrongInstallation: the transport addressed another installation
// than the token's (HTTP 403).
var ErrWrongInstallation = errors.New("ingest: the token belongs to another installation")

// Ack is what an accepted batch wrote. Every reading of the batch is
// durable when Accept returns it.
type Ack struct {
	Accepted   int `json:"accepted" doc:"Readings stored by this batch."`
	Duplicates int `json:"duplicates" doc:"Readings whose (stream, time) was stored already (by an earlier batch, or earlier in this one): the first value written is kept."`
	NewStreams int `json:"new_streams" doc:"Streams this batch created."`
}

// Accept is the one entry point of every transport: it checks the token
// (srn_<public id>_<secret>), parses the payload, and writes the whole
// batch in one transaction, or nothing. Errors are typed: ErrUnknownToken,
// ErrRevokedToken, ErrWrongInstallation, *BadItemError, *TooLargeError,
// *BadEncodingError, ErrEmpty, *OverloadedError; anything else is
// internal. Every call is audited before it returns (actor
// ingest-token:<public id>); if the entry cannot be written the error is
// domain internal, and the gateway re-sends (harmless: idempotent).
func (s *Service) Accept(ctx context.Context, token string, payload io.Reader, o Options) (Ack, error) {
	publicID, secret, shaped := SplitToken(token)
	ev := s.begin(publicID, shaped, o)
	ack, err := s.accept(ctx, ev, publicID, secret, shaped, payload, o)
	if aerr := s.rec.Record(ctx, ev, StatusOf(err)); aerr != nil {
		return Ack{}, fmt.Errorf("%w: %w", ErrAuditUnavailable, aerr)
	}
	return ack, err
}

func (s *Service) accept(ctx context.Context, ev *audit.Event, publicID string, secret []byte, shaped bool, payload io.Reader, o Options) (Ack, error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return Ack{}, &OverloadedError{RetryAfter: s.retryAfter}
	}
	if !shaped {
		return Ack{}, ErrUnknownToken
	}
	tok, err := s.db.IngestTokenByPublicID(ctx, publicID)
	if domain.KindOf(err) == domain.KindNotFound || err == nil && !SecretMatches(tok.SecretSHA256, secret) {
		return Ack{}, ErrUnknownToken
	}
	if err != nil {
		return Ack{}, err
	}
	ev.Resolved(resource.Installation, tok.InstallationID)
	ev.Concerns(tok.PatientID)
	switch {
	case tok.RevokedAt != nil:
		return Ack{}, ErrRevokedToken
	case o.TokenPublicID != "" && o.TokenPublicID != publicID:
		return Ack{}, ErrWrongInstallation
	}
	items, err := Parse(payload, o.Gzip, s.limits)
	if err != nil {
		return Ack{}, err
	}
	var refused error // the plan's refusal, as it is: the store wraps what it does not know
	res, err := s.db.IngestReadings(ctx, tok.ID, func(t store.IngestTarget) (store.IngestPlan, error) {
		p, err := plan(t, items, s.retention)
		refused = err
		return p, err
	})
	if refused != nil {
		return Ack{}, refused
	}
	if err != nil {
		return Ack{}, err
	}
	s.observe(res, items)
	return Ack{Accepted: res.Inserted, Duplicates: res.Duplicates, NewStreams: res.NewStreams}, nil
}

// begin starts the batch's audit event. A token that is not shaped like
// one is not recorded as sent (it may be anything pasted), only as
// malformed.
func (s *Service) begin(publicID string, shaped bool, o Options) *audit.Event {
	actor := domain.Principal{Subject: "ingest-token:(malformed)", Username: "(ingest)"}
	if shaped {
		actor.Subject = "ingest-token:" + publicID
	}
	op := o.Operation
	if op == "" {
		op = "ingest-readings"
	}
	ev := s.rec.Begin(actor, Action, op, resource.Installation.Type())
	ev.Entry.RequestID, ev.Entry.TraceID, ev.Entry.ClientAddr = o.RequestID, o.TraceID, o.ClientAddr
	return ev
}

// observe hands an accepted batch to the metrics: every item that
// stored nothing (stored before, or repeated within the batch) is a
// duplicate.
func (s *Service) observe(res store.IngestResult, items []Item) {
	if s.metrics == nil {
		return
	}
	nowMs := res.Target.Now.UnixMilli()
	s.metrics.Batch(res.Inserted, len(items)-res.Inserted, func(yield func(float64) bool) {
		for _, it := range items {
			if !yield(float64(nowMs-it.AtMs) / 1000) {
				return
			}
		}
	})
}

// RecordRefusal records a request its transport refused before it
// reached Accept (wrong route, method, media type, size), with the
// token's public id as actor when the token is shaped like one.
func (s *Service) RecordRefusal(ctx context.Context, token string, status int, o Options) error {
	publicID, _, shaped := SplitToken(token)
	return s.rec.Record(ctx, s.begin(publicID, shaped, o), status)
}
