package throttle

import (
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
	th := New(0, c.Now)
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
		th := New(0, c.Now)
		th.Admit("alice", "198.51.100.1").Succeeded()
		if got := longest(th, c); got != MaxDelay {
			t.Errorf("longest Retry-After %v, want %v", got, MaxDelay)
		}
	})
	t.Run("an untrusted pair that spent the budgets waits at most AttackMaxDelay", func(t *testing.T) {
		c := newClock()
		th := New(0, c.Now)
		if got := longest(th, c); got != AttackMaxDelay {
			t.Errorf("longest Retry-After %v, want %v", got, AttackMaxDelay)
		}
	})
}

// TestStrangersDoNotLockTheOwnerOut: whatever strangers do, the owner's
// trusted pair logs in at once, and from a new address she waits at most
// one refill of the account's budget.
func TestStrangersDoNotLockTheOwnerOut(t *testing.T) {
	run := func(t *testing.T, attack func(th *Throttle, c *clock)) {
		c := newClock()
		th := New(0, c.Now)
		th.Admit("alice", "198.51.100.1").Succeeded() // the owner's usual address
		attack(th, c)
		if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("owner from her trusted address: %+v, want allowed at once", a)
		}
		a := th.Admit("alice", "198.51.100.2")
		if !a.Allowed {
			if a.RetryAfter > AccountRefill {
				t.Fatalf("owner from a new address: %+v, want a wait of at most %v", a, AccountRefill)
			}
			c.Advance(a.RetryAfter)
			a = th.Admit("alice", "198.51.100.2")
		}
		if !a.Allowed || a.Wait > MaxHold {
			t.Fatalf("owner from a new address once her turn came: %+v", a)
		}
	}
	t.Run("a stranger failing from one other address", func(t *testing.T) {
		run(t, func(th *Throttle, c *clock) {
			if a := fail(t, th, c, "alice", "203.0.113.66", 40); a.Allowed {
				t.Fatalf("the stranger's 40th attempt was allowed: %+v", a)
			}
		})
	})
	for _, strangers := range []int{50, 1000} {
		t.Run(fmt.Sprintf("%d strangers each from their own address", strangers), func(t *testing.T) {
			run(t, func(th *Throttle, c *clock) {
				for i := range strangers {
					fail(t, th, c, "alice", fmt.Sprintf("203.0.%d.%d", i/250, i%250), 3)
				}
			})
		})
	}
}

func TestAccountBudgetSlowsDistributedGuessing(t *testing.T) {
	c := newClock()
	th := New(0, c.Now)
	th.Admit("alice", "198.51.100.1").Succeeded() // the owner's usual address
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
	// One refill lets one attempt through, from any address, then the
	// next waits again; the attempt gets AttackFreeFailures.
	c.Advance(a.RetryAfter)
	if a := th.Admit("alice", "192.0.2.51"); !a.Allowed || a.Wait != 0 {
		t.Fatalf("the attempt after a refill: %+v, want allowed", a)
	}
	if a := th.Admit("alice", "192.0.2.52"); a.Allowed {
		t.Fatalf("a second attempt in the same refill: %+v, want refused", a)
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
		th := New(0, c.Now)
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

func TestSprayFromOneAddressSparesItsOtherUsers(t *testing.T) {
	for _, sprayed := range []int{20, 500} {
		t.Run(fmt.Sprintf("%d usernames", sprayed), func(t *testing.T) {
			c := newClock()
			th := New(0, c.Now)
			for i := range sprayed {
				fail(t, th, c, fmt.Sprintf("sprayed-%d", i), "198.51.100.1", 1)
			}
			for _, user := range []string{"gennaro", "stefano", "never-tried"} {
				if a := th.Admit(user, "198.51.100.1"); !a.Allowed || a.Wait != 0 {
					t.Fatalf("%s from the sprayed address: %+v, want allowed at once", user, a)
				}
			}
			// A username the sprayer tries now has fewer free failures.
			fail(t, th, c, "one-more", "198.51.100.1", AttackFreeFailures+1)
			if a := th.Admit("one-more", "198.51.100.1"); a.Allowed || a.RetryAfter != AttackBaseDelay {
				t.Fatalf("the sprayer's second attempt on a username: %+v, want refused for %v", a, AttackBaseDelay)
			}
			// Another address is unaffected.
			fail(t, th, c, "sprayed-0", "192.0.2.1", FreeFailures)
		})
	}
}

func TestSuccessAndAbandon(t *testing.T) {
	c := newClock()
	th := New(0, c.Now)
	fail(t, th, c, "alice", "198.51.100.1", FreeFailures+2)
	c.Advance(MaxDelay)
	th.Admit("alice", "198.51.100.1").Succeeded()
	for i := range FreeFailures {
		if a := th.Admit("alice", "198.51.100.1"); !a.Allowed || a.Wait != 0 {
			t.Fatalf("failure %d after a success: %+v, want the pair to start afresh", i+1, a)
		}
	}
	// Abandoned attempts are given back: they can be retried for ever.
	th2 := New(0, c.Now)
	for range 100 {
		a := th2.Admit("bob", "198.51.100.2")
		if !a.Allowed || a.Wait != 0 {
			t.Fatalf("abandoned attempts counted: %+v", a)
		}
		a.Abandoned()
	}
}

func TestQuietPairsAreForgotten(t *testing.T) {
	c := newClock()
	th := New(0, c.Now)
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
	th := New(0, c.Now)
	for th.Admit("alice", "198.51.100.1").Allowed {
		sequential++
	}
	th = New(0, c.Now)
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
	th := New(capacity, c.Now)
	spray := func(from int) {
		for i := from; i < from+200_000; i++ {
			a := th.Admit(fmt.Sprintf("user-%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			if i%2 == 0 {
				a.Succeeded()
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
	th := New(0, c.Now)
	for i := range 3 * AccountBurst {
		a := th.Admit("alice", fmt.Sprintf("198.51.100.%d", i))
		if !a.Allowed || a.Wait != 0 {
			t.Fatalf("the owner's login from new address %d: %+v, want allowed at once", i+1, a)
		}
		a.Succeeded()
	}
}
