package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"

	"serenade/internal/app"
)

func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%w: serenade keys rotate", app.ErrUsage)
	}
	cfg, err := app.Load(flag.NewFlagSet("keys rotate", flag.ContinueOnError), args[1:], (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	r, err := app.RotateMasterKey(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	if r.Key == nil {
		fmt.Fprintf(e.stdout, "rotated: every data key is now wrapped by master key version %d in %s; the old master key is destroyed.\n"+
			"Running servers pick the new key up by themselves (or on SIGHUP).\n", r.Version, cfg.MasterKeyFile)
		return nil
	}
	// A key given in SERENADE_MASTER_KEY cannot be rewritten by Serenade:
	// the operator must put the printed key in place of the old one
	// before the next start.
	fmt.Fprintf(e.stderr, "rotated: data keys are wrapped by master key version %d. Replace SERENADE_MASTER_KEY with the line below everywhere and restart; the old key then opens nothing.\n", r.Version)
	fmt.Fprintf(e.stdout, "%d %s\n", r.Version, base64.StdEncoding.EncodeToString(r.Key[:]))
	return nil
}
