package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// localAuth returns an authenticator of local tokens whose accounts are
// checked against env's store, on env's clock.
func localAuth(t *testing.T, env *storetest.Env, demo bool, ttl time.Duration) (*Issuer, *Authenticator) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(key, "serenade-local", time.Hour, env.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	au, err := NewAuthenticator(iss, nil)
	if err != nil {
		t.Fatal(err)
	}
	au.CheckAccounts(NewAccountGuard(env.DB.Account, demo, ttl, env.Clock.Now))
	return iss, au
}

func addAccount(t *testing.T, env *storetest.Env, username string, isDemo bool) string {
	t.Helper()
	if _, err := env.Accounts().CreateAccount(context.Background(), domain.Account{Username: username, Roles: []domain.Role{domain.RoleDoctor}, PasswordHash: "unused", Demo: isDemo}); err != nil {
		t.Fatal(err)
	}
	return LocalSubjectPrefix + username
}

func tokenFor(t *testing.T, iss *Issuer, subject string) string {
	t.Helper()
	tok, _, err := iss.Issue(domain.Principal{Subject: subject, Username: subject[len(LocalSubjectPrefix):], Roles: []domain.Role{domain.RoleDoctor}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestDisabledAccountsTokensAreRefusedWithinTheTTL(t *testing.T) {
	const ttl = 5 * time.Second
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		iss, au := localAuth(t, env, false, ttl)
		tok := tokenFor(t, iss, addAccount(t, env, "dottore-rita", false))
		if _, err := au.AuthenticateToken(ctx, tok); err != nil {
			t.Fatalf("active account: %v", err)
		}
		if err := env.DB.DisableAccount(ctx, "dottore-rita"); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(ttl - time.Millisecond)
		if _, err := au.AuthenticateToken(ctx, tok); err != nil {
			t.Fatalf("within the TTL the cached state still holds: %v", err)
		}
		env.Clock.Advance(time.Millisecond)
		p, err := au.AuthenticateToken(ctx, tok)
		wantUnauthenticated(t, p, err)
		// Another replica (another cache) refuses it at once.
		_, other := localAuth(t, env, false, ttl)
		other.local = au.local
		p, err = other.AuthenticateToken(ctx, tok)
		wantUnauthenticated(t, p, err)
	})
}

func TestDemoAccountsTokensNeedDemoMode(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		iss, inDemo := localAuth(t, env, true, 0)
		tok := tokenFor(t, iss, addAccount(t, env, "dottore-demo", true))
		if _, err := inDemo.AuthenticateToken(ctx, tok); err != nil {
			t.Fatalf("demo account in demo mode: %v", err)
		}
		_, outside := localAuth(t, env, false, 0)
		outside.local = inDemo.local // same signing key: a restart on the same database
		p, err := outside.AuthenticateToken(ctx, tok)
		wantUnauthenticated(t, p, err)
		normal := tokenFor(t, iss, addAccount(t, env, "dottore-vera", false))
		if _, err := outside.AuthenticateToken(ctx, normal); err != nil {
			t.Errorf("normal account outside demo mode: %v", err)
		}
		p, err = outside.AuthenticateToken(ctx, tokenFor(t, iss, LocalSubjectPrefix+"nobody"))
		wantUnauthenticated(t, p, err)
	})
}

// TestAccountCheckFailsClosed: when the account cannot be read the
// token is not accepted, and the failure is not remembered.
func TestAccountCheckFailsClosed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		iss, au := localAuth(t, env, false, 0)
		tok := tokenFor(t, iss, addAccount(t, env, "dottore-rita", false))
		env.DB.Close()
		_, err := au.AuthenticateToken(ctx, tok)
		if err == nil || domain.KindOf(err) != domain.KindInternal {
			t.Fatalf("with the database closed: %v, want an internal error (503, not a cached refusal)", err)
		}
		au.accounts.lookup = env.Reopen(t).Account
		if _, err := au.AuthenticateToken(ctx, tok); err != nil {
			t.Errorf("once the database answers again: %v", err)
		}
	})
}

func TestAccountCacheIsBounded(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		g := NewAccountGuard(env.DB.Account, false, time.Hour, env.Clock.Now)
		for i := range accountCacheSize + 500 {
			_ = g.Check(context.Background(), "nobody-"+string(rune('a'+i%26))+string(rune(i)))
		}
		if n := g.cache.Len(); n != accountCacheSize {
			t.Errorf("cache holds %d accounts, want its bound %d", n, accountCacheSize)
		}
	})
}
