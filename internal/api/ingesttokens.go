package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/resource"
	"serenade/internal/view"
)

// IngestTokens manages installations' ingest tokens (ingest.Service).
type IngestTokens interface {
	Provision(ctx context.Context, installationID int64) (ingest.Provisioned, error)
	Tokens(ctx context.Context, installationID int64) ([]domain.IngestToken, error)
	Revoke(ctx context.Context, installationID, tokenID int64) (domain.IngestToken, error)
}

// ingestTokenRef is an installation's {token} path parameter.
type ingestTokenRef struct {
	InstallationRef
	Token   string `path:"token" doc:"The caller's reference of the ingest token (from the list or the provisioning answer)."`
	tokenID int64  // resolved before the handler runs (refs.go)
}

func (r *ingestTokenRef) refs() []ref {
	return append(r.InstallationRef.refs(), ref{resource.IngestToken, r.Token, &r.tokenID})
}

type provisionedOutput struct {
	Body view.ProvisionedTokenView
}

type ingestTokenOutput struct{ Body view.IngestTokenView }

type ingestTokenListOutput struct {
	Body struct {
		Tokens []view.IngestTokenView `json:"tokens"`
	}
}

func (a *API) registerIngestTokens() {
	if a.deps.Ingest == nil {
		return
	}
	tags := []string{"sensor ingest"}
	path := "/installations/{installation}/ingest-tokens"
	register(a, access.IngestTokenWrite, huma.Operation{OperationID: "provision-ingest-token", Method: http.MethodPost, Path: path, Tags: tags,
		Summary: "Provision an ingest token for the installation's gateway", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusNotFound, http.StatusConflict},
		// A token has no address of its own: Location is the list of the
		// installation's tokens, where it shows (without its secret).
		Metadata: map[string]any{metaLocation: "/installations/{installation}/ingest-tokens"},
		Description: "The answer holds the token, shown this once: Serenade keeps only its SHA-256. The gateway sends it as " +
			"`Authorization: Bearer` to `/ingest/v1/readings`; it writes this installation's streams only. A withdrawn patient's installation takes no token (409)."},
		a.provisionIngestToken)
	register(a, access.IngestTokenWrite, huma.Operation{OperationID: "list-ingest-tokens", Method: http.MethodGet, Path: path, Tags: tags,
		Summary: "List the installation's ingest tokens", Errors: []int{http.StatusNotFound},
		Description: "Live and revoked tokens, never the tokens themselves."}, a.listIngestTokens)
	register(a, access.IngestTokenWrite, huma.Operation{OperationID: "revoke-ingest-token", Method: http.MethodDelete, Path: path + "/{token}", Tags: tags,
		Summary: "Revoke an ingest token", Errors: []int{http.StatusNotFound},
		Description: "Every later use of the token is refused (401) and audited. Revoking a revoked token changes nothing."},
		a.revokeIngestToken)
}

func (a *API) provisionIngestToken(ctx context.Context, in *InstallationRef) (*provisionedOutput, error) {
	p, err := a.deps.Ingest.Provision(ctx, in.id)
	if err != nil {
		return nil, err
	}
	return &provisionedOutput{Body: view.ProvisionedTokenView{IngestTokenView: a.viewer(ctx).IngestToken(p.IngestToken), Token: p.Token}}, nil
}

func (a *API) listIngestTokens(ctx context.Context, in *InstallationRef) (*ingestTokenListOutput, error) {
	toks, err := a.deps.Ingest.Tokens(ctx, in.id)
	if err != nil {
		return nil, err
	}
	v := a.viewer(ctx)
	out := &ingestTokenListOutput{}
	out.Body.Tokens = make([]view.IngestTokenView, len(toks))
	for i, t := range toks {
		out.Body.Tokens[i] = v.IngestToken(t)
	}
	v.OrderIngestTokens(out.Body.Tokens)
	return out, nil
}

func (a *API) revokeIngestToken(ctx context.Context, in *ingestTokenRef) (*ingestTokenOutput, error) {
	t, err := a.deps.Ingest.Revoke(ctx, in.InstallationRef.id, in.tokenID)
	if err != nil {
		return nil, err
	}
	return &ingestTokenOutput{Body: a.viewer(ctx).IngestToken(t)}, nil
}
