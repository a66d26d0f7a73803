package throttle

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock: the tests move time instead of waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fail makes n failed attempts, each started once its wait is over (as
// the server does), and returns the last decision.
func fail(t *testing.T, th *Throttle, c *clock, user, addr string, n int) Attempt {
	t.Helper()
	var a Attempt
	for range n {
		if a = th.Admit(user, addr); !a.Allowed {
			return a
		}
		c.Advance(a.Wait)
	}
	return a
}

func TestPairBackOff(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	for i := range FreeFailures {
		if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("failure %d: %+v, want allowed without wait", i+1, a)
		}
	}
	// The attempt after the free failures runs at once; the next ones
	// wait BaseDelay, 2×, 4× … from the last one's start.
	want := []time.Duration{0, BaseDelay, 3 * BaseDelay, 7 * BaseDelay}
	for i, w := range want {
		a := th.Admit("alice", "198.51.100.1")
		if !a.Allowed || a.Wait != w {
			t.Fatalf("attempt %d after the free ones: %+v, want allowed after %v", i+1, a, w)
		}
	}
	a := th.Admit("alice", "198.51.100.1")
	if a.Allowed || a.RetryAfter != 15*BaseDelay {
		t.Fatalf("got %+v, want a refusal with Retry-After %v (longer than the hold of %v)", a, 15*BaseDelay, MaxHold)
	}
	c.Advance(a.RetryAfter)
	if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
		t.Fatalf("after Retry-After: %+v, want allowed", a)
	}
}

func TestBackOffIsCapped(t *testing.T) {
	longest := func(th *Throttle, c *clock) time.Duration {
		worst := time.Duration(0)
		for range 250 {
			a := th.Admit("alice", "198.51.100.1")
			if !a.Allowed {
				worst = max(worst, a.RetryAfter)
				c.Advance(a.RetryAfter)
				continue
			}
			c.Advance(a.Wait)
		}
		return worst
	}
	t.Run("a trusted pair waits at most MaxDelay", func(t *testing.T) {
		c := newClock()
		th := New(0, c.Now, nil)
		th.Admit("alice", "198.51.100.1").Succeeded(context.Background())
		if got := longest(th, c); got != MaxDelay {
			t.Errorf("longest Retry-After %v, want %v", got, MaxDelay)
		}
	})
	t.Run("an untrusted pair that spent the budgets waits at most AttackMaxDelay", func(t *testing.T) {
		c := newClock()
		th := New(0, c.Now, nil)
		if got := longest(th, c); got != AttackMaxDelay {
			t.Errorf("longest Retry-After %v, want %v", got, AttackMaxDelay)
		}
	})
}

// TestStrangersDoNotLockTheOwnerOut: whatever strangers do, the owner's
// trusted pair logs in at once; from a new address her turn comes in
// order of asking: after at most one refill per network that asked
// before her, each Retry-After she is given is honest (coming back
// then, she gets in or gets her place), and the strangers cannot take
// her turn from her. Strangers from more networks than MaxLine who keep
// asking can keep the line full (the documented limit): she is then
// told to come back within a refill, never refused for longer.
func TestStrangersDoNotLockTheOwnerOut(t *testing.T) {
	run := func(t *testing.T, ahead int, attack func(th *Throttle, c *clock)) {
		c := newClock()
		th := New(0, c.Now, nil)
		th.Admit("alice", "198.51.100.1").Succeeded(context.Background()) // the owner's usual address
		attack(th, c)
		if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("owner from her trusted address: %+v, want allowed at once", a)
		}
		bound, tries := time.Duration(ahead+1)*AccountRefill, 2
		if ahead >= MaxLine {
			bound, tries = AccountRefill, 5
		}
		a := th.Admit("alice", "192.0.2.2")
		for refusal := 1; !a.Allowed && refusal <= tries; refusal++ {
			if a.RetryAfter > bound || (ahead < MaxLine && refusal == tries) {
				t.Fatalf("owner from a new address, refusal %d: %+v, want a wait of at most %v, %d times at most", refusal, a, bound, tries-1)
			}
			c.Advance(a.RetryAfter - time.Second)
			attack(th, c) // the strangers keep going: they cannot take her turn
			c.Advance(time.Second)
			a = th.Admit("alice", "192.0.2.2")
		}
		if ahead < MaxLine && (!a.Allowed || a.Wait > MaxHold) {
			t.Fatalf("owner from a new address once her turn came: %+v", a)
		}
	}
	t.Run("a stranger failing from one other address", func(t *testing.T) {
		run(t, 1, func(th *Throttle, c *clock) {
			if a := fail(t, th, c, "alice", "203.0.113.66", 40); a.Allowed {
				t.Fatalf("the stranger's 40th attempt was allowed: %+v", a)
			}
		})
	})
	for _, tc := range []struct{ strangers, networks int }{{50, 1}, {1000, 4}, {250 * (MaxLine - 1), MaxLine - 1}, {250 * 40, 40}} {
		t.Run(fmt.Sprintf("%d strangers each from their own address in %d networks", tc.strangers, tc.networks), func(t *testing.T) {
			run(t, tc.networks, func(th *Throttle, c *clock) {
				for i := range tc.strangers {
					fail(t, th, c, "alice", fmt.Sprintf("203.0.%d.%d", i/250, i%250), 3)
				}
			})
		})
	}
}

