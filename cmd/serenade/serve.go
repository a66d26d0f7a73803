package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"serenade/internal/app"
)

// runServe runs the server until ctx ends. SIGHUP re-reads the master
// key source, e.g. after `serenade keys rotate` (the server also re-reads
// it by itself when it meets a data key wrapped under a master version it
// does not hold). The signal is watched from before the server starts,
// so a SIGHUP during start-up is neither lost nor fatal: the reload runs
// once the store is open.
func runServe(ctx context.Context, e *env, args []string) error {
	cfg, err := app.Load(flag.NewFlagSet("serve", flag.ContinueOnError), args, (*app.Config).ServeFlags)
	if err != nil {
		return err
	}
	cfg.Version = version
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	a, err := app.Start(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	stopped := make(chan error, 1)
	go func() { stopped <- a.Wait() }()
	for {
		select {
		case err := <-stopped:
			return err
		case <-hup:
			if err := a.ReloadKeys(); err != nil {
				e.log.Error("reloading master keys failed", "err", err)
			} else {
				e.log.Info("master keys reloaded")
			}
		}
	}
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	cfg, err := app.Load(flag.NewFlagSet("migrate", flag.ContinueOnError), args, (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	m, err := app.Migrate(ctx, cfg, e.log)
	if err == nil {
		e.log.Info("database migrated", "backend", m.Backend, "version", m.Version)
	}
	return err
}
