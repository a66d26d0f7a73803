package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/clientip"
	"serenade/internal/domain"
	"serenade/internal/password"
	"serenade/internal/throttle"
)

// hashGateWait is how long a login waits for a free hashing slot before
// it is told to come back (503).
const hashGateWait = 2 * time.Second

// logIn runs one password login: the throttle's decision (refused:
// 429), the hashing gate (full: 503), the throttle's count once a slot
// is held (refused after all: 429), the check (wrong: 401), each
// audited before it is answered. Nothing is counted before a slot is
// held, so attempts that never reach a check cannot push spent budgets
// out of the throttle's tables. See internal/throttle for the rule.
func (a *API) logIn(ctx context.Context, username, pw string) (domain.Principal, error) {
	attempt := a.throttle.Check(ctx, username, clientip.Key(clientAddr(ctx)))
	if !attempt.Allowed {
		return domain.Principal{}, a.refuseLogin(ctx, username, attempt)
	}
	release, err := a.waitToCheck(ctx, attempt)
	if err != nil {
		attempt.Busy()
		return domain.Principal{}, a.recordLogin(ctx, username, domain.Principal{}, http.StatusServiceUnavailable,
			retryAfter(huma.NewError(http.StatusServiceUnavailable, "too many logins at once: try again in a moment"), time.Second))
	}
	if !attempt.Commit() {
		release()
		return domain.Principal{}, a.refuseLogin(ctx, username, attempt)
	}
	p, ok := a.checkPassword(ctx, username, pw)
	release()
	if !ok {
		return p, a.recordLogin(ctx, username, p, http.StatusUnauthorized, huma.Error401Unauthorized("invalid username or password"))
	}
	if err := attempt.Succeeded(ctx); err != nil {
		a.deps.Log.WarnContext(ctx, "login: recording the trusted pair failed", "error", err)
	}
	return p, a.recordLogin(ctx, username, p, http.StatusOK, nil)
}

// refuseLogin answers a throttled attempt: 429 with Retry-After.
func (a *API) refuseLogin(ctx context.Context, username string, attempt throttle.Attempt) error {
	return a.recordLogin(ctx, username, domain.Principal{}, http.StatusTooManyRequests,
		retryAfter(huma.NewError(http.StatusTooManyRequests, "too many failed logins: try again later"), attempt.RetryAfter))
}

// waitToCheck holds the request for the throttle's short wait, then
// takes a hashing slot: within the client address's share, or any slot
// for a pair the throttle trusts (see password.Gate).
func (a *API) waitToCheck(ctx context.Context, attempt throttle.Attempt) (release func(), err error) {
	if wait := attempt.Wait; wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return a.hashGate.Enter(ctx, clientip.Key(clientAddr(ctx)), attempt.Trusted, attempt.Standing)
}

// retryAfter adds a Retry-After header (whole seconds, at least one).
func retryAfter(err error, d time.Duration) error {
	secs := max(1, int((d+time.Second-1)/time.Second))
	return huma.ErrorWithHeaders(err, http.Header{"Retry-After": {strconv.Itoa(secs)}})
}

// newHashGate bounds concurrent password hashing; a login waits up to
// wait (<= 0: hashGateWait) for a slot.
func newHashGate(slots int, wait time.Duration) *password.Gate {
	if wait <= 0 {
		wait = hashGateWait
	}
	return password.NewGate(slots, wait)
}
