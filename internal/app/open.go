package app

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"os"
	"strings"

	"serenade/internal/keyring"
	"serenade/internal/store"
)

// keyring loads the master keys. On the embedded default, the key file
// is created (mode 0600) on first start; a key file that others can read
// is refused.
func (c Config) keyring(log *slog.Logger) (*keyring.Keyring, error) {
	if c.MasterKey != "" {
		keys, err := keyring.ParseMasterKeys(c.MasterKey)
		if err != nil {
			return nil, err
		}
		return keyring.New(keyring.StaticSource{Keys: keys})
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, err
	}
	created, err := keyring.EnsureFile(c.MasterKeyFile)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("generated a new master key: back it up separately from the database", "file", c.MasterKeyFile)
	}
	return keyring.New(keyring.FileSource{Path: c.MasterKeyFile})
}

// openStore opens and migrates the store under a start-up span, with
// every database call traced.
func (a *App) openStore(ctx context.Context) (*store.DB, error) {
	ctx, span := a.tel.Tracer().Start(ctx, "open store")
	defer span.End()
	return a.cfg.openStoreWith(ctx, a.log, a.tel.OpenDB)
}

// openStoreWith loads the keyring, opens and migrates the database, with
// the pools opened by openDB (nil: sql.Open).
func (c Config) openStoreWith(ctx context.Context, log *slog.Logger, openDB func(driverName, dsn string, c driver.Connector) (*sql.DB, error)) (*store.DB, error) {
	kr, err := c.keyring(log)
	if err != nil {
		return nil, err
	}
	if err := c.ensureDataDir(); err != nil {
		return nil, err
	}
	return store.Open(ctx, c.storeConfig(kr, openDB))
}

// storeConfig is the store's part of the configuration.
func (c Config) storeConfig(kr *keyring.Keyring, openDB func(driverName, dsn string, c driver.Connector) (*sql.DB, error)) store.Config {
	return store.Config{URL: c.DatabaseURL, Keyring: kr, Withdrawal: store.WithdrawalPolicy(c.WithdrawalPolicy), OpenDB: openDB, Now: c.StoreClock,
		MinParticipantAge: c.MinParticipantAge, Escrow: c.escrow()}
}

// escrow is the escrow key file of the backups; nil when none is set
// (a configuration that was not resolved).
func (c Config) escrow() *keyring.EscrowFile {
	if c.EscrowFile == "" {
		return nil
	}
	return &keyring.EscrowFile{Path: c.EscrowFile}
}

// ensureDataDir creates the data directory of the embedded SQLite
// database (PostgreSQL needs none).
func (c Config) ensureDataDir() error {
	if store.IsPostgres(c.DatabaseURL) {
		return nil
	}
	return os.MkdirAll(c.DataDir, 0o700)
}

// openAuditTrail opens and migrates the database without reading the
// master key (for `audit verify`).
func (c Config) openAuditTrail(ctx context.Context) (*store.AuditTrail, error) {
	if err := c.ensureDataDir(); err != nil {
		return nil, err
	}
	return store.OpenAuditTrail(ctx, c.storeConfig(nil, nil))
}

// redactedDatabaseURL hides a PostgreSQL password for logs.
func (c Config) redactedDatabaseURL() string {
	u := c.DatabaseURL
	if at := strings.LastIndex(u, "@"); at > 0 && store.IsPostgres(u) {
		if colon := strings.Index(u[len("postgres://"):at], ":"); colon >= 0 {
			return u[:len("postgres://")+colon] + ":***" + u[at:]
		}
	}
	return u
}