// TestTheLineIsBounded: once MaxLine turns are reserved, another
// network is told to come back when the line has room (within a
// refill), then gets a place at most MaxLine refills away, and is let
// in when it comes back at that time.
func TestTheLineIsBounded(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	for i := range AccountBurst {
		fail(t, th, c, "victim", fmt.Sprintf("203.0.113.%d", i), 1)
	}
	for n := range MaxLine {
		a := th.Admit("victim", fmt.Sprintf("198.18.%d.1", n))
		if a.Allowed || a.RetryAfter > time.Duration(n+1)*AccountRefill || a.RetryAfter <= time.Duration(n)*AccountRefill-time.Minute {
			t.Fatalf("network %d asking: %+v, want its place %d turns ahead", n+1, a, n+1)
		}
	}
	a := th.Admit("victim", "192.0.2.77")
	if a.Allowed || a.RetryAfter <= 0 || a.RetryAfter > AccountRefill {
		t.Fatalf("a network once %d turns are reserved: %+v, want refused until the line has room (within %v)", MaxLine, a, AccountRefill)
	}
	c.Advance(a.RetryAfter)
	b := th.Admit("victim", "192.0.2.77")
	if b.Allowed || b.RetryAfter > MaxLine*AccountRefill {
		t.Fatalf("coming back when the line has room: %+v, want a place at most %v away", b, MaxLine*AccountRefill)
	}
	c.Advance(b.RetryAfter)
	if b := th.Admit("victim", "192.0.2.78"); !b.Allowed || b.Wait != 0 {
		t.Fatalf("at its turn, from the network that holds it: %+v, want allowed", b)
	}
}

// TestOwnerFromANewAddressIsNotStarvedByAStream is the reviewer's case:
// a stranger sends wrong passwords 4 times a second from addresses
// rotating through 127.0.7.x; the owner, from an address never seen,
// tries every 5 seconds. The stream's network holds one place in the
// account's line, so she is admitted within two refills of asking
// (the stream's turn, then hers), where she used to be refused for
// ever because the stream asked first at every refill. However many
// addresses the stream rotates through, the bound is the same.
func TestOwnerFromANewAddressIsNotStarvedByAStream(t *testing.T) {
	for _, rotating := range []int{8, 256} {
		t.Run(fmt.Sprintf("%d addresses", rotating), func(t *testing.T) {
			c := newClock()
			th := New(0, c.Now, nil)
			const step = 250 * time.Millisecond
			var asked time.Time
			for i := 0; ; i++ {
				if i%20 == 5 && i > 120 { // from 30 s on: the stream has spent the budget
					if asked.IsZero() {
						asked = c.Now()
					}
					if a := th.Admit("imt-vincenzo", "127.0.9.10"); a.Allowed {
						a.Succeeded(context.Background())
						break
					}
				}
				th.Admit("imt-vincenzo", fmt.Sprintf("127.0.7.%d", i%rotating))
				c.Advance(step)
				if !asked.IsZero() && c.Now().Sub(asked) > 2*AccountRefill+5*time.Second {
					t.Fatalf("the owner was not admitted within %v of asking", c.Now().Sub(asked))
				}
			}
			t.Logf("owner admitted %v after she first asked, during a 4/s stream from %d addresses", c.Now().Sub(asked), rotating)
		})
	}
}

