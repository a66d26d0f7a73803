package app

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"strings"

	"serenade/internal/keyring"
	"serenade/internal/store"
)

// Keyring loads the master keys. On the embedded default, the key file
// is created (mode 0600) on first start; a key file that others can read
// is refused.
func (c Config) Keyring(log *slog.Logger) (*keyring.Keyring, error) {
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

// OpenStore loads the keyring, opens and migrates the database.
func (c Config) OpenStore(ctx context.Context, log *slog.Logger) (*store.DB, error) {
	return c.openStoreWith(ctx, log, nil)
}

// openStoreWith is OpenStore with the database pools opened by openDB
// (nil: sql.Open).
func (c Config) openStoreWith(ctx context.Context, log *slog.Logger, openDB func(driver, dsn string) (*sql.DB, error)) (*store.DB, error) {
	kr, err := c.Keyring(log)
	if err != nil {
		return nil, err
	}
	if !store.IsPostgres(c.DatabaseURL) {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, store.Config{URL: c.DatabaseURL, Keyring: kr, Withdrawal: store.WithdrawalPolicy(c.WithdrawalPolicy), OpenDB: openDB,
		Now: c.StoreClock, MinParticipantAge: c.MinParticipantAge})
}

// OpenAuditTrail opens and migrates the database without reading the
// master key (for `audit verify`).
func (c Config) OpenAuditTrail(ctx context.Context) (*store.AuditTrail, error) {
	if !store.IsPostgres(c.DatabaseURL) {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, err
		}
	}
	return store.OpenAuditTrail(ctx, store.Config{URL: c.DatabaseURL, Withdrawal: store.WithdrawalPolicy(c.WithdrawalPolicy), Now: c.StoreClock})
}

// RedactedDatabaseURL hides a PostgreSQL password for logs.
func (c Config) RedactedDatabaseURL() string {
	u := c.DatabaseURL
	if at := strings.LastIndex(u, "@"); at > 0 && store.IsPostgres(u) {
		if colon := strings.Index(u[len("postgres://"):at], ":"); colon >= 0 {
			return u[:len("postgres://")+colon] + ":***" + u[at:]
		}
	}
	return u
}
