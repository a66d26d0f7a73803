package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/go-json-experiment/json/jsontext"

	"serenade/internal/domain"
)

// DefaultRolesClaim is where Keycloak puts realm roles.
const DefaultRolesClaim = "realm_access.roles"

// DefaultOIDCLeeway is the clock skew tolerated on exp, nbf and iat of
// provider tokens.
const DefaultOIDCLeeway = 30 * time.Second

// oidcAlgorithms is the signature allow-list for provider tokens: public
// key algorithms only. HMAC is excluded because its "key" would be shared
// with the provider (and an HS256 token keyed with a public key is the
// classic algorithm-confusion attack); "none" is never accepted.
var oidcAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// OIDCConfig configures verification of access tokens from an external
// OpenID Connect provider.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL, exactly as in its tokens.
	Issuer string
	// ClientID is Serenade's client at the provider. A token whose "azp"
	// (authorized party) is this client is accepted whatever its "aud":
	// Keycloak does not put the client in "aud" unless told to.
	ClientID string
	// Audience, when in the token's "aud", makes it acceptable. Defaults
	// to ClientID, which is where Dex puts the client.
	Audience string
	// RequireAudience makes "aud" the only test: a token whose "azp" is
	// ClientID but whose "aud" lacks Audience is refused. Set it when the
	// provider puts Serenade's audience in its access tokens (Keycloak
	// with an audience mapper, as the shipped realm has; Entra ID): a
	// token Serenade's client obtained for another service then stays
	// that service's.
	RequireAudience bool
	// RolesClaim is the path of the roles array in the token: dotted, e.g.
	// "realm_access.roles" (Keycloak, the default) or "groups", or a JSON
	// Pointer, e.g. "/resource_access/serenade.api/roles" for the roles of
	// a Keycloak client whose id has dots in it. A claim whose own name
	// contains dots is found by the dotted form too, at the top level.
	RolesClaim string
	// RoleMap maps provider role names to Serenade role names. When empty,
	// names map to themselves. When set, only the names it lists count, so
	// that a provider group that happens to be called "admin" grants
	// nothing unless mapped on purpose.
	RoleMap map[string]string
	// Leeway is the tolerated clock skew; 0 means DefaultOIDCLeeway.
	Leeway time.Duration
	// KeyRefetchInterval is the least time between two JWKS refetches
	// caused by unknown key ids; 0 means DefaultKeyRefetchInterval.
	KeyRefetchInterval time.Duration
	// Logger receives what an operator must see to fix the provider's
	// configuration: a signed token refused for a missing claim, a key
	// whose certificate cannot be used. nil means slog.Default().
	Logger *slog.Logger
}

// OIDCVerifier verifies access tokens of one OpenID Connect provider
// locally, against the provider's cached JWKS.
type OIDCVerifier struct {
	cfg      OIDCConfig
	verifier *oidc.IDTokenVerifier
	keys     *keySet
	now      func() time.Time
}

