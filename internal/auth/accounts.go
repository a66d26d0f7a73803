package auth

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"serenade/internal/domain"
)

// DefaultAccountCheckTTL is how long an account's state is trusted before
// it is read again: disabling an account refuses its live tokens on
// every replica within this time.
const DefaultAccountCheckTTL = 5 * time.Second

// accountCacheSize bounds the cache; only usernames of validly signed
// tokens enter it, so it holds at most the active accounts.
const accountCacheSize = 4096

// AccountLookup reads a local account (domain.Accounts.Account).
type AccountLookup func(ctx context.Context, username string) (domain.Account, error)

// AccountGuard refuses local tokens of accounts that may no longer act:
// disabled, deleted, or demo accounts while the server is not in demo
// mode. A bearer token cannot be recalled, so its account is checked on
// each request, through a short cache so that this costs one point
// read per account and replica every TTL.
type AccountGuard struct {
	lookup AccountLookup
	demo   bool
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache *simplelru.LRU[string, accountState]
}

type accountState struct {
	allowed bool
	until   time.Time
}

// NewAccountGuard checks accounts with lookup; demo tells whether demo
// accounts may act. ttl <= 0 means DefaultAccountCheckTTL, a nil now
// time.Now.
func NewAccountGuard(lookup AccountLookup, demo bool, ttl time.Duration, now func() time.Time) *AccountGuard {
	if ttl <= 0 {
		ttl = DefaultAccountCheckTTL
	}
	if now == nil {
		now = time.Now
	}
	cache, _ := simplelru.NewLRU[string, accountState](accountCacheSize, nil)
	return &AccountGuard{lookup: lookup, demo: demo, ttl: ttl, now: now, cache: cache}
}

// Check returns nil when username may still act. A refusal is
// domain.Unauthenticated; a failed lookup is returned as is (an internal
// error), and is not cached: the request fails closed, the next one asks
// again.
func (g *AccountGuard) Check(ctx context.Context, username string) error {
	if allowed, ok := g.cached(username); ok {
		return refusal(allowed)
	}
	acct, err := g.lookup(ctx, username)
	if err != nil && domain.KindOf(err) != domain.KindNotFound {
		return err
	}
	allowed := err == nil && acct.DisabledAt == nil && (!acct.Demo || g.demo)
	g.mu.Lock()
	g.cache.Add(username, accountState{allowed: allowed, until: g.now().Add(g.ttl)})
	g.mu.Unlock()
	return refusal(allowed)
}

func (g *AccountGuard) cached(username string) (allowed, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.cache.Get(username)
	if !ok || !g.now().Before(s.until) {
		return false, false
	}
	return s.allowed, true
}

func refusal(allowed bool) error {
	if allowed {
		return nil
	}
	return domain.Unauthenticated("token no longer valid: the account may not log in")
}
