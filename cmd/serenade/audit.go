package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"serenade/internal/app"
	"serenade/internal/audit"
)

// errChainBroken exits 4: the trail was tampered with.
var errChainBroken = errors.New("audit chain broken")

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: serenade audit verify", app.ErrUsage)
	}
	// The hash chain needs no key: open without the master key, so a lost
	// or wrong key file cannot stop the trail being checked.
	cfg, err := app.Load(flag.NewFlagSet("audit verify", flag.ContinueOnError), args[1:], (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	n, err := app.VerifyAudit(ctx, cfg)
	var p *audit.Problem
	if errors.As(err, &p) {
		return fmt.Errorf("%w: %v (%d entries verified before it)", errChainBroken, p, n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d entries\n", n)
	return nil
}
