package throttle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"serenade/internal/testsupport/storetest"
	"serenade/internal/throttle"
)

// TestTrustOutlivesARestartAndIsShared is the reviewer's case: alice logs
// in from 127.0.0.1, the server restarts (or another replica answers),
// a stranger sends wrong passwords for her account 4 times a second
// from rotating addresses 127.0.7.x; alice, from 127.0.0.1 every 5
// seconds, is allowed at once every time (she was refused with 429).
// A pair trusted long ago is not trusted any more.
func TestTrustOutlivesARestartAndIsShared(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		first := throttle.New(0, env.Clock.Now, env.DB)
		a := first.Check(ctx, "dottore-alice", "127.0.0.1")
		if !a.Allowed || !a.Commit() {
			t.Fatalf("first login: %+v", a)
		}
		if err := a.Succeeded(ctx); err != nil {
			t.Fatal(err)
		}
		restarted := throttle.New(0, env.Clock.Now, env.Reopen(t))
		for i := range 240 {
			restarted.Admit("dottore-alice", fmt.Sprintf("127.0.7.%d", i%256))
			if i%20 == 19 {
				b := restarted.Check(ctx, "dottore-alice", "127.0.0.1")
				if !b.Allowed || b.Wait != 0 || !b.Trusted || !b.Commit() {
					t.Fatalf("alice from her usual address after %d stranger attempts: %+v, want allowed at once", i+1, b)
				}
				if err := b.Succeeded(ctx); err != nil {
					t.Fatal(err)
				}
			}
			env.Clock.Advance(250 * time.Millisecond)
		}
		env.Clock.Advance(throttle.TrustFor + time.Hour)
		if b := throttle.New(0, env.Clock.Now, env.DB).Check(ctx, "dottore-alice", "127.0.0.1"); b.Trusted {
			t.Errorf("a pair whose last success is older than %v is still trusted", throttle.TrustFor)
		}
	})
}
