package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/storetest"
)

// TestWarmReadsAndAuditGroupsPrepareNoStatement: once a patient was read
// and audit groups were written, more reads and groups of any size (with
// and without list reads' patients) prepare no statement on either
// backend: statements are cached per connection, and the group's insert
// does not change its text with the group's size.
func TestWarmReadsAndAuditGroupsPrepareNoStatement(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), mario()))
		group := func(size int) []audit.Entry {
			es := make([]audit.Entry, size)
			for i := range es {
				es[i] = singleRead(i, fmt.Sprint("PAT-", i))
				if i%3 == 0 {
					es[i] = listRead(i, "PAT-1", fmt.Sprint("PAT-", i+1))
				}
			}
			return es
		}
		round := func(size int) {
			if _, err := env.DB.Patient(doctor(), p.ID); err != nil {
				t.Fatal(err)
			}
			if err := env.DB.AppendAudit(ctx, group(size)); err != nil {
				t.Fatal(err)
			}
		}
		round(1)
		round(4)
		warm := env.DB.StatementsPrepared()
		if warm == 0 {
			t.Fatal("no statement counted as prepared: the counter is not wired")
		}
		for size := 1; size <= 64; size += 7 {
			round(size)
		}
		if n := env.DB.StatementsPrepared(); n != warm {
			t.Errorf("%d statements prepared after warm-up (%d before): the statement cache misses", n-warm, warm)
		}
		if _, err := env.DB.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentAuditGroupsKeepEveryEntryAndItsPatients: entries of
// single and list reads recorded from many goroutines at once are
// written in groups, each entry once, with the patients it lists; the
// chain verifies.
func TestConcurrentAuditGroupsKeepEveryEntryAndItsPatients(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		const n = 300
		var mu sync.Mutex
		groups := 0
		w := audit.NewWriter(env.DB, slog.New(slog.NewTextHandler(io.Discard, nil)), audit.Metrics{GroupSize: func(int) {
			mu.Lock()
			groups++
			mu.Unlock()
		}})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				e := singleRead(i, fmt.Sprint("SINGLE-", i))
				if i%2 == 0 {
					e = listRead(i, "LISTED-ALL", fmt.Sprint("LISTED-", i))
				}
				if err := w.Record(ctx, e); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		w.Close()
		if count, err := env.DB.VerifyAudit(ctx); err != nil || count != n {
			t.Fatalf("verify = %d, %v; want %d entries", count, err, n)
		}
		if groups >= n {
			t.Errorf("%d entries took %d groups: nothing was grouped", n, groups)
		}
		all, listed := seqs(t, env.DB, "LISTED-ALL")
		if len(all) != n/2 || slices.ContainsFunc(listed, func(l int) bool { return l != 2 }) {
			t.Errorf("LISTED-ALL is in %d entries listing %v, want %d listing 2 each", len(all), listed, n/2)
		}
		for _, p := range []string{"LISTED-0", "LISTED-298", "SINGLE-1", "SINGLE-299"} {
			if got, _ := seqs(t, env.DB, p); len(got) != 1 {
				t.Errorf("%s is in %d entries, want 1", p, len(got))
			}
		}
		t.Logf("%d entries in %d groups", n, groups)
	})
}

// TestTwoProcessesExtendOneChain: two stores on one database (two
// replicas), each with its own group-committing writer, record at once;
// every entry is written once and the chain verifies, though each
// writer's remembered head is moved by the other.
func TestTwoProcessesExtendOneChain(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		other, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		const perWriter = 150
		var wg sync.WaitGroup
		for w, db := range []audit.Appender{env.DB, other} {
			writer := audit.NewWriter(db, slog.New(slog.NewTextHandler(io.Discard, nil)), audit.Metrics{})
			defer writer.Close()
			for i := range perWriter {
				wg.Go(func() {
					if err := writer.Record(ctx, singleRead(i, fmt.Sprint("W", w, "-", i))); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		if n, err := env.DB.VerifyAudit(ctx); err != nil || n != 2*perWriter {
			t.Fatalf("verify = %d, %v; want %d entries", n, err, 2*perWriter)
		}
		for _, p := range []string{"W0-0", "W0-149", "W1-0", "W1-149"} {
			if got, _ := seqs(t, env.DB, p); len(got) != 1 {
				t.Errorf("%s is in %d entries, want 1", p, len(got))
			}
		}
	})
}
