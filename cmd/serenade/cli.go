package main

import (
	"flag"
	"fmt"

	"github.com/spf13/cobra"

	"serenade/internal/app"
)

// newRoot builds the command tree for one run. Parsing, `--help`,
// `help COMMAND` and per-command usage come from cobra; each command's
// configuration flags come from internal/app, so help shows the same
// flags and defaults that the command reads. The run's state (runState)
// tells usage errors cobra does not report.
func newRoot(e *env) (*cobra.Command, *runState) {
	st := &runState{}
	root := &cobra.Command{
		Use:   "serenade",
		Short: "Serenade: the platform of a home-sensor clinical study",
		Long: "Serenade runs the study's REST API, keeps its data encrypted at rest and its audit trail.\n\n" +
			"Configuration comes from SERENADE_* environment variables, overridden by flags;\n" +
			"the README lists every variable. Exit codes: 0 done, 1 internal error, 2 usage,\n" +
			"3 refused (invalid, not found, conflict), 4 audit chain broken.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("%w: a command is needed\n\n%s", app.ErrUsage, cmd.UsageString())
		},
		PersistentPreRun: func(*cobra.Command, []string) { st.started = true },
		SilenceErrors:    true,
		SilenceUsage:     true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.AddCommand(serveCommand(e), migrateCommand(e), userCommand(e), keysCommand(e), auditCommand(e), backupCommand(e), restoreCommand(e), simulateCommand(e), versionCommand(e))
	strictHelp(root, st)
	return root, st
}

// group is a command that only holds subcommands: alone, it is a usage
// error that shows them.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("%w: %s needs a subcommand\n\n%s", app.ErrUsage, cmd.CommandPath(), cmd.UsageString())
		},
	}
	c.AddCommand(subs...)
	return c
}

// configure adds the configuration flags that register defines to cmd
// and runs run with the command's configuration: defaults, then the
// environment, then the flags given on the command line.
func configure(cmd *cobra.Command, register func(*app.Config, *flag.FlagSet), run func(*cobra.Command, app.Config, []string) error) {
	cmd.Flags().AddGoFlagSet(app.Flags(register))
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := app.Load(register, func(name string) (string, bool) {
			f := cmd.Flags().Lookup(name)
			if f == nil || !f.Changed {
				return "", false
			}
			return f.Value.String(), true
		})
		if err != nil {
			return err
		}
		return run(cmd, cfg, args)
	}
}

// exactArgs is cobra.ExactArgs with the argument names in the error.
func exactArgs(names string, n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%w: %s takes %s", app.ErrUsage, cmd.CommandPath(), names)
		}
		return nil
	}
}
