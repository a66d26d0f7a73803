package app

import (
	"context"
	"io"
	"log/slog"

	"serenade/internal/store"
)

// Backup writes a consistent backup of the configured database to w
// while servers keep running: data keys wrapped under the escrow keys of
// cfg.EscrowFile (created on demand), never the master key.
func Backup(ctx context.Context, cfg Config, log *slog.Logger, w io.Writer) (store.BackupStats, error) {
	var st store.BackupStats
	err := withStore(ctx, cfg, log, func(db *store.DB) (err error) {
		st, err = db.Backup(ctx, w)
		return err
	})
	return st, err
}

// Restore loads a backup into the configured database, which must be
// new and empty, under this machine's master key (the key file is
// created if missing, as at a first start) and the escrow keys of
// cfg.EscrowFile; the audit chain is verified at the end.
func Restore(ctx context.Context, cfg Config, log *slog.Logger, r io.Reader) (store.RestoreStats, error) {
	kr, err := cfg.keyring(log)
	if err != nil {
		return store.RestoreStats{}, err
	}
	if err := cfg.ensureDataDir(); err != nil {
		return store.RestoreStats{}, err
	}
	return store.Restore(ctx, cfg.storeConfig(kr, nil), r)
}
