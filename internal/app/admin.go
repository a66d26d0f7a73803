package app

import (
	"context"
	"errors"
	"log/slog"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
)

// The one-shot commands (migrate, user, keys rotate, audit verify) open
// the database through the same wiring as the server: the keyring from
// the configuration, the same store options and clock. Each opens what
// it needs, does its work and closes it again.

// Migrated says where a database stands after Migrate.
type Migrated struct {
	Backend string // "sqlite" or "postgres"
	Version int64  // the last migration applied
}

// Migrate opens the database, applies the migrations and reports the
// version it stands at.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) (Migrated, error) {
	var m Migrated
	err := withStore(ctx, cfg, log, func(db *store.DB) (err error) {
		m.Backend = db.Backend()
		m.Version, err = db.MigrationVersion(ctx)
		return err
	})
	return m, err
}

// ManageAccounts opens the database and hands its local accounts to f.
func ManageAccounts(ctx context.Context, cfg Config, log *slog.Logger, f func(domain.Accounts) error) error {
	return withStore(ctx, cfg, log, func(db *store.DB) error { return f(service.NewAccounts(db)) })
}

// Rotated is the outcome of RotateMasterKey.
type Rotated struct {
	Version uint32 // the master key version every data key is wrapped by now
	// Key is the new master key when the keys came from
	// SERENADE_MASTER_KEY, which Serenade cannot rewrite: the operator
	// must put it in place of the old one. nil when the key file was
	// rewritten.
	Key *keyring.Key
}

// RotateMasterKey creates a new master key version, re-wraps every data
// key under it in one transaction and destroys the old one. A key file
// is rewritten; keys given in SERENADE_MASTER_KEY are held in memory for
// the rotation (allocated under the database's lock, above every version
// it uses, exactly as for the file) and the new one is returned.
func RotateMasterKey(ctx context.Context, cfg Config, log *slog.Logger) (Rotated, error) {
	if cfg.MasterKey == "" {
		var r Rotated
		err := withStore(ctx, cfg, log, func(db *store.DB) (err error) {
			r.Version, err = db.RotateMasterKey(ctx)
			return err
		})
		return r, err
	}
	old, err := keyring.ParseMasterKeys(cfg.MasterKey)
	if err != nil {
		return Rotated{}, err
	}
	src := keyring.NewMemorySource(old)
	kr, err := keyring.New(src)
	if err != nil {
		return Rotated{}, err
	}
	db, err := store.Open(ctx, cfg.storeConfig(kr, nil))
	if err != nil {
		return Rotated{}, err
	}
	v, err := db.RotateMasterKey(ctx)
	if err = errors.Join(err, db.Close()); err != nil {
		return Rotated{}, err
	}
	keys, err := src.Load()
	if err != nil {
		return Rotated{}, err
	}
	next := keys[v]
	return Rotated{Version: v, Key: &next}, nil
}

// VerifyAudit checks the audit trail's hash chain and returns how many
// entries it verified. It opens the database without the master key, so
// a lost or wrong key file cannot stop the trail being checked.
func VerifyAudit(ctx context.Context, cfg Config) (int64, error) {
	trail, err := cfg.openAuditTrail(ctx)
	if err != nil {
		return 0, err
	}
	n, err := trail.VerifyAudit(ctx)
	return n, errors.Join(err, trail.Close())
}

// withStore opens and migrates the store, runs f and closes the store.
func withStore(ctx context.Context, cfg Config, log *slog.Logger, f func(*store.DB) error) error {
	db, err := cfg.openStoreWith(ctx, log, nil)
	if err != nil {
		return err
	}
	return errors.Join(f(db), db.Close())
}
