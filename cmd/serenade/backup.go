package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"serenade/internal/app"
	"serenade/internal/domain"
)

func backupCommand(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "backup OUT",
		Short: "write an online, consistent backup of the database",
		Long: "Write every table of the database, read in one consistent snapshot while servers keep\n" +
			"running, into the file OUT (\"-\": standard output). OUT is written beside itself and renamed\n" +
			"when complete; an existing OUT is not overwritten.\n\n" +
			"The backup holds no master key: every data key in it is wrapped under an escrow key kept in\n" +
			"the escrow key file (--escrow-file, default escrow.keys beside the master key file), one per\n" +
			"patient, created on demand. Keep that file with the master key file and never inside the\n" +
			"backups. A withdrawal erases the patient's escrow key, so every backup taken before it\n" +
			"restores that patient erased.",
		Example: "  serenade backup /backups/serenade-$(date +%F).bak\n" +
			"  SERENADE_DATABASE_URL=postgres://serenade@db/serenade serenade backup - | gpg -e -r ops > serenade.bak.gpg",
		Args: exactArgs("OUT", 1),
	}
	configure(c, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, args []string) error {
		return writeBackup(cmd, e, cfg, args[0])
	})
	return c
}

// writeBackup writes the backup to out via a temporary file renamed at
// the end, so a failed backup leaves no file that looks whole.
func writeBackup(cmd *cobra.Command, e *env, cfg app.Config, out string) error {
	if out == "-" {
		_, err := app.Backup(cmd.Context(), cfg, e.log, e.stdout)
		return err
	}
	if _, err := os.Lstat(out); err == nil {
		return domain.Conflict("%s exists: a backup never overwrites a file", out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	st, err := app.Backup(cmd.Context(), cfg, e.log, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if err = errors.Join(err, tmp.Close()); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), out); err != nil { // fails if out appeared meanwhile
		return err
	}
	fmt.Fprintf(e.stdout, "backup written to %s: %d tables, %d rows, %d data keys wrapped under the escrow keys of %s.\n"+
		"Keep %s and the master key file out of the backups.\n", out, st.Tables, st.Rows, st.DataKeys, cfg.EscrowFile, cfg.EscrowFile)
	return nil
}

func restoreCommand(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "restore IN",
		Short: "load a backup into a new, empty database",
		Long: "Load the backup IN (\"-\": standard input) into the configured database, which must be new\n" +
			"and empty (a database any server has opened is refused). The schema is migrated, every row\n" +
			"loaded in one transaction, every data key unwrapped with its escrow key (--escrow-file) and\n" +
			"wrapped under this machine's master key (created if missing), then the audit chain is verified.\n" +
			"A patient whose escrow key is gone (withdrawn after the backup) is erased as a withdrawal\n" +
			"leaves it, and counted in the output.",
		Example: "  SERENADE_DATABASE_URL=postgres://serenade@db-new/serenade serenade restore /backups/serenade-2026-11-29.bak\n" +
			"  serenade restore --data-dir /tmp/drill --escrow-file /secure/escrow.keys serenade.bak",
		Args: exactArgs("IN", 1),
	}
	configure(c, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, args []string) error {
		var in io.Reader = e.stdin
		if args[0] != "-" {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		st, err := app.Restore(cmd.Context(), cfg, e.log, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "restored %s: %d tables, %d rows, %d data keys now under this machine's master key.\n"+
			"%d patients withdrawn after the backup were erased (their escrow keys are gone).\n"+
			"audit chain intact: %d entries\n", args[0], st.Tables, st.Rows, st.DataKeys, st.Erased, st.AuditEntries)
		return nil
	})
	return c
}
