package password

import (
	"context"
	"sync"
)

// ordered is a counting semaphore whose waiters are served by standing
// (highest first), then in order of arrival, instead of in arrival order
// alone: the strangers' share of a Gate goes first to the clients that
// failed least, so that clients looping on failed logins cannot keep a
// newcomer waiting behind them. A waiter's standing is asked when a
// slot is handed over, so that it may change while it waits.
type ordered struct {
	mu      sync.Mutex
	free    int
	waiters []*waiter // in order of arrival
}

type waiter struct {
	standing func() int
	ready    chan struct{} // closed once the slot is handed over
}

func newOrdered(n int) *ordered { return &ordered{free: n} }

// acquire takes a slot, waiting until one is handed over or ctx ends.
func (o *ordered) acquire(ctx context.Context, standing func() int) error {
	o.mu.Lock()
	if o.free > 0 && len(o.waiters) == 0 {
		o.free--
		o.mu.Unlock()
		return nil
	}
	w := &waiter{standing: standing, ready: make(chan struct{})}
	o.waiters = append(o.waiters, w)
	o.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case <-w.ready: // handed over as ctx ended: pass it on
		o.handOver()
	default:
		o.remove(w)
	}
	return ctx.Err()
}

// release gives a slot back: to the first waiter, if any.
func (o *ordered) release() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.handOver()
}

// handOver passes a free slot to the first waiter, or keeps it. Under mu.
func (o *ordered) handOver() {
	if len(o.waiters) == 0 {
		o.free++
		return
	}
	best, top := 0, o.waiters[0].standing()
	for i, w := range o.waiters[1:] {
		if s := w.standing(); s > top {
			best, top = i+1, s
		}
	}
	w := o.waiters[best]
	o.remove(w)
	close(w.ready)
}

func (o *ordered) remove(w *waiter) {
	for i, x := range o.waiters {
		if x == w {
			o.waiters = append(o.waiters[:i], o.waiters[i+1:]...)
			return
		}
	}
}
