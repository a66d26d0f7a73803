package store_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"serenade/internal/audit"
	"serenade/internal/testsupport/storetest"
)

// TestAuditRecordOutlivesItsCaller: an entry recorded with a context
// already cancelled (the client went away after its write committed) is
// still written, and Record says so.
func TestAuditRecordOutlivesItsCaller(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		w := audit.NewWriter(env.DB, slog.New(slog.NewTextHandler(io.Discard, nil)), audit.Metrics{})
		defer w.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		const n = 5
		for i := range n {
			e := audit.Entry{Time: time.Now().UTC(), ActorUsername: "dottore-alice", Action: "patient.create", Operation: "gone-client", Status: 201 + i%2, Outcome: audit.OutcomeOK}
			if err := w.Record(ctx, e); err != nil {
				t.Fatalf("entry %d not recorded after its caller went away: %v", i, err)
			}
		}
		got, err := env.DB.QueryAudit(context.Background(), audit.Filter{Action: "patient.create", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		stored := 0
		for _, e := range got {
			if e.Operation == "gone-client" {
				stored++
			}
		}
		if stored != n {
			t.Errorf("%d entries stored, want %d", stored, n)
		}
	})
}
