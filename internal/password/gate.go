package password

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
)

// HashMemory is what one Verify or Hash allocates (argon2id's memory
// parameter): the figure to multiply a concurrency bound by.
const HashMemory = 64 << 20

// ErrBusy is returned by Gate.Enter when no slot it may use came free
// within the gate's wait.
var ErrBusy = errors.New("password: too many password checks at once")

// Gate bounds how many password hashes run at once, and shares them
// fairly. Each hash takes 64 MiB for its duration: without a bound, a
// hundred parallel logins take 6 GiB; with one, memory stays at slots ×
// 64 MiB whatever the load, and the excess is told to come back instead
// of queueing without end.
//
// A bound alone lets one client take every slot, so that everyone else
// is turned away. Hence two more rules:
//   - one client (an address) runs at most PerClient checks at once;
//     its other logins wait in their own line, holding no slot;
//   - Reserved slots serve only trusted logins (a username and address
//     that logged in before), so strangers from many addresses together
//     cannot keep the known users out either;
//   - the strangers' share is handed to waiters by standing (what is
//     left of their address's budget of failures, less one for each
//     other login of the address in the gate), highest first, so that
//     addresses looping on failed logins, or sending many at once,
//     cannot keep someone from a fresh address waiting behind them.
type Gate struct {
	all       chan struct{} // every slot
	untrusted *ordered      // the share of strangers: all but the reserved
	reserved  int
	perClient int
	wait      time.Duration

	mu    sync.Mutex
	lines map[string]*line // clients with a check running or waiting
}

// line is one client's share: perClient places, and how many of its
// logins hold or wait for one (the entry goes when none does).
type line struct {
	places chan struct{}
	users  int
}

// DefaultGateSlots is max(2, GOMAXPROCS): each hash runs two lanes, so
// more would only queue for the processors while holding their memory.
func DefaultGateSlots() int { return max(2, runtime.GOMAXPROCS(0)) }

// NewGate returns a gate of n slots (<= 0: DefaultGateSlots) that lets a
// caller wait up to wait for one. A quarter of the slots (at least one)
// is reserved for trusted logins; a client may run at most two checks at
// once, and at most half of the strangers' share (at least one).
func NewGate(n int, wait time.Duration) *Gate {
	if n <= 0 {
		n = DefaultGateSlots()
	}
	reserved := 0
	if n >= 2 {
		reserved = max(1, n/4)
	}
	return &Gate{all: make(chan struct{}, n), untrusted: newOrdered(n - reserved), reserved: reserved,
		perClient: max(1, min(2, (n-reserved)/2)), wait: wait, lines: map[string]*line{}}
}

// Slots is the number of hashes that may run at once.
func (g *Gate) Slots() int { return cap(g.all) }

// Reserved is the number of slots only trusted logins may use.
func (g *Gate) Reserved() int { return g.reserved }

// PerClient is the most checks one client runs at once, unless trusted.
func (g *Gate) PerClient() int { return g.perClient }

// Enter takes a slot for a check on behalf of client, waiting at most the
// gate's wait (and not past ctx); call release when the hash is done. A
// trusted caller may take any slot and is not held to the client's
// share; any other first takes a place in its client's line, then one
// of the strangers' slots, which go to the waiter of highest standing
// first (see Gate). It fails with ErrBusy, or ctx's error.
func (g *Gate) Enter(ctx context.Context, client string, trusted bool, standing int) (release func(), err error) {
	wctx, cancel := context.WithTimeout(ctx, g.wait)
	defer cancel()
	if trusted {
		if err := take(wctx, g.all); err != nil {
			return nil, g.busy(ctx)
		}
		return func() { <-g.all }, nil
	}
	places := g.join(client).places
	undo := func(steps int) { // a waiter of another client gets the slot before this client's next
		if steps > 2 {
			<-g.all
		}
		if steps > 1 {
			g.untrusted.release()
		}
		if steps > 0 {
			<-places
		}
		g.leave(client)
	}
	if err := take(wctx, places); err != nil {
		undo(0)
		return nil, g.busy(ctx)
	}
	if err := g.untrusted.acquire(wctx, func() int { return standing - g.others(client) }); err != nil {
		undo(1)
		return nil, g.busy(ctx)
	}
	if err := take(wctx, g.all); err != nil {
		undo(2)
		return nil, g.busy(ctx)
	}
	return func() { undo(3) }, nil
}

// take puts a token in c, unless ctx ends first.
func take(ctx context.Context, c chan struct{}) error {
	select {
	case c <- struct{}{}:
		return nil
	default:
	}
	select {
	case c <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// busy is ErrBusy when the wait ran out, or the caller's own error.
func (g *Gate) busy(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return ErrBusy
}

func (g *Gate) join(client string) *line {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.lines[client]
	if l == nil {
		l = &line{places: make(chan struct{}, g.perClient)}
		g.lines[client] = l
	}
	l.users++
	return l
}

func (g *Gate) leave(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := g.lines[client]; l != nil {
		if l.users--; l.users == 0 {
			delete(g.lines, client)
		}
	}
}

// others is how many more logins of client hold or wait for a slot:
// each lowers its standing by one, so that a client sending many logins
// at once (all checked with its budget still whole) is not served
// before a client sending one.
func (g *Gate) others(client string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := g.lines[client]; l != nil {
		return l.users - 1
	}
	return 0
}

// Clients is how many clients have a check running or waiting: entries
// exist only for them, so memory follows the requests in flight.
func (g *Gate) Clients() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.lines)
}