func TestAccountBudgetSlowsDistributedGuessing(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	th.Admit("alice", "198.51.100.1").Succeeded(context.Background()) // the owner's usual address
	for i := range AccountBurst {
		fail(t, th, c, "alice", fmt.Sprintf("203.0.113.%d", i), 1)
	}
	// The account's budget is spent: a new address waits for the
	// account's next refill, shared by all addresses.
	a := th.Admit("alice", "192.0.2.50")
	if a.Allowed || a.RetryAfter <= 0 || a.RetryAfter > AccountRefill {
		t.Fatalf("a new address once the budget is spent: %+v, want refused for at most %v", a, AccountRefill)
	}
	// The owner's trusted address keeps its free failures.
	for i := range FreeFailures {
		if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("owner's failure %d from her trusted address: %+v, want allowed at once", i+1, a)
		}
	}
	// The refill is the turn of the network that asked first (another
	// address of it is told the same); the next network waits one
	// refill more.
	if b := th.Admit("alice", "192.0.2.60"); b.Allowed || b.RetryAfter != a.RetryAfter {
		t.Fatalf("another address of the first network: %+v, want refused for %v (its network's turn)", b, a.RetryAfter)
	}
	b := th.Admit("alice", "198.18.0.51")
	if b.Allowed || b.RetryAfter != a.RetryAfter+AccountRefill {
		t.Fatalf("a second new network: %+v, want refused for %v", b, a.RetryAfter+AccountRefill)
	}
	c.Advance(a.RetryAfter)
	if a := th.Admit("alice", "198.18.1.52"); a.Allowed {
		t.Fatalf("a third network at the first one's turn: %+v, want refused", a)
	}
	if a := th.Admit("alice", "192.0.2.50"); !a.Allowed || a.Wait != 0 {
		t.Fatalf("the first network at its turn: %+v, want allowed", a)
	}
	if a := th.Admit("alice", "192.0.2.60"); a.Allowed {
		t.Fatalf("the first network again, its turn used: %+v, want refused", a)
	}
	// Time refills the budget: normal rules again.
	c.Advance(AccountBurst * AccountRefill * 2)
	for i := range FreeFailures {
		if a := th.Admit("alice", "192.0.2.99"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("failure %d once the budget refilled: %+v", i+1, a)
		}
	}
}

// TestDistributedGuessingIsBoundedPerAccount: once the account's budget
// is spent, 25 new addresses each trying twice over 14 seconds (the
// reviewer's case) get at most 1 + elapsed/AccountRefill checks in all,
// and over ten minutes at most one per AccountRefill (plus one held).
func TestDistributedGuessingIsBoundedPerAccount(t *testing.T) {
	for _, tc := range []struct {
		step  time.Duration
		wants int
	}{{step: 14 * time.Second / 50, wants: 1}, {step: 10 * time.Minute / 50, wants: 1 + int(10*time.Minute/AccountRefill)}} {
		c := newClock()
		th := New(0, c.Now, nil)
		for i := range AccountBurst {
			fail(t, th, c, "imt-vincenzo", fmt.Sprintf("203.0.113.%d", i), 1)
		}
		checks := 0
		for i := range 25 {
			for range 2 {
				if a := th.Admit("imt-vincenzo", fmt.Sprintf("192.0.2.%d", i)); a.Allowed {
					checks++
				}
				c.Advance(tc.step)
			}
		}
		if checks > tc.wants {
			t.Errorf("50 attempts from 25 addresses, one each %v: %d password checks, want at most %d", tc.step, checks, tc.wants)
		}
		t.Logf("50 attempts from 25 addresses, one each %v: %d password checks (bound %d)", tc.step, checks, tc.wants)
	}
}

