package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// loginLimiter slows password guessing: each username and each client
// address may fail a few times in a burst, then one more time every few
// minutes. Successful logins cost nothing.
type loginLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	limiters map[string]*rate.Limiter
}

const (
	userBurst   = 5
	clientBurst = 20
	refill      = rate.Limit(1.0 / 180) // one more attempt every three minutes
	maxTracked  = 100_000               // bound memory under a spray of usernames
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, limiters: map[string]*rate.Limiter{}}
}

func (l *loginLimiter) get(key string, burst int) *rate.Limiter {
	lim, ok := l.limiters[key]
	if !ok {
		if len(l.limiters) >= maxTracked {
			l.prune()
		}
		lim = rate.NewLimiter(refill, burst)
		l.limiters[key] = lim
	}
	return lim
}

// prune forgets limiters that have refilled completely.
func (l *loginLimiter) prune() {
	now := l.now()
	for k, lim := range l.limiters {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(l.limiters, k)
		}
	}
}

// allowed reports whether a login attempt may be checked at all.
func (l *loginLimiter) allowed(username, client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return l.get("u:"+username, userBurst).TokensAt(now) >= 1 && l.get("c:"+client, clientBurst).TokensAt(now) >= 1
}

// failed records a failed attempt.
func (l *loginLimiter) failed(username, client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.get("u:"+username, userBurst).AllowN(now, 1)
	l.get("c:"+client, clientBurst).AllowN(now, 1)
}
