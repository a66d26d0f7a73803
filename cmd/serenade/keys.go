package main

import (
	"encoding/base64"
	"fmt"

	"github.com/spf13/cobra"

	"serenade/internal/app"
)

func keysCommand(e *env) *cobra.Command {
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "replace the master key",
		Long: "Wrap every data key under a new master key version and destroy the old one.\n" +
			"Safe while servers run: they pick the new key up by themselves or on SIGHUP.\n" +
			"With SERENADE_MASTER_KEY (not a file) the new key is printed on standard output\n" +
			"and must replace the old one everywhere before the next start.",
		Args: cobra.NoArgs,
	}
	configure(rotate, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, _ []string) error {
		r, err := app.RotateMasterKey(cmd.Context(), cfg, e.log)
		if err != nil {
			return err
		}
		if r.Key == nil {
			fmt.Fprintf(e.stdout, "rotated: every data key is now wrapped by master key version %d in %s; the old master key is destroyed.\n"+
				"Running servers pick the new key up by themselves (or on SIGHUP).\n", r.Version, cfg.MasterKeyFile)
			return nil
		}
		// A key given in SERENADE_MASTER_KEY cannot be rewritten by
		// Serenade: the operator must put the printed key in place of the
		// old one before the next start.
		fmt.Fprintf(e.stderr, "rotated: data keys are wrapped by master key version %d. Replace SERENADE_MASTER_KEY with the line below everywhere and restart; the old key then opens nothing.\n", r.Version)
		fmt.Fprintf(e.stdout, "%d %s\n", r.Version, base64.StdEncoding.EncodeToString(r.Key[:]))
		return nil
	})
	return group("keys", "manage encryption keys", rotate)
}