// TestSprayFromOneAddressIsRefusedBeforeTheGate: once an address has
// spent its budget on a spray of usernames, its untrusted attempts are
// refused (with the wait until its next refill) before any password
// work, while a user who logged in from that address before, and every
// other address, are unaffected.
func TestSprayFromOneAddressIsRefusedBeforeTheGate(t *testing.T) {
	for _, sprayed := range []int{AddressBurst, 500} {
		t.Run(fmt.Sprintf("%d usernames", sprayed), func(t *testing.T) {
			c := newClock()
			th := New(0, c.Now, nil)
			th.Admit("gennaro", "198.51.100.1").Succeeded(context.Background())
			checks := 0
			for i := range sprayed {
				if a := th.Admit(fmt.Sprintf("sprayed-%d", i), "198.51.100.1"); a.Allowed {
					checks++
				} else if a.RetryAfter <= 0 || a.RetryAfter > AddressRefill {
					t.Fatalf("spray refused with Retry-After %v, want up to %v", a.RetryAfter, AddressRefill)
				}
			}
			if checks != AddressBurst {
				t.Errorf("%d usernames from one address: %d reached a password check, want %d", sprayed, checks, AddressBurst)
			}
			if a := th.Check(context.Background(), "never-tried", "198.51.100.1"); a.Allowed || a.RetryAfter != AddressRefill {
				t.Errorf("a new username from the spent address: %+v, want refused for %v", a, AddressRefill)
			}
			if a := th.Admit("gennaro", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
				t.Errorf("a trusted user behind the sprayed address: %+v, want allowed at once", a)
			}
			fail(t, th, c, "sprayed-0", "192.0.2.1", FreeFailures) // another address is unaffected
			c.Advance(AddressRefill)
			if a := th.Admit("never-tried", "198.51.100.1"); !a.Allowed {
				t.Errorf("after a refill: %+v, want one more attempt", a)
			}
		})
	}
}

// TestUncommittedAttemptsLeaveNothing: an attempt checked but never
// committed (refused by the hashing gate, or the client went away)
// counts nothing and adds no entry, however often it is repeated.
func TestUncommittedAttemptsLeaveNothing(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	for range 100 {
		if a := th.Check(context.Background(), "bob", "198.51.100.2"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("uncommitted attempts counted: %+v", a)
		}
	}
	if p, acc, addr, tr := th.Sizes(); p+acc+addr+tr != 0 {
		t.Errorf("tables hold %d, %d, %d, %d entries after uncommitted attempts, want none", p, acc, addr, tr)
	}
	fail(t, th, c, "alice", "198.51.100.1", FreeFailures+2)
	c.Advance(MaxDelay)
	th.Admit("alice", "198.51.100.1").Succeeded(context.Background())
	for i := range FreeFailures {
		if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("failure %d after a success: %+v, want the pair to start afresh", i+1, a)
		}
	}
}

func TestQuietPairsAreForgotten(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	a := fail(t, th, c, "alice", "198.51.100.1", 100)
	if a.Allowed {
		t.Fatalf("100th attempt allowed: %+v", a)
	}
	c.Advance(MaxDelay + ForgetAfter + time.Second)
	fail(t, th, c, "alice", "198.51.100.1", FreeFailures) // fails the test unless allowed at once
	if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
		t.Fatalf("after a quiet day: %+v", a)
	}
}

// TestParallelAttemptsCannotOvertakeTheCount fires many attempts at once
// for one pair: no more are allowed than one after the other.
func TestParallelAttemptsCannotOvertakeTheCount(t *testing.T) {
	c := newClock()
	sequential := 0
	th := New(0, c.Now, nil)
	for th.Admit("alice", "198.51.100.1").Allowed {
		sequential++
	}
	th = New(0, c.Now, nil)
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if th.Admit("alice", "198.51.100.1").Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != sequential {
		t.Errorf("%d of 200 parallel attempts allowed, want %d as in sequence", allowed, sequential)
	}
}

