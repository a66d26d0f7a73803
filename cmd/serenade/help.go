package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"serenade/internal/app"
)

// runState is what one run learns while cobra executes it.
type runState struct {
	// started turns true once a subcommand passed parsing: an error
	// before that is a usage error.
	started bool
	// unknownHelp is set when help was asked of a command that does not
	// exist ("serenade nosuch --help"): cobra would print the help of the
	// nearest command and succeed; the run fails with it instead.
	unknownHelp error
}

// strictHelp makes help of a command that does not exist a usage error
// (exit 2, as any command line not understood), both as a flag
// ("serenade nosuch --help", "serenade user nosuch -h") and as the help
// command ("serenade help nosuch"); help of an existing command is
// cobra's. A command with subcommands takes no arguments of its own, so
// a word left over after finding it names no command.
func strictHelp(root *cobra.Command, st *runState) {
	show := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if rest := c.Flags().Args(); c.HasSubCommands() && len(rest) > 0 {
			st.unknownHelp = unknownCommand(c, rest[0])
			return
		}
		show(c, args)
	})
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help prints the usage of any command: serenade help COMMAND [SUBCOMMAND].",
		RunE: func(_ *cobra.Command, args []string) error {
			c, rest, err := root.Find(args)
			switch {
			case err != nil:
				return fmt.Errorf("%w: %w", app.ErrUsage, err)
			case len(rest) > 0:
				return unknownCommand(c, rest[0])
			}
			return c.Help()
		},
	})
}

// unknownCommand is the usage error of a word that is no subcommand of c.
func unknownCommand(c *cobra.Command, word string) error {
	return fmt.Errorf("%w: unknown command %q for %q", app.ErrUsage, word, c.CommandPath())
}
