package audit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	var seq int64
	var prev []byte
	for i := range n {
		e := Entry{Time: time.Date(2026, 1, 1, 0, 0, i, 123456789, time.UTC), ActorUsername: "iit-gennaro", Action: "installation.read", Status: 200}
		Link(seq, prev, &e)
		seq, prev = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func TestEveryFieldIsCoveredByTheHash(t *testing.T) {
	e := chain(1)[0]
	edits := map[string]func(*Entry){
		"time":       func(e *Entry) { e.Time = e.Time.Add(time.Microsecond) },
		"actor":      func(e *Entry) { e.ActorUsername = "someone" },
		"roles":      func(e *Entry) { e.Roles = []string{"admin"} },
		"resource":   func(e *Entry) { e.ResourceRef = "x" },
		"patient":    func(e *Entry) { e.Patient = "p" },
		"outcome":    func(e *Entry) { e.Outcome = OutcomeDenied },
		"status":     func(e *Entry) { e.Status = 403 },
		"client":     func(e *Entry) { e.ClientAddr = "10.0.0.1" },
		"request id": func(e *Entry) { e.RequestID = "r" },
	}
	for name, edit := range edits {
		c := e
		edit(&c)
		if string(ComputeHash(nil, c)) == string(e.Hash) {
			t.Errorf("editing %s keeps the hash", name)
		}
	}
	// Field boundaries are encoded: moving a character between fields
	// changes the hash.
	a, b := e, e
	a.ActorSubject, a.ActorUsername = "ab", "c"
	b.ActorSubject, b.ActorUsername = "a", "bc"
	if string(ComputeHash(nil, a)) == string(ComputeHash(nil, b)) {
		t.Error("field boundaries are not part of the encoding")
	}
}

func TestVerifierAcceptsAChainAndNamesTheFirstBreak(t *testing.T) {
	entries := chain(5)
	var v Verifier
	for _, e := range entries {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Finish(5, entries[4].Hash); err != nil {
		t.Fatal(err)
	}
	entries[2].Status = 500
	var w Verifier
	var err error
	for _, e := range entries {
		if err = w.Next(e); err != nil {
			break
		}
	}
	var p *Problem
	if !errors.As(err, &p) || p.Seq != 3 {
		t.Errorf("err = %v, want a problem at entry 3", err)
	}
}

type failingStore struct{}

func (failingStore) AppendAudit(context.Context, []Entry) error { return errors.New("disk full") }

func TestWriterReportsAFailedWrite(t *testing.T) {
	var failed atomic.Int64
	w := NewWriter(failingStore{}, slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics{Failed: func(n int) { failed.Add(int64(n)) }})
	defer w.Close()
	for range 3 {
		if err := w.Record(context.Background(), Entry{}); err == nil {
			t.Fatal("a failed write was reported as durable")
		}
	}
	if n := failed.Load(); n != 3 {
		t.Errorf("failed entries counted %d, want 3", n)
	}
}

func TestWriterRefusesAfterClose(t *testing.T) {
	w := NewWriter(failingStore{}, slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics{})
	w.Close()
	if err := w.Record(context.Background(), Entry{}); !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
}
