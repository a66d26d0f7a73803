package password

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// HashMemory is what one Verify or Hash allocates (argon2id's memory
// parameter): the figure to multiply a concurrency bound by.
const HashMemory = 64 << 20

// ErrBusy is returned by Gate.Enter when every slot stayed taken for the
// gate's wait.
var ErrBusy = errors.New("password: too many password checks at once")

// Gate bounds how many password hashes run at once. Each takes 64 MiB
// for its duration: without a bound, a hundred parallel logins take
// 6 GiB; with one, memory stays at slots × 64 MiB whatever the load,
// and the excess is told to come back instead of queueing without end.
type Gate struct {
	slots chan struct{}
	wait  time.Duration
}

// DefaultGateSlots is max(2, GOMAXPROCS): each hash runs two lanes, so
// more would only queue for the processors while holding their memory.
func DefaultGateSlots() int { return max(2, runtime.GOMAXPROCS(0)) }

// NewGate returns a gate of n slots (<= 0: DefaultGateSlots) that lets a
// caller wait up to wait for one.
func NewGate(n int, wait time.Duration) *Gate {
	if n <= 0 {
		n = DefaultGateSlots()
	}
	return &Gate{slots: make(chan struct{}, n), wait: wait}
}

// Slots is the number of hashes that may run at once.
func (g *Gate) Slots() int { return cap(g.slots) }

// Enter takes a slot, waiting at most the gate's wait (and not past
// ctx); call release when the hash is done. It fails with ErrBusy, or
// ctx's error.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.release, nil
	default:
	}
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.release, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *Gate) release() { <-g.slots }
