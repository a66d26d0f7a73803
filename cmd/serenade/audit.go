package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"serenade/internal/app"
	"serenade/internal/audit"
)

// errChainBroken exits 4: the trail was tampered with.
var errChainBroken = errors.New("audit chain broken")

func auditCommand(e *env) *cobra.Command {
	verify := &cobra.Command{
		Use:   "verify",
		Short: "check the audit trail's hash chain",
		Long: "Recompute the audit trail's hash chain from its first entry and report the first break.\n" +
			"Needs no master key. Exit 0 when intact, 4 when an entry was changed, removed or inserted.",
		Args: cobra.NoArgs,
	}
	// The hash chain needs no key: open without the master key, so a lost
	// or wrong key file cannot stop the trail being checked.
	configure(verify, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, _ []string) error {
		n, err := app.VerifyAudit(cmd.Context(), cfg)
		var p *audit.Problem
		if errors.As(err, &p) {
			return fmt.Errorf("%w: %v (%d entries verified before it)", errChainBroken, p, n)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "audit chain intact: %d entries\n", n)
		return nil
	})
	return group("audit", "check the audit trail", verify)
}
