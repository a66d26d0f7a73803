package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/resource"
)

// AccountOut is a local account as the admin's accounts list shows it:
// never its password hash.
type AccountOut struct {
	Username   string     `json:"username"`
	Roles      []string   `json:"roles"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty" doc:"When the account was disabled; absent while it may log in."`
	Demo       bool       `json:"demo" doc:"A demo account (serve --demo), which logs in only in demo mode."`
}

type accountListOutput struct {
	Body struct {
		Accounts []AccountOut `json:"accounts"`
	}
}

// registerAccounts declares the accounts list: read-only (accounts are
// created and disabled on the host with serenade user, see account.manage).
func (a *API) registerAccounts() {
	register(a, access.AccountRead, huma.Operation{OperationID: "list-accounts", Method: http.MethodGet, Path: "/accounts", Tags: []string{"accounts"},
		Summary: "List the local accounts",
		Description: "Every local account by username: roles, creation, whether disabled. Accounts are managed on the host (serenade user); " +
			"accounts of an external identity provider are not listed.",
		Metadata: map[string]any{metaResource: resource.Account}},
		func(ctx context.Context, _ *struct{}) (*accountListOutput, error) {
			accs, err := a.deps.Accounts.ListAccounts(ctx)
			if err != nil {
				return nil, err
			}
			out := &accountListOutput{}
			out.Body.Accounts = make([]AccountOut, len(accs))
			for i, acc := range accs {
				roles := make([]string, len(acc.Roles))
				for j, r := range acc.Roles {
					roles[j] = string(r)
				}
				out.Body.Accounts[i] = AccountOut{Username: acc.Username, Roles: roles, CreatedAt: acc.CreatedAt.UTC(), DisabledAt: acc.DisabledAt, Demo: acc.Demo}
			}
			return out, nil
		})
}
