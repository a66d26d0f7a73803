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
		release, err := g.Enter(context.Background(), "198.51.100.1", true, 0)
		if err != nil {
			t.Fatalf("slot %d: %v", i+1, err)
		}
		releases = append(releases, release)
	}
	for _, trusted := range []bool{true, false} {
		if _, err := g.Enter(context.Background(), "198.51.100.2", trusted, 0); !errors.Is(err, ErrBusy) {
			t.Fatalf("with every slot taken (trusted %v): %v, want ErrBusy", trusted, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2 := NewGate(1, time.Hour)
	r, _ := g2.Enter(context.Background(), "a", false, 0)
	if _, err := g2.Enter(ctx, "b", false, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("a caller gone away: %v, want context.Canceled", err)
	}
	r()
	releases[0]()
	if _, err := g.Enter(context.Background(), "198.51.100.2", false, 0); err != nil {
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
			release, err := g.Enter(context.Background(), client, trusted, 0)
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
			release, err := g.Enter(context.Background(), "198.51.100.1", true, 0)
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

// TestGateServesHighStandingFirst: when the strangers' share is taken,
// a waiter of higher standing (a fresh address) is served before the
// waiters of lower standing (addresses that failed often) who came
// earlier; equal standings are served in order of arrival; a waiter
// that gives up leaves nothing taken.
func TestGateServesHighStandingFirst(t *testing.T) {
	g := NewGate(2, time.Minute) // one slot for strangers
	hold, err := g.Enter(context.Background(), "203.0.113.1", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 8)
	enter := func(client string, standing int) {
		release, err := g.Enter(context.Background(), client, false, standing)
		if err != nil {
			t.Error(err)
			return
		}
		order <- client
		release()
	}
	waiting := func(n int) { // until n waiters queue for the strangers' slot
		for range 10_000 {
			g.untrusted.mu.Lock()
			got := len(g.untrusted.waiters)
			g.untrusted.mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("%d waiters never queued", n)
	}
	var wg sync.WaitGroup
	for i, c := range []string{"203.0.113.2", "203.0.113.3", "203.0.113.4"} {
		wg.Go(func() { enter(c, 0) })
		waiting(i + 1)
	}
	gone, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := g.Enter(gone, "203.0.113.9", false, 20); done <- err }()
	waiting(4)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter that gave up: %v", err)
	}
	wg.Go(func() { enter("198.51.100.7", 20) })
	waiting(4)
	hold()
	wg.Wait()
	close(order)
	var got []string
	for c := range order {
		got = append(got, c)
	}
	want := []string{"198.51.100.7", "203.0.113.2", "203.0.113.3", "203.0.113.4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("served in order %v, want %v", got, want)
	}
	if g.untrusted.free != 1 || g.Clients() != 0 {
		t.Errorf("after everyone left: %d strangers' slots free, %d clients tracked; want 1 and 0", g.untrusted.free, g.Clients())
	}
}

// TestGateServesOneLoginBeforeAFlood: a client sending many logins at
// once (each with its budget still whole) is served after a client
// sending one with the same standing, even when the flood came first.
func TestGateServesOneLoginBeforeAFlood(t *testing.T) {
	g := NewGate(2, time.Minute) // one slot for strangers, one place per client
	hold, err := g.Enter(context.Background(), "203.0.113.1", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 8)
	var wg sync.WaitGroup
	enter := func(client string) {
		release, err := g.Enter(context.Background(), client, false, 20)
		if err != nil {
			t.Error(err)
			return
		}
		order <- client
		release()
	}
	queued := func(n int) {
		for range 10_000 {
			g.untrusted.mu.Lock()
			got := len(g.untrusted.waiters)
			g.untrusted.mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("%d waiters never queued", n)
	}
	for range 3 {
		wg.Go(func() { enter("127.0.3.1") })
	}
	queued(1)
	for i := 0; g.others("127.0.3.1") < 2; i++ { // all three in the gate
		if i == 10_000 {
			t.Fatal("the flood never joined")
		}
		time.Sleep(time.Millisecond)
	}
	wg.Go(func() { enter("198.51.100.7") })
	queued(2)
	hold()
	wg.Wait()
	close(order)
	var got []string
	for c := range order {
		got = append(got, c)
	}
	if len(got) != 4 || got[0] != "198.51.100.7" {
		t.Errorf("served in order %v, want the single login first", got)
	}
}
