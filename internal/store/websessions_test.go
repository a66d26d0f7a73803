package store_test

import (
	"context"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// TestWebSessionsRoundTripExpireAndDie: a session reads back as stored
// (by the hash of its secret, on another handle), is touched, expires by
// idle or absolute time, is deleted at logout, and disabling its account
// deletes it at once while another account's session stays.
func TestWebSessionsRoundTripExpireAndDie(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
		alice := store.WebSession{IDHash: hash("a"), Principal: domain.Principal{Subject: "local:dottore-alice", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}},
			Issuer: "serenade-local", CSRF: hash("csrf-a"), CreatedAt: at, LastSeen: at}
		bob := alice
		bob.IDHash, bob.Principal = hash("b"), domain.Principal{Subject: "local:imt-bob", Username: "imt-bob", Roles: []domain.Role{domain.RoleInstaller}}
		for _, s := range []store.WebSession{alice, bob} {
			if err := env.DB.InsertWebSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		got, err := env.Reopen(t).WebSession(ctx, alice.IDHash)
		if err != nil || got.Principal.Subject != alice.Principal.Subject || !slices.Equal(got.Principal.Roles, alice.Principal.Roles) ||
			string(got.CSRF) != string(alice.CSRF) || !got.CreatedAt.Equal(at) || got.Issuer != "serenade-local" {
			t.Fatalf("WebSession = %+v, %v; want %+v", got, err, alice)
		}
		if err := env.DB.TouchWebSession(ctx, alice.IDHash, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := env.DB.WebSession(ctx, alice.IDHash); !got.LastSeen.Equal(at.Add(time.Hour)) {
			t.Errorf("last seen %v after touch, want %v", got.LastSeen, at.Add(time.Hour))
		}
		// bob idle since at: expired by an idle bound after at; alice kept.
		if n, err := env.DB.DeleteExpiredWebSessions(ctx, at.Add(time.Minute), at.Add(-time.Hour)); err != nil || n != 1 {
			t.Fatalf("expired %d, %v; want 1 (bob's idle session)", n, err)
		}
		if _, err := env.DB.WebSession(ctx, bob.IDHash); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("idle session still there: %v", err)
		}
		// absolute expiry: created before the bound.
		if n, _ := env.DB.DeleteExpiredWebSessions(ctx, at, at.Add(time.Second)); n != 1 {
			t.Errorf("absolute expiry deleted %d, want 1", n)
		}
		if err := env.DB.InsertWebSession(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.DeleteWebSession(ctx, alice.IDHash); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.WebSession(ctx, alice.IDHash); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("logged-out session still there: %v", err)
		}
	})
}

// TestDisablingAnAccountEndsItsWebSessions: the account's sessions go in
// the same transaction; another account's stay.
func TestDisablingAnAccountEndsItsWebSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		for _, u := range []string{"dottore-carla", "dottore-dario"} {
			if _, err := env.DB.InsertAccount(ctx, domain.Account{Username: u, Roles: []domain.Role{domain.RoleDoctor}, PasswordHash: "x"}); err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256([]byte(u))
			if err := env.DB.InsertWebSession(ctx, store.WebSession{IDHash: h[:], Principal: domain.Principal{Subject: "local:" + u, Username: u},
				Issuer: "serenade-local", CSRF: h[:], CreatedAt: at, LastSeen: at}); err != nil {
				t.Fatal(err)
			}
		}
		if err := env.DB.DisableAccount(ctx, "dottore-carla"); err != nil {
			t.Fatal(err)
		}
		c, d := sha256.Sum256([]byte("dottore-carla")), sha256.Sum256([]byte("dottore-dario"))
		if _, err := env.DB.WebSession(ctx, c[:]); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("disabled account's session still there: %v", err)
		}
		if _, err := env.DB.WebSession(ctx, d[:]); err != nil {
			t.Errorf("another account's session went: %v", err)
		}
	})
}
