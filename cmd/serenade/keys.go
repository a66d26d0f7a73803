package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"

	"serenade/internal/app"
	"serenade/internal/keyring"
	"serenade/internal/store"
)

func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%w: serenade keys rotate", app.ErrUsage)
	}
	cfg, err := app.Load(flag.NewFlagSet("keys rotate", flag.ContinueOnError), args[1:], (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	if cfg.MasterKey != "" {
		return rotateEnvironmentKey(ctx, e, cfg)
	}
	db, err := cfg.OpenStore(ctx, e.log)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.RotateMasterKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rotated: every data key is now wrapped by master key version %d in %s; the old master key is destroyed.\n"+
		"Running servers pick the new key up by themselves (or on SIGHUP).\n", v, cfg.MasterKeyFile)
	return nil
}

// rotateEnvironmentKey rotates a master key given in SERENADE_MASTER_KEY,
// which Serenade cannot rewrite: the keys are held in memory, the new
// version is allocated and every data key re-wrapped exactly as for the
// key file (under the database's lock, above every version the database
// uses), and the operator must put the printed key in place of the old
// one before the next start.
func rotateEnvironmentKey(ctx context.Context, e *env, cfg app.Config) error {
	old, err := keyring.ParseMasterKeys(cfg.MasterKey)
	if err != nil {
		return err
	}
	src := keyring.NewMemorySource(old)
	kr, err := keyring.New(src)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, Keyring: kr, Withdrawal: store.WithdrawalPolicy(cfg.WithdrawalPolicy)})
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.RotateMasterKey(ctx)
	if err != nil {
		return err
	}
	keys, err := src.Load()
	if err != nil {
		return err
	}
	next := keys[v]
	fmt.Fprintf(os.Stderr, "rotated: data keys are wrapped by master key version %d. Replace SERENADE_MASTER_KEY with the line below everywhere and restart; the old key then opens nothing.\n", v)
	fmt.Fprintf(e.stdout, "%d %s\n", v, base64.StdEncoding.EncodeToString(next[:]))
	return nil
}
