// Command serenade is the whole Serenade platform in one binary.
//
//	serenade serve [--demo]        run the server
//	serenade migrate               apply database migrations and exit
//	serenade user add|list|disable manage local accounts
//	serenade keys rotate           replace the master key
//	serenade audit verify          check the audit trail's hash chain
//	serenade version               print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"serenade/internal/app"
	"serenade/internal/domain"
	"serenade/internal/telemetry"
)

// command is one subcommand.
type command struct {
	name, usage string
	run         func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may touch: no globals, so tests can run it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

var commands = []command{
	{"serve", "run the server (--demo seeds demo data into an empty database)", runServe},
	{"migrate", "apply database migrations and exit", runMigrate},
	{"user", "manage local accounts: user add|list|disable", runUser},
	{"keys", "manage encryption keys: keys rotate", runKeys},
	{"audit", "check the audit trail: audit verify", runAudit},
	{"version", "print the version", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// JSON logs; records logged with a request's context carry its trace,
	// span and request ids.
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, log: telemetry.NewLogger(os.Stderr, logLevel())}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run dispatches to a subcommand and maps its error to an exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		return 2
	}
	for _, c := range commands {
		if c.name == args[0] {
			return exitCode(e, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "serenade: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func exitCode(e *env, err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.Is(err, app.ErrUsage):
		fmt.Fprintln(e.stderr, "serenade:", err)
		return 2
	case errors.Is(err, errChainBroken):
		fmt.Fprintln(e.stderr, "serenade:", err)
		return 4
	}
	fmt.Fprintln(e.stderr, "serenade:", err)
	if domain.KindOf(err) == domain.KindInternal {
		return 1
	}
	return 3 // the request was refused (invalid, not found, conflict)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: serenade <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nConfiguration: flags or SERENADE_* variables; see the README.")
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("SERENADE_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
