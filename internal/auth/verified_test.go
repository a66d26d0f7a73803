package auth

import (
	"context"
	"testing"
	"time"

	"serenade/internal/domain"
)

// TestAVerifiedTokenIsTrustedAtMostTheBound: a token verified once is
// not verified again while remembered (the issuer's key replaced behind
// the authenticator's back does not refuse it), and is verified again
// after verifiedTTL (then refused).
func TestAVerifiedTokenIsTrustedAtMostTheBound(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	issuer := newIssuer(t, newEd25519(t), clock.Now)
	a, err := NewAuthenticator(issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := issuer.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	a.local = newIssuer(t, newEd25519(t), clock.Now) // same issuer name, another key
	clock.Advance(verifiedTTL - time.Second)
	if p, err := a.AuthenticateToken(context.Background(), token); err != nil || p.Subject != alice.Subject {
		t.Fatalf("remembered token: %+v, %v", p, err)
	}
	clock.Advance(2 * time.Second)
	p, err := a.AuthenticateToken(context.Background(), token)
	wantUnauthenticated(t, p, err)
}

// TestARememberedTokenStillExpires: a token is remembered no longer than
// it is valid.
func TestARememberedTokenStillExpires(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	issuer, err := NewIssuer(newEd25519(t), "serenade", 30*time.Second, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAuthenticator(issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := issuer.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30*time.Second + LocalLeeway + time.Second)
	p, err := a.AuthenticateToken(context.Background(), token)
	wantUnauthenticated(t, p, err)
}

// TestARememberedLocalTokensAccountIsCheckedOnEachRequest: disabling the
// account refuses a remembered token as soon as the account check's own
// cache lets it.
func TestARememberedLocalTokensAccountIsCheckedOnEachRequest(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	issuer := newIssuer(t, newEd25519(t), clock.Now)
	a, err := NewAuthenticator(issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	disabled := false
	a.CheckAccounts(NewAccountGuard(func(context.Context, string) (domain.Account, error) {
		acct := domain.Account{Username: "alice"}
		if disabled {
			at := clock.Now()
			acct.DisabledAt = &at
		}
		return acct, nil
	}, false, time.Second, clock.Now))
	p := domain.Principal{Subject: LocalSubjectPrefix + "alice", Username: "alice", Roles: []domain.Role{domain.RoleDoctor}}
	token, _, err := issuer.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	disabled = true
	clock.Advance(2 * time.Second)
	got, err := a.AuthenticateToken(context.Background(), token)
	wantUnauthenticated(t, got, err)
}
