// Package throttle slows password guessing without letting strangers lock
// an account's owner out (OWASP Authentication Cheat Sheet: exponential
// back-off rather than lock-out, and a lock-out that spares known
// clients, as with its device cookies).
//
// Three kinds of state, each in a fixed-capacity LRU table (O(1) work
// per attempt, no scan, bounded memory):
//
//   - per (username, client address) pair: failures and the earliest time
//     the next attempt may run. After FreeFailures failures the wait
//     doubles from BaseDelay up to MaxDelay. A short wait (up to MaxHold)
//     is served by holding the request, a longer one is a refusal with
//     Retry-After. Only the pair's own failures count, so a stranger's
//     failures from elsewhere never refuse the owner's own attempts.
//   - per username and per client address: token buckets (budgets) of
//     failures from all pairs. An empty bucket means a distributed guess
//     at one account, or a spray of usernames from one address: every
//     pair of that account or address that has not logged in recently
//     then gets AttackFreeFailures instead of FreeFailures, and a longer
//     back-off (AttackBaseDelay doubling to AttackMaxDelay). An empty
//     account budget also means a shared per-account delay: untrusted
//     attempts at that account, from whatever address, wait for its
//     next refill (one per AccountRefill; a wait up to MaxHold may
//     take the next refill in advance). So the password checks of one
//     account from untrusted pairs number at most AccountBurst + 1 +
//     T/AccountRefill in any period T, however many addresses guess.
//     A spray from one address never refuses a first attempt, so other
//     users behind the same address still log in; the owner from a new
//     address waits at most one refill for the account's turn.
//   - trusted pairs: a pair that logged in successfully is trusted for
//     TrustFor; budgets and the per-account delay neither apply to nor
//     are spent by it, so the owner's usual address is never refused
//     for what strangers did.
//
// Attempts are counted as failures when they are admitted, before the
// password is checked, so parallel attempts cannot overtake the count; a
// success resets the pair, an attempt abandoned before the check is
// refunded.
package throttle

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
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

// Throttle holds the login throttling state of one process.
type Throttle struct {
	mu        sync.Mutex
	now       func() time.Time
	pairs     *simplelru.LRU[key, pair]
	accounts  *simplelru.LRU[key, bucket]
	addresses *simplelru.LRU[key, bucket]
	trusted   *simplelru.LRU[key, int64] // trusted until (unix ns)
}

// New returns a throttle whose tables hold capacity entries each (<= 0:
// DefaultCapacity); now is its clock (nil: time.Now).
func New(capacity int, now func() time.Time) *Throttle {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	if now == nil {
		now = time.Now
	}
	return &Throttle{now: now, pairs: mustLRU[pair](capacity), accounts: mustLRU[bucket](capacity),
		addresses: mustLRU[bucket](capacity), trusted: mustLRU[int64](capacity)}
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
	// Allowed: check the password, after waiting Wait (at most MaxHold).
	Allowed bool
	Wait    time.Duration
	// RetryAfter is how long a refused client should wait.
	RetryAfter time.Duration

	t                   *Throttle
	pair, account, addr key
	spentBudget         bool
	// Trusted: the pair logged in before (the hashing gate keeps slots
	// for such attempts).
	Trusted bool
}

// Admit decides on an attempt to log in as username from address (see
// clientip.Key). An allowed attempt is already counted as a failure:
// call Succeeded or Abandoned when it turns out otherwise.
func (t *Throttle) Admit(username, address string) Attempt {
	a := Attempt{t: t, pair: keyOf('p', username, address), account: keyOf('u', username), addr: keyOf('a', address)}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().UnixNano()
	trusted := t.isTrusted(a.pair, now)
	a.Trusted = trusted
	attack := !trusted && (t.empty(t.accounts, a.account, AccountBurst, AccountRefill, now) ||
		t.empty(t.addresses, a.addr, AddressBurst, AddressRefill, now))
	p, _ := t.pairs.Get(a.pair)
	if now > p.next+int64(ForgetAfter) {
		p = pair{}
	}
	start := max(now, p.next)
	if !trusted {
		start = max(start, t.accountTurn(a.account, now))
	}
	if wait := time.Duration(start - now); wait > MaxHold {
		a.RetryAfter = wait
		return a
	}
	p.failures++
	p.next = start + int64(delay(p.failures, attack))
	t.pairs.Add(a.pair, p)
	if !trusted {
		t.spend(t.accounts, a.account, AccountBurst, AccountRefill, now, -1) // one held attempt may reserve the next refill
		t.spend(t.addresses, a.addr, AddressBurst, AddressRefill, now, 0)
		a.spentBudget = true
	}
	a.Allowed, a.Wait = true, time.Duration(start-now)
	return a
}

// accountTurn is the earliest start of an untrusted attempt on the
// account: now while its budget lasts; once it is spent, when the next
// failure refills, shared by every address. This bounds the guesses at
// one account whatever the number of addresses they come from.
func (t *Throttle) accountTurn(account key, now int64) int64 {
	b := level(t.accounts, account, AccountBurst, AccountRefill, now)
	if b.tokens >= 1 {
		return now
	}
	return now + int64((1-b.tokens)*float64(AccountRefill))
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

// Succeeded records that the attempt's password was right: the pair
// starts afresh and is trusted from now on, and the budgets get back
// what the attempt took (it was no failure: the owner logging in from
// many places does not make her own account look attacked).
func (a Attempt) Succeeded() {
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pairs.Remove(a.pair)
	now := t.now()
	t.trusted.Add(a.pair, now.Add(TrustFor).UnixNano())
	t.refundBudgets(a, now.UnixNano())
}

// Abandoned refunds an allowed attempt whose password was never checked
// (the server was too busy, or the client went away).
func (a Attempt) Abandoned() {
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.pairs.Peek(a.pair); ok && p.failures > 0 {
		p.failures--
		t.pairs.Add(a.pair, p)
	}
	t.refundBudgets(a, t.now().UnixNano())
}

// refundBudgets gives back the failure an admitted attempt took from its
// account's and address's budgets, if it took one.
func (t *Throttle) refundBudgets(a Attempt, now int64) {
	if a.spentBudget {
		t.refund(t.accounts, a.account, AccountBurst, AccountRefill, now)
		t.refund(t.addresses, a.addr, AddressBurst, AddressRefill, now)
	}
}

func (t *Throttle) isTrusted(k key, now int64) bool {
	until, ok := t.trusted.Get(k)
	return ok && now < until
}

// Sizes reports how many entries each table holds.
func (t *Throttle) Sizes() (pairs, accounts, addresses, trusted int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pairs.Len(), t.accounts.Len(), t.addresses.Len(), t.trusted.Len()
}
