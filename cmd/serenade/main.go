// Command serenade is the whole Serenade platform in one binary.
//
//	serenade serve [--demo]        run the server
//	serenade migrate               apply database migrations and exit
//	serenade user add|list|disable manage local accounts
//	serenade keys rotate           replace the master key
//	serenade audit verify          check the audit trail's hash chain
//	serenade backup OUT            write an online backup (no master key in it)
//	serenade restore IN            load a backup into a new, empty database
//	serenade version               print the version
//	serenade help [COMMAND]        print a command's usage
//
// Exit codes: 0 done (help included), 1 internal error, 2 the command
// line was not understood, 3 the request was refused (invalid, not
// found, conflict), 4 the audit chain is broken.
package main

import (
	"context"
	"errors"
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

// env is what a subcommand may touch: no globals, so tests can run it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// JSON logs; records logged with a request's context carry its trace,
	// span and request ids.
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, log: telemetry.NewLogger(os.Stderr, logLevel())}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run parses the command line, runs the subcommand and maps its error to
// an exit code.
func run(ctx context.Context, e *env, args []string) int {
	root, st := newRoot(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		err = st.unknownHelp
	}
	if err != nil && !st.started && !errors.Is(err, app.ErrUsage) {
		// Cobra refused the command line (unknown command or flag, wrong
		// number of arguments) before any subcommand ran.
		err = fmt.Errorf("%w: %w", app.ErrUsage, err)
	}
	return exitCode(e, err)
}

func exitCode(e *env, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(e.stderr, "serenade:", err)
	switch {
	case errors.Is(err, app.ErrUsage):
		fmt.Fprintln(e.stderr, "Run 'serenade help' or 'serenade help COMMAND' for usage.")
		return 2
	case errors.Is(err, errChainBroken):
		return 4
	case domain.KindOf(err) == domain.KindInternal:
		return 1
	}
	return 3 // the request was refused (invalid, not found, conflict)
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("SERENADE_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
