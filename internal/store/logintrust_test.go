package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"serenade/internal/testsupport/storetest"
)

// TestLoginTrustIsSharedDurableAndHashed: a pair recorded on one handle is
// trusted on a second handle (another replica, or after a restart), only
// from its own address and only since its last success; the table holds
// a keyed hash, never the address or username in clear; old pairs are
// forgotten.
func TestLoginTrustIsSharedDurableAndHashed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		if err := env.DB.TrustLogin(ctx, "dottore-alice", "127.0.0.1", at, at.Add(-30*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		other := env.Reopen(t)
		for _, c := range []struct {
			user, addr string
			since      time.Time
			want       bool
		}{
			{"dottore-alice", "127.0.0.1", at.Add(-time.Hour), true},
			{"dottore-alice", "127.0.7.9", at.Add(-time.Hour), false},
			{"imt-vincenzo", "127.0.0.1", at.Add(-time.Hour), false},
			{"dottore-alice", "127.0.0.1", at.Add(time.Second), false},
		} {
			got, err := other.LoginTrusted(ctx, c.user, c.addr, c.since)
			if err != nil || got != c.want {
				t.Errorf("LoginTrusted(%s, %s) = %v, %v; want %v", c.user, c.addr, got, err, c.want)
			}
		}
		rows, err := env.Raw(t).Query(`SELECT pair_hash FROM login_trust`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			if n++; len(h) != 32 || bytes.Contains(h, []byte("127.0.0.1")) || bytes.Contains(h, []byte("alice")) {
				t.Errorf("stored pair %x is not a 32-byte keyed hash", h)
			}
		}
		if n != 1 {
			t.Fatalf("%d rows, want 1", n)
		}
		later := at.Add(40 * 24 * time.Hour)
		if err := other.TrustLogin(ctx, "imt-vincenzo", "127.0.9.10", later, later.Add(-30*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := env.DB.LoginTrusted(ctx, "dottore-alice", "127.0.0.1", time.Time{}); got {
			t.Error("a pair older than the trust period was not forgotten")
		}
	})
}
