package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strings"

	"serenade/internal/api"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/clientip"
	"serenade/internal/consult"
	"serenade/internal/docs"
	"serenade/internal/domain"
	"serenade/internal/httplimit"
	"serenade/internal/page"
	"serenade/internal/pseudonym"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/telemetry"
)

// localIssuer is the "iss" of tokens Serenade signs for local accounts.
const localIssuer = "serenade-local"

func (o OIDCConfig) roleMap() (map[string]string, error) {
	if o.RoleMap == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, pair := range strings.Split(o.RoleMap, ",") {
		idp, role, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if _, known := domain.ParseRole(role); !ok || !known {
			return nil, fmt.Errorf("SERENADE_OIDC_ROLE_MAP: want idp-name=role pairs with roles among %v, got %q", domain.AllRoles, pair)
		}
		m[idp] = role
	}
	return m, nil
}

// authenticator verifies local tokens (signed with a key kept, wrapped,
// in the database, so replicas and restarts agree) or, when an OIDC
// issuer is configured, the provider's tokens only; the provider's
// verifier is returned too (nil without one), for readiness.
func (a *App) authenticator(ctx context.Context, db *store.DB) (*auth.Authenticator, *auth.Issuer, *auth.OIDCVerifier, error) {
	if a.cfg.OIDC.Issuer != "" {
		rm, _ := a.cfg.OIDC.roleMap()
		v, err := auth.NewOIDCVerifier(ctx, auth.OIDCConfig{
			Issuer: a.cfg.OIDC.Issuer, ClientID: a.cfg.OIDC.ClientID, Audience: a.cfg.OIDC.Audience,
			RequireAudience: a.cfg.OIDC.RequireAudience, RolesClaim: a.cfg.OIDC.RolesClaim, RoleMap: rm, Logger: a.log,
		}, a.client)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("OIDC provider %s: %w", a.cfg.OIDC.Issuer, err)
		}
		au, err := auth.NewAuthenticator(nil, v)
		return au, nil, v, err
	}
	seed := db.SigningSeed()
	issuer, err := auth.NewIssuer(ed25519.NewKeyFromSeed(seed[:]), localIssuer, 0, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	au, err := auth.NewAuthenticator(issuer, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	au.CheckAccounts(auth.NewAccountGuard(db.Account, a.cfg.Demo, a.cfg.AccountCheckTTL, nil))
	return au, issuer, nil, nil
}

// auditRecorder starts the group-committing audit writer, stopped at the
// audit stage: after the server drained, before the store closes.
// There is one writer per process (later calls return it), so that every
// entry point's entries go into one chain.
func (a *App) auditRecorder(db *store.DB) audit.Sink {
	if a.trail != nil {
		return a.trail
	}
	if a.cfg.AuditDisabledForBenchmarks {
		a.trail = noAudit{}
		return a.trail
	}
	w := audit.NewWriter(db, a.log, audit.Metrics{GroupSize: a.tel.ObserveAuditGroup, WriteSeconds: a.tel.ObserveAuditWrite, Failed: a.tel.CountAuditFailures})
	a.run.start(closer("audit writer", stageAudit, func() error { w.Close(); return nil }))
	a.trail = w
	return w
}

// noAudit records nothing; only benchmarks that measure the audit's
// cost use it.
type noAudit struct{}

func (noAudit) Record(context.Context, audit.Entry) error { return nil }

// buildHandler mounts the API and its docs.
func (a *App) buildHandler(ctx context.Context, db *store.DB) (http.Handler, *api.API, *auth.OIDCVerifier, error) {
	au, issuer, idp, err := a.authenticator(ctx, db)
	if err != nil {
		return nil, nil, nil, err
	}
	proxies, err := clientip.New(a.cfg.TrustedProxies)
	if err != nil {
		return nil, nil, nil, err
	}
	sink := a.auditRecorder(db)
	rest := api.New(api.Deps{
		Study: service.New(db), Accounts: service.NewAccounts(db), LoginTrust: db, Auth: au, Issuer: issuer, Pseudonyms: pseudonym.New(db.PseudonymKey()), Cursors: page.NewCursors(db.PseudonymKey(), db.Now),
		Audit: sink, AuditLog: db, Ingest: a.ingestService(db, sink), Sensors: consult.New(db), Health: service.NewHealth(db, a.cfg.Silence.rule()), RequestID: telemetry.RequestID, TraceID: telemetry.TraceID,
		Log: a.log, MaxDocumentSize: a.cfg.MaxDocumentSize, MaxUploadMemory: a.cfg.MaxUploadMemory, Demo: a.cfg.Demo, Version: a.cfg.Version,
		ClientAddr: proxies.Request, HashSlots: a.cfg.MaxPasswordChecks, HashSlotWait: a.cfg.PasswordSlotWait, BodyReadTimeout: a.cfg.BodyReadTimeout,
	})
	ui, err := a.webUI(ctx, db, rest, au, proxies, issuer != nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("web UI: %w", err)
	}
	return dispatch(rest, rest.IngestHandler(), docs.Handler(api.Prefix+"/openapi.json"), ui), rest, idp, nil
}

// named serves h under a fixed route name (for subtree patterns such as
// /docs/, whose paths name no route by themselves).
func named(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.SetRoute(r.Context(), route)
		h.ServeHTTP(w, r)
	})
}

// dispatch sends every path under /ingest/v1/ to the ingest handler
// (gateways, ingest tokens), the docs' routes to the docs, canonical
// paths outside /api/ to the web UI (pages and assets), and every other
// request to the API, whose guard answers unknown and non-canonical paths with an
// audited 404 problem. It is not a ServeMux on purpose: a ServeMux answers
// a path such as /api/v1, //x or /x/../y with a redirect of its own, which
// would be neither audited nor a problem, nor carry no-store and nosniff.
func dispatch(rest, ingestHandler http.Handler, docsMux *http.ServeMux, ui http.Handler) http.Handler {
	docsHandler := named("/docs", httplimit.Headers(docsMux))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, api.IngestPrefix) {
			ingestHandler.ServeHTTP(w, r)
			return
		}
		if api.CanonicalPath(r) {
			if _, pattern := docsMux.Handler(r); pattern != "" {
				docsHandler.ServeHTTP(w, r)
				return
			}
			if webPath(r.URL.Path) {
				ui.ServeHTTP(w, r) // names its own routes
				return
			}
		}
		rest.ServeHTTP(w, r)
	})
}

// webPath reports whether a canonical path is the web UI's: anything
// but the API (/api and below), ingest and the docs.
func webPath(p string) bool {
	return p != "/api" && !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/ingest/") && p != "/docs" && !strings.HasPrefix(p, "/docs/")
}
