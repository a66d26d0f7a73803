package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

func months(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01")
	}
	return out
}

// collecting enrols Mario and starts collection now; it returns the
// installation and a token id.
func collecting(t *testing.T, env *storetest.Env) (int64, int64) {
	t.Helper()
	st := env.Study()
	p := must[domain.Patient](t)(st.Enrol(doctor(), mario()))
	inst := must[domain.Installation](t)(st.InstallationOfPatient(doctor(), p.ID))
	tickets := must[[]domain.Ticket](t)(st.Tickets(doctor(), inst.ID))
	must[domain.Ticket](t)(st.CloseTicket(installer(), tickets[0].ID))
	_, pub, hash := ingest.NewToken()
	tok := must[domain.IngestToken](t)(env.DB.InsertIngestToken(context.Background(), inst.ID, pub, hash))
	return inst.ID, tok.ID
}

// write stores readings of one stream through the store's batch write.
func write(t *testing.T, env *storetest.Env, token int64, ats ...time.Time) store.IngestResult {
	t.Helper()
	var rs []store.KeyedReading
	for i, at := range ats {
		rs = append(rs, store.KeyedReading{Key: "kitchen.motion", AtMs: at.UnixMilli(), Value: float64(i)})
	}
	return must[store.IngestResult](t)(env.DB.IngestReadings(context.Background(), token, func(tg store.IngestTarget) (store.IngestPlan, error) {
		p := store.IngestPlan{Readings: rs}
		if _, ok := tg.Streams["kitchen.motion"]; !ok {
			p.NewStreams = []domain.Stream{{Key: "kitchen.motion", Kind: domain.KindMotion, Unit: "1"}}
		}
		return p, nil
	}))
}

// TestReadingsPartitionsAreMonthly (PostgreSQL): the worker's call makes
// the current month and the next ones; a write into a month without a
// partition makes it (only the months its readings fall in); retention drops whole months with their rollups,
// and the rest stays equal to the raw readings.
func TestReadingsPartitionsAreMonthly(t *testing.T) {
	env := storetest.Open(t, "postgres")
	ctx := context.Background()
	now := env.Clock.Now() // 2026-03-02
	if err := env.DB.PreparePartitions(ctx, now, 2); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(months(must[[]time.Time](t)(env.DB.Partitions(ctx)))); got != "[2026-03 2026-04 2026-05]" {
		t.Errorf("after preparing: %s", got)
	}
	if err := env.DB.PreparePartitions(ctx, now, 2); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	env.Clock.Advance(-70 * 24 * time.Hour) // the installation dates from December
	_, token := collecting(t, env)
	env.Clock.Advance(70 * 24 * time.Hour)
	dec, jan := time.Date(2025, 12, 24, 12, 0, 0, 0, time.UTC), time.Date(2026, 1, 31, 23, 59, 59, 0, time.UTC)
	if res := write(t, env, token, dec, jan, now.Add(-time.Hour)); res.Inserted != 3 {
		t.Fatalf("wrote %+v", res)
	}
	if got := fmt.Sprint(months(must[[]time.Time](t)(env.DB.Partitions(ctx)))); got != "[2025-12 2026-01 2026-03 2026-04 2026-05]" {
		t.Errorf("after a batch of December, January and March: %s", got) // February holds no reading: no partition
	}
	var inDec int
	if err := env.Raw(t).QueryRow(`SELECT COUNT(*) FROM readings_p202512`).Scan(&inDec); err != nil || inDec != 1 {
		t.Errorf("December's partition holds %d (%v)", inDec, err)
	}
	dropped := must[[]time.Time](t)(env.DB.DropPartitionsBefore(ctx, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)))
	if got := fmt.Sprint(months(dropped)); got != "[2025-12 2026-01]" { // March stays: it ends after the cutoff
		t.Errorf("dropped %s", got)
	}
	var readings, rollups int
	if err := env.Raw(t).QueryRow(`SELECT (SELECT COUNT(*) FROM readings), (SELECT COUNT(*) FROM rollups)`).Scan(&readings, &rollups); err != nil {
		t.Fatal(err)
	}
	if readings != 1 || rollups != len(domain.RollupTiers) {
		t.Errorf("after retention: %d readings, %d rollup rows; want 1 and %d", readings, rollups, len(domain.RollupTiers))
	}
	// December written again after its partition was dropped: made anew.
	if res := write(t, env, token, dec); res.Inserted != 1 {
		t.Errorf("re-written December: %+v", res)
	}
}

// TestPartitionCallsAreNoOpsOnSQLite: one table, nothing to prepare.
func TestPartitionCallsAreNoOpsOnSQLite(t *testing.T) {
	env := storetest.Open(t, "sqlite")
	ctx := context.Background()
	if err := env.DB.PreparePartitions(ctx, env.Clock.Now(), 2); err != nil {
		t.Fatal(err)
	}
	if ps := must[[]time.Time](t)(env.DB.Partitions(ctx)); len(ps) != 0 {
		t.Errorf("partitions on SQLite: %v", ps)
	}
	if d := must[[]time.Time](t)(env.DB.DropPartitionsBefore(ctx, env.Clock.Now())); len(d) != 0 {
		t.Errorf("dropped on SQLite: %v", d)
	}
}