// NewOIDCVerifier discovers the provider and loads its keys, so that a
// wrong issuer URL or an unreachable provider stops the server at start
// rather than failing every login later. httpClient makes every call to
// the provider (discovery, keys, refetches): the caller chooses its
// timeouts and transport, so nothing rides on the process-wide
// http.DefaultClient. ctx bounds only the start-up requests.
func NewOIDCVerifier(ctx context.Context, cfg OIDCConfig, httpClient *http.Client) (*OIDCVerifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if httpClient == nil {
		return nil, errors.New("auth: OIDC verification needs an HTTP client")
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, httpClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: OIDC discovery for %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		JWKSURL string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURL == "" {
		return nil, fmt.Errorf("auth: OIDC discovery for %s: no jwks_uri", cfg.Issuer)
	}
	keys := newKeySet(meta.JWKSURL, httpClient, oidcAlgorithms, cfg.KeyRefetchInterval, cfg.Logger)
	if err := keys.load(ctx); err != nil {
		return nil, fmt.Errorf("auth: OIDC keys for %s: %w", cfg.Issuer, err)
	}
	return &OIDCVerifier{cfg: cfg, verifier: newTokenVerifier(cfg.Issuer, keys), keys: keys, now: time.Now}, nil
}

// newTokenVerifier leaves to go-oidc the algorithm allow-list, signature
// and issuer checks. Audience is checked here because go-oidc looks at
// "aud" only, never "azp"; times are checked here because go-oidc has no
// leeway on exp and a fixed five minutes on nbf.
func newTokenVerifier(issuer string, keys *keySet) *oidc.IDTokenVerifier {
	algs := make([]string, len(oidcAlgorithms))
	for i, a := range oidcAlgorithms {
		algs[i] = string(a)
	}
	return oidc.NewVerifier(issuer, keys, &oidc.Config{
		SupportedSigningAlgs: algs,
		SkipClientIDCheck:    true,
		SkipExpiryCheck:      true,
	})
}

func (cfg OIDCConfig) withDefaults() (OIDCConfig, error) {
	if cfg.Issuer == "" {
		return cfg, errors.New("auth: OIDC issuer must be set")
	}
	if cfg.Audience == "" {
		cfg.Audience = cfg.ClientID
	}
	if cfg.Audience == "" {
		return cfg, errors.New("auth: OIDC client id or audience must be set")
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = DefaultRolesClaim
	}
	if !validClaimPath(cfg.RolesClaim) {
		return cfg, fmt.Errorf("auth: OIDC roles claim %q: want a dotted path (realm_access.roles) or a JSON Pointer (/resource_access/serenade.api/roles)", cfg.RolesClaim)
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = DefaultOIDCLeeway
	}
	if cfg.KeyRefetchInterval <= 0 {
		cfg.KeyRefetchInterval = DefaultKeyRefetchInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for from, to := range cfg.RoleMap {
		if _, ok := domain.ParseRole(to); !ok {
			return cfg, fmt.Errorf("auth: OIDC role map: %q maps to unknown role %q", from, to)
		}
	}
	return cfg, nil
}

// Ready is nil unless a signing key the provider published cannot be
// used (a certificate Go refuses and no key material besides it): then
// the tokens it signs are all refused, and the error names the key so
// that readiness says why.
func (v *OIDCVerifier) Ready() error { return v.keys.ready() }

// Issuer is the issuer URL whose tokens the verifier accepts.
func (v *OIDCVerifier) Issuer() string { return v.cfg.Issuer }

// oidcClaims are the claims read besides the roles.
type oidcClaims struct {
	jwt.Claims
	AuthorizedParty   string `json:"azp"`
	Type              string `json:"typ"` // Keycloak: Bearer (access), ID, Refresh, Logout
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
	Name              string `json:"name"`
}

// verify checks a provider access token and returns its principal.
//
// A token without the roles claim at all is refused as unauthenticated,
// while one whose roles are all unknown yields a principal with no roles
// (which authorisation then forbids). A missing claim most likely means
// the provider or client is misconfigured (wrong claim path, mapper or
// scope missing), and failing at authentication makes that visible at the
// first login instead of as a puzzling 403 for everyone. Note that Dex
// omits "groups" for a user in no group, so such a user is refused too.
// It returns the token's principal and expiry.
func (v *OIDCVerifier) verify(ctx context.Context, rawToken string) (domain.Principal, time.Time, error) {
	tok, err := v.verifier.Verify(ctx, rawToken)
	if err != nil {
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	var payload map[string]any
	var c oidcClaims
	if tok.Claims(&payload) != nil || tok.Claims(&c) != nil {
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	if c.Subject == "" {
		v.missingClaim(ctx, "sub", c)
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	if err := validateTimes(c.Claims, v.now(), v.cfg.Leeway); err != nil {
		return domain.Principal{}, time.Time{}, err
	}
	if !v.audienceOK(c) {
		return domain.Principal{}, time.Time{}, errWrongAudience()
	}
	if !bearerTyped(c.Type) {
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	value, ok := claimValue(payload, v.cfg.RolesClaim)
	if !ok {
		v.missingClaim(ctx, v.cfg.RolesClaim, c)
		return domain.Principal{}, time.Time{}, errNoRolesClaim()
	}
	names, err := claimStrings(value)
	if err != nil {
		return domain.Principal{}, time.Time{}, err
	}
	return domain.Principal{Subject: c.Subject, Username: username(c), Roles: rolesFromNames(names, v.cfg.RoleMap)}, c.Expiry.Time(), nil
}

// bearerTyped reports whether a token's "typ" claim allows its use
// as an access token: absent (Dex and others write none) or Keycloak's
// "Bearer". Keycloak signs its ID tokens ("ID") with the same key and
// for the same client, with "aud" the client id, so without this check
// an ID token (which a browser holds and may leak to scripts) would be
// accepted as an access token wherever the roles mapper also adds the
// roles to ID tokens.
func bearerTyped(typ string) bool {
	return typ == "" || strings.EqualFold(typ, "Bearer")
}

// missingClaim logs that a token the provider signed lacks a claim
// Serenade needs, naming the claim and where the token came from (its
// subject when it has one, its client), never the token: the provider or
// its client mappers are misconfigured, and only the log can say how.
func (v *OIDCVerifier) missingClaim(ctx context.Context, claim string, c oidcClaims) {
	v.cfg.Logger.WarnContext(ctx, "OIDC token refused: a claim Serenade needs is missing",
		"claim", claim, "sub", c.Subject, "azp", c.AuthorizedParty, "issuer", v.cfg.Issuer)
}

func (v *OIDCVerifier) audienceOK(c oidcClaims) bool {
	if slices.Contains(c.Audience, v.cfg.Audience) {
		return true
	}
	return !v.cfg.RequireAudience && v.cfg.ClientID != "" && c.AuthorizedParty == v.cfg.ClientID
}

// username is the first of the provider's names that passes the text
// policy of a single-line field, normalised: a name with a control, bidi
// or invisible character would show in the audit trail as someone else,
// or forge a line, so the next name is recorded instead, and finally the
// subject, quoted in ASCII if it does not pass either.
func username(c oidcClaims) string {
	for _, s := range []string{c.PreferredUsername, c.Email, c.Name, c.Subject} {
		if clean, err := domain.ExternalNameText.Clean("username", s); err == nil {
			return clean
		}
	}
	return strconv.QuoteToASCII(c.Subject)
}

// claimStrings returns the strings of a claim's value: a string array,
// or a single string taken as a one-element array, as some providers
// emit for a single group. A value of another shape is an invalid token.
func claimStrings(value any) ([]string, error) {
	switch v := value.(type) {
	case string:
		return []string{v}, nil
	case []any:
		names := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				names = append(names, s)
			}
		}
		return names, nil
	}
	return nil, errInvalidToken()
}

// claimValue finds the claim a path names. A path starting with "/" is
// a JSON Pointer (RFC 6901), which can name any key: Keycloak puts a
// client's roles under resource_access.<client id>.roles, and a client
// id such as "serenade.api" has a dot in it, so
// "/resource_access/serenade.api/roles" names them where no dotted path
// can. Any other path is dotted, and a top-level name with dots in it is
// found too.
func claimValue(claims map[string]any, path string) (any, bool) {
	if strings.HasPrefix(path, "/") {
		return lookupPath(claims, slices.Collect(jsontext.Pointer(path).Tokens()))
	}
	if value, ok := claims[path]; ok {
		return value, true
	}
	return lookupPath(claims, strings.Split(path, "."))
}

// validClaimPath reports whether path can name a claim: a well-formed
// JSON Pointer to something below the top, or a dotted path without
// empty names.
func validClaimPath(path string) bool {
	if strings.HasPrefix(path, "/") {
		return jsontext.Pointer(path).IsValid()
	}
	return !slices.Contains(strings.Split(path, "."), "")
}

func lookupPath(claims map[string]any, path []string) (any, bool) {
	var cur any = claims
	for _, key := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[key]; !ok {
			return nil, false
		}
	}
	return cur, true
}
