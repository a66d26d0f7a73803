package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// commandPaths walks the command tree: every subcommand the binary has.
func commandPaths(c *cobra.Command) [][]string {
	var out [][]string
	for _, sub := range c.Commands() {
		if sub.Name() == "help" {
			continue
		}
		out = append(out, []string{sub.Name()})
		for _, p := range commandPaths(sub) {
			out = append(out, append([]string{sub.Name()}, p...))
		}
	}
	return out
}

// Every subcommand prints its own usage and exits 0 for `CMD --help`,
// `CMD -h` and `help CMD`, and has a one-line summary.
func TestEveryCommandHasHelp(t *testing.T) {
	root, _ := newRoot(&env{})
	paths := commandPaths(root)
	if len(paths) < 10 { // serve migrate user(add list disable) keys(rotate) audit(verify) version
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	for _, p := range paths {
		name := strings.Join(p, " ")
		for _, args := range [][]string{append(append([]string{}, p...), "--help"), append(append([]string{}, p...), "-h"), append([]string{"help"}, p...)} {
			code, out := cli(t, nil, "", args...)
			if code != 0 {
				t.Errorf("%v: exit %d, want 0\n%s", args, code, out)
			}
			if !strings.Contains(out, "Usage:\n  serenade "+name) {
				t.Errorf("%v: no usage of %q in\n%s", args, name, out)
			}
		}
		if c, _, err := root.Find(p); err != nil || c.Short == "" {
			t.Errorf("%s has no summary", name)
		}
	}
}

// Help of a command that reads the configuration shows its flags with the
// variables they override.
func TestHelpShowsConfigurationFlags(t *testing.T) {
	for _, cmd := range [][]string{{"serve"}, {"migrate"}, {"user", "add"}, {"keys", "rotate"}, {"audit", "verify"}} {
		code, out := cli(t, nil, "", append(cmd, "--help")...)
		if code != 0 || !strings.Contains(out, "--database-url") || !strings.Contains(out, "SERENADE_DATABASE_URL") {
			t.Errorf("%v --help: exit %d\n%s", cmd, code, out)
		}
	}
	if _, out := cli(t, nil, "", "serve", "--help"); !strings.Contains(out, "--demo") {
		t.Errorf("serve --help does not show --demo:\n%s", out)
	}
}

// A command line that cannot be understood exits 2 and says why.
func TestUsageErrorsExitTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		says string
	}{
		{nil, "a command is needed"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"user"}, "needs a subcommand"},
		{[]string{"user", "rename", "x"}, `unknown command "rename"`},
		{[]string{"keys"}, "needs a subcommand"},
		{[]string{"serve", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"user", "disable"}, "takes one USERNAME"},
		{[]string{"user", "add", "carla"}, "needs --role"},
		{[]string{"version", "extra"}, "unknown command"},
		{[]string{"nosuch", "--help"}, `unknown command "nosuch" for "serenade"`},
		{[]string{"nosuch", "-h"}, `unknown command "nosuch" for "serenade"`},
		{[]string{"help", "nosuch"}, `unknown command "nosuch" for "serenade"`},
		{[]string{"user", "nosuch", "--help"}, `unknown command "nosuch" for "serenade user"`},
		{[]string{"help", "user", "nosuch"}, `unknown command "nosuch" for "serenade user"`},
		{[]string{"help", "keys", "rotate", "extra"}, `unknown command "extra" for "serenade keys rotate"`},
	} {
		code, out := cli(t, nil, "", c.args...)
		if code != 2 || !strings.Contains(out, c.says) {
			t.Errorf("%v: exit %d, want 2 saying %q\n%s", c.args, code, c.says, out)
		}
		if asksHelp(c.args) && strings.Contains(out, "Usage:") {
			t.Errorf("%v: prints a usage as if it were help:\n%s", c.args, out)
		}
	}
}

// asksHelp reports a command line asking for help (the help command or flag).
func asksHelp(args []string) bool {
	return len(args) > 0 && args[0] == "help" || slices.Contains(args, "--help") || slices.Contains(args, "-h")
}

// The root's help, as a flag or the help command alone, exits 0.
func TestRootHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		if code, out := cli(t, nil, "", args...); code != 0 || !strings.Contains(out, "Usage:\n  serenade") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}
