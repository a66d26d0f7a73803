package auth

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"serenade/internal/domain"
)

// A token's signature and claims are verified once, not on every
// request: verifying an EdDSA or RS256 signature and decoding the claims
// cost about a quarter of a cached patient read. verifiedTokens keeps
// the principal of each token that passed, keyed by the token's SHA-256,
// until the token expires and at most verifiedTTL, so that a key the
// provider withdrew stops working within it. Only tokens that verified
// enter, so garbage cannot fill it. What is decided per request still is:
// a local token's account is checked on every request (AccountGuard).

// verifiedTTL bounds how long a verified token is trusted without being
// verified again.
const verifiedTTL = time.Minute

// verifiedCacheSize bounds the tokens remembered (LRU).
const verifiedCacheSize = 4096

type verifiedTokens struct {
	mu  sync.Mutex
	lru *simplelru.LRU[[sha256.Size]byte, verifiedToken]
}

type verifiedToken struct {
	p     domain.Principal
	local bool // a local token: its account is checked on each request
	until time.Time
}

func newVerifiedTokens() *verifiedTokens {
	lru, _ := simplelru.NewLRU[[sha256.Size]byte, verifiedToken](verifiedCacheSize, nil)
	return &verifiedTokens{lru: lru}
}

// get returns the token's entry while now (the clock of the verifier
// that admitted it) is before its end.
func (c *verifiedTokens) get(token string, now func(local bool) time.Time) (verifiedToken, bool) {
	key := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.lru.Get(key)
	if !ok {
		return v, false
	}
	if !now(v.local).Before(v.until) {
		c.lru.Remove(key)
		return v, false
	}
	v.p.Roles = slices.Clone(v.p.Roles)
	return v, true
}

// put remembers a verified token until expiry, at most verifiedTTL
// after now.
func (c *verifiedTokens) put(token string, v verifiedToken, expiry, now time.Time) {
	v.until = now.Add(verifiedTTL)
	if expiry.Before(v.until) {
		v.until = expiry
	}
	v.p.Roles = slices.Clone(v.p.Roles)
	c.mu.Lock()
	c.lru.Add(sha256.Sum256([]byte(token)), v)
	c.mu.Unlock()
}
