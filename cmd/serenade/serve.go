package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"serenade/internal/app"
)

func serveCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "run the server",
		Long: "Run the server until SIGINT or SIGTERM. SIGHUP re-reads the master key file.\n\n" +
			"With no database configured, Serenade uses the embedded SQLite database in the data directory.\n" +
			"--demo seeds demo accounts and sample patients into an empty database (loopback only).",
		Example: "  serenade serve --demo\n  SERENADE_DATABASE_URL=postgres://serenade@db/serenade serenade serve --listen :8080",
		Args:    cobra.NoArgs,
	}
	configure(cmd, (*app.Config).ServeFlags, func(cmd *cobra.Command, cfg app.Config, _ []string) error {
		return runServe(cmd.Context(), e, cfg)
	})
	return cmd
}

func migrateCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "apply database migrations and exit",
		Long:  "Apply the schema migrations the database lacks, then exit. serve does the same at start.",
		Args:  cobra.NoArgs,
	}
	configure(cmd, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, _ []string) error {
		m, err := app.Migrate(cmd.Context(), cfg, e.log)
		if err == nil {
			e.log.Info("database migrated", "backend", m.Backend, "version", m.Version)
		}
		return err
	})
	return cmd
}

// runServe runs the server until ctx ends. SIGHUP re-reads the master
// key source, e.g. after `serenade keys rotate` (the server also re-reads
// it by itself when it meets a data key wrapped under a master version it
// does not hold). The signal is watched from before the server starts,
// so a SIGHUP during start-up is neither lost nor fatal: the reload runs
// once the store is open.
func runServe(ctx context.Context, e *env, cfg app.Config) error {
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
