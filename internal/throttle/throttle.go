// Package throttle slows password guessing without letting strangers lock
// an account's owner out (OWASP Authentication Cheat Sheet: exponential
// back-off rather than lock-out, and a lock-out that spares known
// clients, as with its device cookies).
//
// State, each in a fixed-capacity LRU table (O(1) work per attempt, no
// scan, bounded memory):
//
//   - per (username, client address) pair: failures and the earliest time
//     the next attempt may run. After FreeFailures failures the wait
//     doubles from BaseDelay up to MaxDelay. A short wait (up to MaxHold)
//     is served by holding the request, a longer one is a refusal with
//     Retry-After.
//   - per username and per client address: token buckets (budgets) of
//     failures from all pairs. An empty bucket means a distributed guess
//     at one account, or a spray of usernames from one address: pairs
//     of that account or address that are not trusted then get
//     AttackFreeFailures and a longer back-off (AttackBaseDelay doubling
//     to AttackMaxDelay). An empty address budget refuses the address's
//     untrusted attempts (429, until its next refill) before any
//     password work. An empty account budget makes untrusted attempts
//     take turns, one per AccountRefill, served in order of asking: the
//     first refused attempt from a network (clientip.Network: an IPv4
//     /24, an IPv6 /48) reserves the next free turn, which only that
//     network may use (from its start until TurnGrace later); a network
//     holds one place at a time, and at most MaxLine turns are reserved
//     ahead. So the password checks of one account from untrusted pairs
//     number at most AccountBurst + 1 + T/AccountRefill in any period T,
//     and an owner from a new address waits one refill per network that
//     asked before her (at most MaxLine), whatever the number of
//     addresses a stranger rotates through within a network.
//   - trusted pairs: a pair that logged in successfully is trusted for
//     TrustFor since its last success. They are kept by a TrustStore
//     (the database: durable, shared by every replica), with a bounded
//     cache here. Budgets, turns and the address refusal neither apply
//     to nor are spent by them.
//
// Check decides before any password work and inserts nothing into the
// budget tables; Commit, called once a hashing slot is held, counts the
// attempt as a failure before the password is checked (parallel attempts
// cannot overtake the count; a success gives it back). So the entries
// that could push spent budgets out of the tables each cost a password
// check, and an attempt abandoned before its check leaves nothing.
package throttle

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"serenade/internal/clientip"
)

// The rule's numbers; docs/design.md states them.
const (
	FreeFailures = 5
	// AttackFreeFailures are a pair's free failures while its account's
	// or address's budget is spent: one typo is still forgiven.
	AttackFreeFailures = 1
	BaseDelay          = 250 * time.Millisecond
	MaxDelay           = 15 * time.Minute
	AttackBaseDelay    = 30 * time.Second
	AttackMaxDelay     = time.Hour
	MaxHold            = 3 * time.Second
	AccountBurst       = 10
	AccountRefill      = time.Minute // one failure more per account each minute
	AddressBurst       = 20
	AddressRefill      = 30 * time.Second
	TrustFor           = 30 * 24 * time.Hour
	ForgetAfter        = 24 * time.Hour // a pair quiet this long starts afresh
	// TurnGrace is how long a reserved account turn waits for its
	// network.
	TurnGrace = 10 * time.Second
	// MaxLine is how many account turns may be reserved ahead: it bounds
	// the Retry-After of a turn to MaxLine × AccountRefill.
	MaxLine = 10
	// DefaultCapacity is the size of each table: memory is bounded
	// whatever the number of usernames and addresses tried.
	DefaultCapacity = 25_000
)

// key names an entry by a hash of its parts: fixed-size, whatever the
// username's length.
type key [16]byte

func keyOf(kind byte, parts ...string) key {
	h := sha256.New()
	h.Write([]byte{kind})
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k key
	copy(k[:], h.Sum(nil))
	return k
}

type pair struct {
	failures uint32
	next     int64 // unix ns: earliest start of the next attempt
}

// TrustStore keeps the pairs that logged in, durably and shared by every
// replica (the database); the throttle's own table is a bounded cache
// of it.
type TrustStore interface {
	LoginTrusted(ctx context.Context, username, address string, since time.Time) (bool, error)
	TrustLogin(ctx context.Context, username, address string, at, forgetBefore time.Time) error
}

// Throttle holds the login throttling state of one process.
type Throttle struct {
	mu        sync.Mutex
	now       func() time.Time
	store     TrustStore
	pairs     *simplelru.LRU[key, pair]
	accounts  *simplelru.LRU[key, bucket]
	addresses *simplelru.LRU[key, bucket]
	trusted   *simplelru.LRU[key, int64] // trusted until (unix ns): cache of store
	turns     *simplelru.LRU[key, int64] // (account, network) -> its reserved account turn (unix ns)
}

