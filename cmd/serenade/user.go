package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"serenade/internal/app"
	"serenade/internal/domain"
	"serenade/internal/password"
)

// roleList is a repeatable --role flag.
type roleList []domain.Role

func (r *roleList) String() string { return fmt.Sprint(*r) }
func (r *roleList) Set(s string) error {
	for _, name := range strings.Split(s, ",") {
		role, ok := domain.ParseRole(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("unknown role %q (want one of %v)", name, domain.AllRoles)
		}
		*r = append(*r, role)
	}
	return nil
}

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: serenade user add|list|disable", app.ErrUsage)
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, e, args[1:])
	case "list":
		return userList(ctx, e, args[1:])
	case "disable":
		return userDisable(ctx, e, args[1:])
	}
	return fmt.Errorf("%w: unknown user command %q (add, list, disable)", app.ErrUsage, args[0])
}

// userAdd creates a local account. The password comes from the terminal
// (asked twice) or from standard input, never from the command line,
// where other users and shell history would see it.
func userAdd(ctx context.Context, e *env, args []string) error {
	var roles roleList
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.Var(&roles, "role", "role to grant (repeatable or comma-separated): dottore, iit, imt, unimi, admin")
	cfg, err := app.Load(fs, args, (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 || len(roles) == 0 {
		return fmt.Errorf("%w: serenade user add --role ROLE USERNAME (password on stdin or prompt)", app.ErrUsage)
	}
	username, err := domain.ValidateUsername(fs.Arg(0)) // before asking for a password
	if err != nil {
		return err
	}
	pw, err := readPassword(e)
	if err != nil {
		return err
	}
	if err := password.Check(pw); err != nil {
		return domain.Invalid("password", "%s", err.Error())
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	return app.ManageAccounts(ctx, cfg, e.log, func(accounts domain.Accounts) error {
		a, err := accounts.CreateAccount(ctx, domain.Account{Username: username, Roles: roles, PasswordHash: hash})
		if err == nil {
			fmt.Fprintf(e.stdout, "created %s with roles %v\n", a.Username, a.Roles)
		}
		return err
	})
}

func readPassword(e *env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords do not match")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func userList(ctx context.Context, e *env, args []string) error {
	cfg, err := app.Load(flag.NewFlagSet("user list", flag.ContinueOnError), args, (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	var accounts []domain.Account
	err = app.ManageAccounts(ctx, cfg, e.log, func(all domain.Accounts) (err error) {
		accounts, err = all.ListAccounts(ctx)
		return err
	})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLES\tSTATE\tCREATED")
	for _, a := range accounts {
		state := "active"
		switch {
		case a.DisabledAt != nil:
			state = "disabled"
		case a.Demo:
			state = "demo"
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", displayUsername(a.Username), a.Roles, state, a.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

func userDisable(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("user disable", flag.ContinueOnError)
	cfg, err := app.Load(fs, args, (*app.Config).StorageFlags)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: serenade user disable USERNAME", app.ErrUsage)
	}
	err = app.ManageAccounts(ctx, cfg, e.log, func(accounts domain.Accounts) error {
		return accounts.DisableAccount(ctx, fs.Arg(0))
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "disabled %s\n", displayUsername(fs.Arg(0)))
	return nil
}

// displayUsername shows a username as is when it has the shape every new
// username has, and quoted in ASCII otherwise (accounts created before
// the rule): a control character, a line break or a look-alike letter
// then shows as an escape instead of forging a line or another name.
func displayUsername(u string) string {
	if domain.IsCanonicalUsername(u) {
		return u
	}
	return strconv.QuoteToASCII(u)
}
