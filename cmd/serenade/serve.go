package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"serenade/internal/app"
	"serenade/internal/store"
)

func runServe(ctx context.Context, e *env, args []string) error {
	cfg, err := app.Load(flag.NewFlagSet("serve", flag.ContinueOnError), args, (*app.Config).ServeFlags)
	if err != nil {
		return err
	}
	a, err := app.Start(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	go reloadKeysOnHangup(ctx, e, a)
	return a.Wait()
}

// reloadKeysOnHangup re-reads the master key source on SIGHUP, e.g. after
// `serenade keys rotate` (the server also re-reads it by itself when it
// meets a data key wrapped under a master version it does not hold).
func reloadKeysOnHangup(ctx context.Context, e *env, a *app.App) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := a.ReloadKeys(); err != nil {
				e.log.Error("reloading master keys failed", "err", err)
			} else {
				e.log.Info("master keys reloaded")
			}
		}
	}
}

// openStore parses a subcommand's storage flags (and fs's own) and opens
// the database, migrating it.
func openStore(ctx context.Context, e *env, fs *flag.FlagSet, args []string) (*store.DB, error) {
	cfg, err := app.Load(fs, args, (*app.Config).StorageFlags)
	if err != nil {
		return nil, err
	}
	return cfg.OpenStore(ctx, e.log)
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	db, err := openStore(ctx, e, flag.NewFlagSet("migrate", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.MigrationVersion(ctx)
	if err == nil {
		e.log.Info("database migrated", "backend", db.Backend(), "version", v)
	}
	return err
}