// New returns a throttle whose tables hold capacity entries each (<= 0:
// DefaultCapacity); now is its clock (nil: time.Now); store keeps
// trusted pairs (nil: this process's memory only).
func New(capacity int, now func() time.Time, store TrustStore) *Throttle {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	if now == nil {
		now = time.Now
	}
	return &Throttle{now: now, store: store, pairs: mustLRU[pair](capacity), accounts: mustLRU[bucket](capacity),
		addresses: mustLRU[bucket](capacity), trusted: mustLRU[int64](capacity), turns: mustLRU[int64](capacity)}
}

func mustLRU[V any](n int) *simplelru.LRU[key, V] {
	l, err := simplelru.NewLRU[key, V](n, nil)
	if err != nil {
		panic(err) // only for n <= 0, excluded by New
	}
	return l
}

// Attempt is the decision on one login attempt.
type Attempt struct {
	// Allowed: take a hashing slot after waiting Wait (at most MaxHold),
	// then Commit.
	Allowed bool
	Wait    time.Duration
	// RetryAfter is how long a refused client should wait.
	RetryAfter time.Duration
	// Trusted: the pair logged in before (the hashing gate keeps slots
	// for such attempts).
	Trusted bool
	// Standing is what is left of the address's budget when checked
	// (0 to AddressBurst, whole failures): the hashing gate serves
	// addresses that failed less first, so strangers looping failed
	// logins cannot keep others out of the strangers' slots.
	Standing int

	t                          *Throttle
	username, address          string
	pair, account, addr, place key
	spentBudget                bool
}

// Check decides on an attempt to log in as username from address (see
// clientip.Key) before any password work. It counts nothing and adds
// no entry to the budget tables, so that attempts which never reach a
// password check (refused, or abandoned while waiting for a hashing
// slot) cannot push spent budgets out; a refused attempt at a spent
// account may reserve its turn. Commit counts an allowed attempt once
// it holds a hashing slot.
func (t *Throttle) Check(ctx context.Context, username, address string) Attempt {
	a := Attempt{t: t, username: username, address: address, pair: keyOf('p', username, address),
		account: keyOf('u', username), addr: keyOf('a', address), place: keyOf('r', username, clientip.Network(address))}
	a.Trusted = t.isTrusted(ctx, a)
	t.mu.Lock()
	defer t.mu.Unlock()
	a.decide(t.now().UnixNano())
	return a
}

// Admit is Check and Commit at once (no hashing slot in between).
func (t *Throttle) Admit(username, address string) Attempt {
	a := t.Check(context.Background(), username, address)
	if a.Allowed {
		t.mu.Lock()
		defer t.mu.Unlock()
		a.commitAt(t.now().Add(a.Wait).UnixNano())
	}
	return a
}

// decide sets Allowed, Wait and RetryAfter for an attempt starting now.
func (a *Attempt) decide(now int64) {
	t := a.t
	start, refuse := now, false
	if p, ok := t.pairs.Peek(a.pair); ok && now <= p.next+int64(ForgetAfter) {
		start = max(start, p.next)
	}
	a.Standing = AddressBurst
	if !a.Trusted {
		refill, standing := t.addressRefill(a.addr, now)
		a.Standing = standing
		start = max(start, refill)       // the address's budget is spent: a spray is refused before the gate
		if start-now <= int64(MaxHold) { // reserve a turn only for an attempt nothing else refuses
			turn, reserved := t.accountTurn(a.place, a.account, now)
			start = max(start, turn)
			refuse = !reserved // the line is full: come back for a place, not to be held
		}
	}
	wait := time.Duration(start - now)
	a.Allowed, a.Wait, a.RetryAfter = wait <= MaxHold && !refuse, max(0, wait), 0
	if !a.Allowed {
		a.Wait, a.RetryAfter = 0, wait
	}
}

// Commit counts an allowed attempt as a failure before its password is
// checked (parallel attempts cannot overtake the count; Succeeded gives
// it back). It decides again, since other attempts may have taken the
// turn meanwhile: false (with RetryAfter set) means refused after all.
func (a *Attempt) Commit() bool {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	return a.commitAt(a.t.now().UnixNano())
}

// commitAt is Commit at now, under t.mu.
func (a *Attempt) commitAt(now int64) bool {
	t := a.t
	wait := a.Wait
	a.decide(now)
	if !a.Allowed || a.Wait > 0 {
		a.Allowed, a.Wait, a.RetryAfter = false, 0, max(a.Wait, a.RetryAfter)
		return false
	}
	a.Wait = wait
	attack := !a.Trusted && (t.empty(t.accounts, a.account, AccountBurst, AccountRefill, now) ||
		t.empty(t.addresses, a.addr, AddressBurst, AddressRefill, now))
	p, _ := t.pairs.Peek(a.pair)
	if now > p.next+int64(ForgetAfter) {
		p = pair{}
	}
	p.failures++
	p.next = now + int64(delay(p.failures, attack))
	t.pairs.Add(a.pair, p)
	if !a.Trusted {
		t.turns.Remove(a.place)
		t.spend(t.accounts, a.account, AccountBurst, AccountRefill, now, 0)
		t.spend(t.addresses, a.addr, AddressBurst, AddressRefill, now, 0)
		a.spentBudget = true
	}
	return true
}

