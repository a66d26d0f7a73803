package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Appender stores a group of entries in one transaction, linking them to
// the chain's current head (which it reads under a lock, so several
// processes sharing a database keep one chain).
type Appender interface {
	AppendAudit(ctx context.Context, entries []Entry) error
}

// Metrics observes group commits; nil funcs are ignored.
type Metrics struct {
	GroupSize    func(n int)
	WriteSeconds func(seconds float64)
	// Failed counts the entries of a group whose write failed (their
	// requests were refused): what an operator's alert watches.
	Failed func(n int)
}

// MaxGroup bounds one transaction.
const MaxGroup = 512

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("audit: writer closed")

// Writer group-commits entries: one goroutine takes every entry waiting
// and writes them in one transaction, while the next group gathers.
// Record returns only once its entry is durable, or with the error that
// prevented it — the caller then fails the request (fail closed).
type Writer struct {
	store   Appender
	log     *slog.Logger
	metrics Metrics

	queue  chan pending
	mu     sync.RWMutex // guards closed against Record sending on a closed queue
	closed bool
	done   chan struct{}
}

type pending struct {
	entry Entry
	ctx   context.Context
	done  chan error
}

// NewWriter starts a writer; Close stops it.
func NewWriter(store Appender, log *slog.Logger, m Metrics) *Writer {
	w := &Writer{store: store, log: log, metrics: m, queue: make(chan pending, MaxGroup), done: make(chan struct{})}
	go w.run()
	return w
}

// RecordTimeout bounds how long Record waits for its entry to be queued
// and written (a group's write has its own bound, writeTimeout).
const RecordTimeout = 15 * time.Second

// writeTimeout bounds one group's transaction.
const writeTimeout = 10 * time.Second

// Record writes e durably (and to the log), or returns why it could not.
// It waits whether or not ctx is cancelled (only for ctx's values): an
// entry is recorded for what was done, and a client that went away after
// its write committed must not leave that write unaudited. The wait has
// its own bound instead.
func (w *Writer) Record(ctx context.Context, e Entry) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RecordTimeout)
	defer cancel()
	p := pending{entry: e, ctx: context.WithoutCancel(ctx), done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.queue <- p:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err() // timed out: the entry may still land; the request fails anyway
	}
}

// Close writes what is queued and stops.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	for first := range w.queue {
		group := []pending{first}
	gather:
		for len(group) < MaxGroup {
			select {
			case p, ok := <-w.queue:
				if !ok {
					break gather
				}
				group = append(group, p)
			default:
				break gather
			}
		}
		w.write(group)
	}
}

func (w *Writer) write(group []pending) {
	entries := make([]Entry, len(group))
	for i, p := range group {
		entries[i] = p.entry
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	err := w.store.AppendAudit(ctx, entries)
	cancel()
	if w.metrics.WriteSeconds != nil {
		w.metrics.WriteSeconds(time.Since(start).Seconds())
	}
	if w.metrics.GroupSize != nil {
		w.metrics.GroupSize(len(group))
	}
	if err != nil {
		w.log.Error("audit write failed: refusing the requests it concerned", "entries", len(group), "err", err)
		if w.metrics.Failed != nil {
			w.metrics.Failed(len(group))
		}
	}
	for i, p := range group {
		if err == nil {
			w.logEntry(p.ctx, entries[i])
		}
		p.done <- err
	}
}

// logEntry emits the entry as a structured log record, so an external
// log store keeps a copy of the trail; seq and hash tie the record to its
// row. The resource is its audit pseudonym, never a reference as typed.
func (w *Writer) logEntry(ctx context.Context, e Entry) {
	resource := e.ResourceAudit
	if resource == "" {
		resource = e.ResourceRef
	}
	w.log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.Int64("audit_seq", e.Seq), slog.String("actor_subject", e.ActorSubject), slog.String("actor", e.ActorUsername),
		slog.Any("roles", e.Roles), slog.String("action", e.Action), slog.String("operation", e.Operation),
		slog.String("resource_type", e.ResourceType), slog.String("resource", resource), slog.String("patient", e.Patient),
		slog.Any("patients", e.Patients),
		slog.String("outcome", e.Outcome), slog.Int("status", e.Status), slog.String("client", e.ClientAddr),
		slog.String("audit_hash", hex.EncodeToString(e.Hash)))
}
