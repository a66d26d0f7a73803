package password

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestGateBoundsConcurrentHashes(t *testing.T) {
	const slots = 3
	g := NewGate(slots, 10*time.Millisecond)
	var releases []func()
	for i := range slots {
		release, err := g.Enter(context.Background())
		if err != nil {
			t.Fatalf("slot %d: %v", i+1, err)
		}
		releases = append(releases, release)
	}
	if _, err := g.Enter(context.Background()); !errors.Is(err, ErrBusy) {
		t.Fatalf("with every slot taken: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2 := NewGate(1, time.Hour)
	r, _ := g2.Enter(context.Background())
	if _, err := g2.Enter(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a caller gone away: %v, want context.Canceled", err)
	}
	r()
	releases[0]()
	if _, err := g.Enter(context.Background()); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}

// TestGateCountsPeakConcurrency runs many real verifications through a
// gate and counts how many ran at once.
func TestGateCountsPeakConcurrency(t *testing.T) {
	hash, err := Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	const slots = 2
	g := NewGate(slots, time.Minute)
	var mu sync.Mutex
	running, peak, done := 0, 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			release, err := g.Enter(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			_, _ = Verify("wrong", hash)
			mu.Lock()
			running--
			done++
			mu.Unlock()
		})
	}
	wg.Wait()
	if peak > slots || done != 8 {
		t.Errorf("peak %d hashes at once (want at most %d), %d done of 8", peak, slots, done)
	}
}

func TestDefaultGateSlots(t *testing.T) {
	if n := NewGate(0, 0).Slots(); n != DefaultGateSlots() || n < 2 {
		t.Errorf("default gate has %d slots, want max(2, GOMAXPROCS) = %d", n, DefaultGateSlots())
	}
}
