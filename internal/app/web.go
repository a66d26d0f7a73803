package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"serenade/internal/api"
	"serenade/internal/auth"
	"serenade/internal/clientip"
	"serenade/internal/store"
	"serenade/internal/web"
)

// webSessionSweep is how often expired web sessions are deleted.
const webSessionSweep = 10 * time.Minute

// webUI builds the web UI on the API, in process.
func (a *App) webUI(ctx context.Context, db *store.DB, rest *api.API, au *auth.Authenticator, proxies *clientip.Resolver, local bool) (*web.Server, error) {
	d := web.Deps{
		API: rest, Sessions: db, Audit: a.auditRecorder(db), ClientAddr: proxies.Request,
		Secure: func(r *http.Request) bool {
			return r.TLS != nil || (proxies.TrustedPeer(r.RemoteAddr) && r.Header.Get("X-Forwarded-Proto") == "https")
		},
		MinParticipantAge: a.cfg.MinParticipantAge,
		IdleTimeout:       a.cfg.Web.IdleTimeout, MaxAge: a.cfg.Web.MaxAge, LocalLogin: local, Log: a.log,
	}
	if a.cfg.OIDC.Issuer != "" {
		o, err := a.webOIDC(ctx, db, au)
		if err != nil {
			return nil, err
		}
		d.OIDC = o
	}
	s, err := web.New(d)
	if err != nil {
		return nil, err
	}
	a.run.start(runner{name: "web session sweep", stage: stageWorkers, run: func(ctx context.Context) error {
		t := time.NewTicker(webSessionSweep)
		defer t.Stop()
		for {
			if _, err := s.ExpireSessions(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("deleting expired web sessions failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}})
	return s, nil
}

// webOIDCLabel separates the key of the OIDC login cookie from every
// other use of the pseudonym key.
const webOIDCLabel = "serenade web oidc login cookie v1"

// webOIDC is the browser login with the configured provider.
func (a *App) webOIDC(ctx context.Context, db *store.DB, au *auth.Authenticator) (*web.OIDCLogin, error) {
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, a.client), a.cfg.OIDC.Issuer)
	if err != nil {
		return nil, err
	}
	key := db.PseudonymKey()
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(webOIDCLabel))
	name := a.cfg.Web.ProviderName
	if name == "" {
		name = "OpenID Connect"
	}
	return &web.OIDCLogin{Name: name, Issuer: a.cfg.OIDC.Issuer, Provider: p, ClientID: a.cfg.OIDC.ClientID, ClientSecret: a.cfg.OIDC.ClientSecret,
		AccessToken: au.AuthenticateToken, CookieKey: m.Sum(nil), Client: a.client, Scopes: strings.Fields(a.cfg.Web.Scopes)}, nil
}