// TestMemoryIsBounded tries 200,000 distinct usernames and addresses:
// every table stops at its capacity, and memory measured after a
// collection grows no further for the next 200,000.
func TestMemoryIsBounded(t *testing.T) {
	const capacity = 20_000
	c := newClock()
	th := New(capacity, c.Now, nil)
	spray := func(from int) {
		for i := from; i < from+200_000; i++ {
			a := th.Admit(fmt.Sprintf("user-%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			if i%2 == 0 {
				a.Succeeded(context.Background())
			}
		}
	}
	base := heapInUse()
	spray(0)
	first := heapInUse()
	pairs, accounts, addresses, trusted := th.Sizes()
	for name, n := range map[string]int{"pairs": pairs, "accounts": accounts, "addresses": addresses, "trusted": trusted} {
		if n != capacity {
			t.Errorf("%s table holds %d entries, want its capacity %d", name, n, capacity)
		}
	}
	spray(200_000)
	second := heapInUse()
	perEntry := float64(first-base) / (4 * capacity)
	t.Logf("heap: %d B before, %d B after 200k keys, %d B after 400k; %.0f B per entry", base, first, second, perEntry)
	// 4 tables × capacity entries, each a 16-byte key, a value of at
	// most 16 bytes, the LRU's list element (96 bytes) and a map slot
	// with the map's spare room: 400 bytes each is the bound.
	if limit := uint64(4 * capacity * 400); first-min(first, base) > limit {
		t.Errorf("200k keys grew the heap by %d B, over %d B", first-base, limit)
	}
	if second > first+first/10+1<<20 {
		t.Errorf("the next 200k keys grew the heap from %d B to %d B: not bounded", first, second)
	}
	runtime.KeepAlive(th)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestSuccessesDoNotSpendTheBudget: the owner logging in from more new
// addresses than the account's budget holds is never made to wait.
func TestSuccessesDoNotSpendTheBudget(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	for i := range 3 * AccountBurst {
		a := th.Admit("alice", fmt.Sprintf("198.51.100.%d", i))
		if !a.Allowed || a.Wait != 0 {
			t.Fatalf("the owner's login from new address %d: %+v, want allowed at once", i+1, a)
		}
		a.Succeeded(context.Background())
	}
}

// TestSpentBudgetsCannotBeEvictedForFree is the reviewer's sequence: 40
// attempts at "victim" from distinct addresses, then 25,000 attempts
// with junk usernames from other addresses that never reach a password
// check (refused by the hashing gate, or the client hung up), then 40
// more at "victim". The junk adds no entry, so the account's spent
// budget is still there: the second 40 reach no more checks than the
// refills since allow.
func TestSpentBudgetsCannotBeEvictedForFree(t *testing.T) {
	c := newClock()
	th := New(0, c.Now, nil)
	admitted := func() int {
		n := 0
		for i := range 40 {
			if th.Admit("victim", fmt.Sprintf("198.18.%d.%d", n, i)).Allowed {
				n++
			}
		}
		return n
	}
	if n := admitted(); n != AccountBurst {
		t.Fatalf("first 40 attempts: %d admitted, want %d", n, AccountBurst)
	}
	p0, acc0, _, _ := th.Sizes()
	for i := range DefaultCapacity {
		a := th.Check(context.Background(), fmt.Sprintf("junk-%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if !a.Allowed {
			t.Fatalf("junk attempt %d refused: %+v", i, a)
		}
		if i%2 == 0 {
			a.Busy() // a 503: spends its own address's budget, nothing else
		} // else the client hung up while waiting for a slot
	}
	if p, acc, _, _ := th.Sizes(); p != p0 || acc != acc0 {
		t.Errorf("junk attempts added pair or account entries: %d/%d, want %d/%d", p, acc, p0, acc0)
	}
	if n := admitted(); n != 0 {
		t.Errorf("40 more attempts at the victim: %d admitted at once, want 0 (the budget was reset)", n)
	}
}
