package web

import (
	"net/http"
	"net/url"

	"serenade/internal/access"
	"serenade/internal/view"
)

// tokenRoutes are an installation's ingest tokens: provision (the token
// is shown once, on the page the post answers) and revoke.
func (s *Server) tokenRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/tokens", Action: access.IngestTokenWrite, Handler: s.tokenProvision},
		{Method: http.MethodPost, Pattern: "/field/installations/{installation}/tokens/{token}/revoke", Action: access.IngestTokenWrite, Handler: s.tokenRevoke},
	}
}

// loadTokens reads an installation's ingest tokens for a caller who may
// manage them.
func (s *Server) loadTokens(c *Client, base string, d *fieldInstallationData) error {
	if !d.Can.Tokens {
		return nil
	}
	var out struct {
		Tokens []view.IngestTokenView `json:"tokens"`
	}
	if err := c.Get(base+"/ingest-tokens", nil, &out); err != nil {
		return err
	}
	d.Tokens = out.Tokens
	return nil
}

// tokenProvision provisions a token and renders the installation's page
// with it, this once: it is never in a URL, and the page is not cached
// (Cache-Control: no-store on every page).
func (s *Server) tokenProvision(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	var tok view.ProvisionedTokenView
	if err := s.client(r).Do(http.MethodPost, "/installations/"+url.PathEscape(ref)+"/ingest-tokens", nil, &tok); err != nil {
		return s.formFailed(w, r, ref, "tokens", "field.refused.token", err)
	}
	d, err := s.loadInstallation(r, ref)
	if err != nil {
		return err
	}
	d.NewToken = tok.Token
	return s.render(w, http.StatusOK, "field_installation", s.page(r, "field.installation.title", d))
}

// tokenRevoke revokes a token.
func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("installation")
	path := "/installations/" + url.PathEscape(ref) + "/ingest-tokens/" + url.PathEscape(r.PathValue("token"))
	if err := s.client(r).Do(http.MethodDelete, path, nil, nil); err != nil {
		return err
	}
	return backTo(w, r, ref, "token_revoked", "tokens")
}