// addressRefill is when the address's budget next holds a failure (now
// while it is not spent), and the whole failures it holds now. A
// missing entry is a full budget.
func (t *Throttle) addressRefill(addr key, now int64) (int64, int) {
	b, ok := t.addresses.Peek(addr)
	if !ok {
		return now, AddressBurst
	}
	b = refilled(b, AddressBurst, AddressRefill, now)
	if b.tokens >= 1 {
		return now, int(b.tokens)
	}
	return now + int64((1-b.tokens)*float64(AddressRefill)), 0
}

// accountTurn is the earliest start of an untrusted attempt on the
// account from the network of place. While the account's budget lasts
// and no turn is reserved, now. Once it is spent, turns come one per
// refill and are served in order of asking: the first attempt from a
// network takes the next free turn (one place per network at a time),
// and only that network may use it, from its start until TurnGrace
// later. A fast stream of strangers from one network therefore holds
// one place, and cannot take the owner's: from a new address she waits
// at most one refill per network that asked before her. When MaxLine
// turns are reserved ahead, nothing is reserved and the answer is when
// the line has room again (at most a refill away) with reserved false.
func (t *Throttle) accountTurn(place, account key, now int64) (start int64, reserved bool) {
	b, ok := t.accounts.Peek(account)
	if !ok {
		return now, true
	}
	b = refilled(b, AccountBurst, AccountRefill, now)
	if turn, ok := t.turns.Peek(place); ok && now <= turn+int64(TurnGrace) {
		return turn, true
	}
	if b.tokens >= 1 && b.nextTurn <= now {
		return now, true
	}
	turn := max(b.nextTurn, now+int64((1-min(b.tokens, 1))*float64(AccountRefill)))
	if room := turn - MaxLine*int64(AccountRefill); room > now {
		return room, false // the line is full
	}
	stored, _ := t.accounts.Peek(account) // an existing entry: updating it evicts nothing
	stored.nextTurn = turn + int64(AccountRefill)
	t.accounts.Add(account, stored)
	t.turns.Add(place, turn)
	return turn, true
}

// delay is the wait after the n-th failure of a pair.
func delay(n uint32, attack bool) time.Duration {
	base, ceiling, free := BaseDelay, MaxDelay, uint32(FreeFailures)
	if attack {
		base, ceiling, free = AttackBaseDelay, AttackMaxDelay, AttackFreeFailures
	}
	if n <= free {
		return 0
	}
	shift := n - free - 1
	if shift > 30 || base<<shift > ceiling {
		return ceiling
	}
	return base << shift
}

// Busy records that an allowed attempt found no hashing slot: it spends
// its address's budget (not the account's, nor the pair's), so that an
// address looping on a full gate is refused with 429 before it, once
// its budget is spent, instead of keeping its place in the gate's line.
// A trusted attempt spends nothing.
func (a Attempt) Busy() {
	if a.Trusted {
		return
	}
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spend(t.addresses, a.addr, AddressBurst, AddressRefill, t.now().UnixNano(), 0)
}

// Succeeded records that the attempt's password was right: the pair
// starts afresh and is trusted from now on, on every replica, and the
// budgets get back what the attempt took (it was no failure: the owner
// logging in from many places does not make her own account look
// attacked). The error is the trust store's.
func (a Attempt) Succeeded(ctx context.Context) error {
	t := a.t
	t.mu.Lock()
	now := t.now()
	t.pairs.Remove(a.pair)
	t.turns.Remove(a.place)
	t.trusted.Add(a.pair, now.Add(TrustFor).UnixNano())
	if a.spentBudget {
		t.refund(t.accounts, a.account, AccountBurst, AccountRefill, now.UnixNano())
		t.refund(t.addresses, a.addr, AddressBurst, AddressRefill, now.UnixNano())
	}
	t.mu.Unlock()
	if t.store == nil {
		return nil
	}
	return t.store.TrustLogin(ctx, a.username, a.address, now, now.Add(-TrustFor))
}

// isTrusted looks the pair up in the cache, then in the store (a pair
// trusted on another replica or before a restart). A store error counts
// as not trusted: the stricter rule applies.
func (t *Throttle) isTrusted(ctx context.Context, a Attempt) bool {
	t.mu.Lock()
	now := t.now()
	until, ok := t.trusted.Get(a.pair)
	t.mu.Unlock()
	if ok && now.UnixNano() < until {
		return true
	}
	if t.store == nil {
		return false
	}
	ok, err := t.store.LoginTrusted(ctx, a.username, a.address, now.Add(-TrustFor))
	if err != nil || !ok {
		return false
	}
	t.mu.Lock()
	t.trusted.Add(a.pair, now.Add(TrustFor).UnixNano()) // bounded cache; the store decides on a miss
	t.mu.Unlock()
	return true
}

// Sizes reports how many entries each table holds.
func (t *Throttle) Sizes() (pairs, accounts, addresses, trusted int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pairs.Len(), t.accounts.Len(), t.addresses.Len(), t.trusted.Len()
}
