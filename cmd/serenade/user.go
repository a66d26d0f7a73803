package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"serenade/internal/app"
	"serenade/internal/domain"
	"serenade/internal/password"
)

// roleList is a repeatable --role flag.
type roleList []domain.Role

func (r *roleList) String() string { return fmt.Sprint(*r) }
func (r *roleList) Type() string   { return "ROLE" }
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

func userCommand(e *env) *cobra.Command {
	return group("user", "manage local accounts", userAddCommand(e), userListCommand(e), userDisableCommand(e))
}

// userAddCommand creates a local account. The password comes from the
// terminal (asked twice) or from standard input, never from the command
// line, where other users and shell history would see it.
func userAddCommand(e *env) *cobra.Command {
	var roles roleList
	cmd := &cobra.Command{
		Use:   "add --role ROLE USERNAME",
		Short: "create a local account",
		Long: "Create a local account with one or more roles (dottore, iit, imt, unimi, admin).\n" +
			"The password is asked twice on a terminal, or read as one line from standard input;\n" +
			"it is never a flag.",
		Example: "  serenade user add --role dottore dottore-bruno\n  printf '%s\\n' \"$PASSWORD\" | serenade user add --role iit,imt tecnico-carla",
		Args:    exactArgs("one USERNAME", 1),
	}
	cmd.Flags().Var(&roles, "role", "role to grant (repeatable or comma-separated): dottore, iit, imt, unimi, admin")
	configure(cmd, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, args []string) error {
		if len(roles) == 0 {
			return fmt.Errorf("%w: %s needs --role", app.ErrUsage, cmd.CommandPath())
		}
		return userAdd(cmd.Context(), e, cfg, roles, args[0])
	})
	return cmd
}

func userAdd(ctx context.Context, e *env, cfg app.Config, roles []domain.Role, name string) error {
	username, err := domain.ValidateUsername(name) // before asking for a password
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

func userListCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "list local accounts with their roles and state",
		Args:  cobra.NoArgs,
	}
	configure(cmd, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, _ []string) error {
		return userList(cmd.Context(), e, cfg)
	})
	return cmd
}

func userList(ctx context.Context, e *env, cfg app.Config) error {
	var accounts []domain.Account
	err := app.ManageAccounts(ctx, cfg, e.log, func(all domain.Accounts) (err error) {
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

func userDisableCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "disable USERNAME",
		Short: "disable a local account (its sessions end at once)",
		Args:  exactArgs("one USERNAME", 1),
	}
	configure(cmd, (*app.Config).StorageFlags, func(cmd *cobra.Command, cfg app.Config, args []string) error {
		return userDisable(cmd.Context(), e, cfg, args[0])
	})
	return cmd
}

func userDisable(ctx context.Context, e *env, cfg app.Config, name string) error {
	err := app.ManageAccounts(ctx, cfg, e.log, func(accounts domain.Accounts) error {
		return accounts.DisableAccount(ctx, name)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "disabled %s\n", displayUsername(name))
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
