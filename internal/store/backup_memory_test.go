package store_test

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// TestBackupAndRestoreStream measures the live heap while a backup is
// written and restored, for a database of n readings and of 4n: the
// growth must not follow the size (both directions hold one batch of rows,
// not a table).
func TestBackupAndRestoreStream(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 100,000 readings per backend")
	}
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		const n = 20_000
		home := env.SensorHome(t, 1)
		send := func(from time.Time, count int) {
			env.Clock.Advance(time.Duration(count) * time.Minute)
			home.Send(t, storetest.Every("kitchen-temp", 60, from, from.Add(time.Duration(count-1)*time.Minute), nil)...)
		}
		send(home.Start, n)
		small, smallRestore := streamHeap(t, env)
		send(home.Start.Add(n*time.Minute), 3*n)
		large, largeRestore := streamHeap(t, env)
		t.Logf("%s: live heap growth, backup %d KiB → %d KiB, restore %d KiB → %d KiB for 4x the readings",
			env.Backend, small>>10, large>>10, smallRestore>>10, largeRestore>>10)
		const slack = 2 << 20
		if large > 2*small+slack || largeRestore > 2*smallRestore+slack {
			t.Fatalf("heap growth follows the data: backup %d → %d bytes, restore %d → %d bytes for 4x the readings",
				small, large, smallRestore, largeRestore)
		}
	})
}

// streamHeap backs the database up into a buffer, then restores it into
// a new database, returning each one's peak live heap growth. The
// backup's growth includes its compressed output (about 3 bytes a
// reading); the restore reads a buffer that exists before its baseline.
func streamHeap(t *testing.T, env *storetest.Env) (backup, restore uint64) {
	t.Helper()
	var buf bytes.Buffer
	backup = peakHeap(t, func() error {
		_, err := env.DB.Backup(context.Background(), &buf)
		return err
	})
	cfg := newBenchTarget(t, env)
	restore = peakHeap(t, func() error {
		_, err := store.Restore(context.Background(), cfg, bytes.NewReader(buf.Bytes()))
		return err
	})
	return backup, restore
}

// peakHeap runs fn and returns the largest live heap seen while it ran
// (a collection, then the heap in use, every few milliseconds) less the
// live heap before it. The sampling loop stops when fn returns.
func peakHeap(t *testing.T, fn func() error) uint64 {
	t.Helper()
	live := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := live()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			peak = max(peak, live())
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	err := fn()
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if peak < base {
		return 0
	}
	return peak - base
}
