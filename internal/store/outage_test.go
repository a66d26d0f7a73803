package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

// With its PostgreSQL server stopped, the store's reads and writes fail
// as an outage (KindUnavailable: answered 503), never as an internal
// error, and succeed again once the server is back, on the same pool.
func TestUnreachablePostgresIsAnOutage(t *testing.T) {
	t.Parallel()
	cluster := pgtest.StartOwn(t)
	env := &storetest.Env{Backend: "postgres", URL: cluster.NewDatabase(t), KeyFile: filepath.Join(t.TempDir(), "master.key"), Clock: storetest.NewClock()}
	if _, err := keyring.EnsureFile(env.KeyFile); err != nil {
		t.Fatal(err)
	}
	db, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.Streams(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cluster.Stop(t)
	_, cutErr := db.Streams(ctx, 1)     // the pooled connection was cut
	_, refusedErr := db.Streams(ctx, 2) // a new connection is refused
	for _, err := range []error{cutErr, refusedErr} {
		if k := domain.KindOf(err); k != domain.KindUnavailable {
			t.Fatalf("with PostgreSQL down: %v (kind %s), want unavailable", err, k)
		}
	}
	cluster.Start(t)
	if _, err := db.Streams(ctx, 1); err != nil {
		t.Fatalf("after PostgreSQL came back: %v", err)
	}
}
