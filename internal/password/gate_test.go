package password

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestGateBoundsConcurrentHashes(t *testing.T) {
	const slots = 3
	g := NewGate(slots, 10*time.Millisecond)
	var releases []func()
	for i := range slots {
		release, err := g.Enter(context.Background(), "198.51.100.1", true)
		if err != nil {
			t.Fatalf("slot %d: %v", i+1, err)
		}
		releases = append(releases, release)
	}
	for _, trusted := range []bool{true, false} {
		if _, err := g.Enter(context.Background(), "198.51.100.2", trusted); !errors.Is(err, ErrBusy) {
			t.Fatalf("with every slot taken (trusted %v): %v, want ErrBusy", trusted, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2 := NewGate(1, time.Hour)
	r, _ := g2.Enter(context.Background(), "a", false)
	if _, err := g2.Enter(ctx, "b", false); !errors.Is(err, context.Canceled) {
		t.Fatalf("a caller gone away: %v, want context.Canceled", err)
	}
	r()
	releases[0]()
	if _, err := g.Enter(context.Background(), "198.51.100.2", false); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}

// TestGateSharesSlotsFairly: one client cannot take more than its share,
// strangers together cannot take the reserved slots, and the gate keeps
// no entry for a client with nothing running or waiting.
func TestGateSharesSlotsFairly(t *testing.T) {
	for _, slots := range []int{2, 4, 8, 16} {
		g := NewGate(slots, 10*time.Millisecond)
		if g.Reserved() < 1 || g.PerClient() < 1 || g.PerClient() > 2 {
			t.Fatalf("%d slots: %d reserved, %d per client", slots, g.Reserved(), g.PerClient())
		}
		var releases []func()
		enter := func(client string, trusted bool) error {
			release, err := g.Enter(context.Background(), client, trusted)
			if err == nil {
				releases = append(releases, release)
			}
			return err
		}
		for i := range g.PerClient() {
			if err := enter("203.0.113.66", false); err != nil {
				t.Fatalf("%d slots: the client's check %d: %v", slots, i+1, err)
			}
		}
		if err := enter("203.0.113.66", false); !errors.Is(err, ErrBusy) {
			t.Fatalf("%d slots: a client over its share of %d: %v, want ErrBusy", slots, g.PerClient(), err)
		}
		// Other strangers get the rest of the strangers' share, each its own.
		for i := g.PerClient(); i < slots-g.Reserved(); i++ {
			if err := enter(fmt.Sprintf("192.0.2.%d", i), false); err != nil {
				t.Fatalf("%d slots: another client's check (%d running): %v", slots, i, err)
			}
		}
		if err := enter("192.0.2.200", false); !errors.Is(err, ErrBusy) {
			t.Fatalf("%d slots: a stranger once the strangers' share is taken: %v, want ErrBusy", slots, err)
		}
		for i := range g.Reserved() {
			if err := enter("192.0.2.200", true); err != nil {
				t.Fatalf("%d slots: trusted login %d in the reserved slots: %v", slots, i+1, err)
			}
		}
		for _, r := range releases {
			r()
		}
		if n := g.Clients(); n != 0 {
			t.Errorf("%d slots: %d clients still tracked with nothing running", slots, n)
		}
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
			release, err := g.Enter(context.Background(), "198.51.100.1", true)
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
