package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/pseudonym"
)

// SensorHome is a working installation (its installation ticket closed,
// so collecting since Start, the clock's time then) whose gateway sends
// readings through the real ingest service.
type SensorHome struct {
	Installation, Patient int64
	Start                 time.Time
	token                 string
	svc                   *ingest.Service
}

// Reading is one reading a test sends: Cadence is the stream's expected
// interval in seconds (0: event-driven), given with every item.
type Reading struct {
	Stream  string
	At      time.Time
	Value   float64
	Cadence int
}

// SensorHome enrols patient n, installs the kit and provisions an ingest
// token.
func (e *Env) SensorHome(t testing.TB, n int) SensorHome {
	t.Helper()
	st := e.Study()
	p := Must[domain.Patient](t)(st.Enrol(Doctor(), Patient(t, n)))
	inst := Must[domain.Installation](t)(st.InstallationOfPatient(Doctor(), p.ID))
	tickets := Must[[]domain.Ticket](t)(st.Tickets(Installer(), inst.ID))
	Must[domain.Ticket](t)(st.CloseTicket(Installer(), tickets[0].ID))
	w := audit.NewWriter(e.DB, slog.New(slog.DiscardHandler), audit.Metrics{})
	t.Cleanup(w.Close)
	svc := ingest.New(ingest.Config{DB: e.DB, Audit: w, Pseudonyms: pseudonym.New(e.DB.PseudonymKey())})
	tok := Must[ingest.Provisioned](t)(svc.Provision(Installer(), inst.ID))
	return SensorHome{Installation: inst.ID, Patient: p.ID, Start: e.Clock.Now(), token: tok.Token, svc: svc}
}

// Send ingests readings in batches of at most 5,000, failing the test on
// any refusal.
func (h SensorHome) Send(t testing.TB, rs ...Reading) {
	t.Helper()
	for len(rs) > 0 {
		n := min(len(rs), 5000)
		items := make([]map[string]any, n)
		for i, r := range rs[:n] {
			items[i] = map[string]any{"stream": r.Stream, "time": r.At.UnixMilli(), "value": r.Value, "cadence_s": r.Cadence}
		}
		body, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Accept(context.Background(), h.token, bytes.NewReader(body), ingest.Options{}); err != nil {
			t.Fatalf("ingest: %v", err)
		}
		rs = rs[n:]
	}
}

// Every is the readings of a periodic stream every cadence seconds over
// [from, to), skipping those for which skip returns true (nil: none).
func Every(stream string, cadence int, from, to time.Time, skip func(time.Time) bool) []Reading {
	var out []Reading
	for at := from; at.Before(to); at = at.Add(time.Duration(cadence) * time.Second) {
		if skip == nil || !skip(at) {
			out = append(out, Reading{Stream: stream, At: at, Value: 1, Cadence: cadence})
		}
	}
	return out
}
