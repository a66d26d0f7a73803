package api

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/auth"
	"serenade/internal/domain"
	"serenade/internal/httplimit"
	"serenade/internal/password"
	"serenade/internal/resource"
	"serenade/internal/telemetry"
)

// publicOp marks operations that need no token (login).
const publicOp = "public"

// metaAction carries an operation's access.Action to authenticate.
const metaAction = "action"

// authenticate puts the caller's principal in the context. Public
// operations pass without a token; every other one needs a valid token
// whose roles the access matrix allows, checked here, before huma reads
// and validates the input: a refused caller learns nothing from
// validation errors and cannot make the server read an upload.
func (a *API) authenticate(ctx huma.Context, next func(huma.Context)) {
	telemetry.SetRoute(ctx.Context(), ctx.Operation().Path) // names the request's span and metrics
	r, _ := humago.Unwrap(ctx)
	ctx = huma.WithValue(ctx, clientAddrKey{}, a.deps.ClientAddr(r))
	if ctx.Operation().Metadata[publicOp] == true {
		next(ctx)
		return
	}
	p, err := a.deps.Auth.Authenticate(ctx.Context(), r)
	ev := a.newEvent(ctx, p)
	if err != nil && domain.KindOf(err) == domain.KindInternal {
		// The token's account could not be checked: fail closed.
		a.deps.Log.ErrorContext(ctx.Context(), "authentication failed", "err", err)
		a.refuse(ctx, ev, http.StatusServiceUnavailable, "cannot check the token's account now: try again")
		return
	}
	if err != nil {
		a.refuse(ctx, ev, http.StatusUnauthorized, errMessage(err))
		return
	}
	if action, _ := ctx.Operation().Metadata[metaAction].(access.Action); !access.Allows(p.Roles, action) {
		a.refuse(ctx, ev, http.StatusForbidden, "your roles do not allow "+string(action))
		return
	}
	ctx = huma.WithValue(ctx, auditEventKey{}, ev)
	next(huma.WithContext(ctx, domain.WithPrincipal(ctx.Context(), p)))
}

// refuse records a refused request, then answers it; if the trail
// cannot be written the answer is 503 instead. A 401 names the scheme to
// authenticate with (RFC 6750 §3); a 503 does not.
func (a *API) refuse(ctx huma.Context, ev *audit.Event, status int, msg string) {
	if err := a.rec.Record(ctx.Context(), ev, status); err != nil {
		status, msg = http.StatusServiceUnavailable, errAuditUnavailable().Error()
	}
	if status == http.StatusUnauthorized {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="serenade"`)
	}
	_ = huma.WriteErr(a.huma, ctx, status, msg)
}

func errMessage(err error) string {
	if de, ok := err.(*domain.Error); ok {
		return de.Message
	}
	return "invalid token"
}

type tokenInput struct {
	RawBody []byte `contentType:"application/x-www-form-urlencoded"`
}

type tokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		AccessToken string `json:"access_token" doc:"Signed JWT to send as Authorization: Bearer."`
		TokenType   string `json:"token_type" example:"bearer"`
		ExpiresIn   int    `json:"expires_in" doc:"Lifetime in seconds."`
	}
}

type meOutput struct {
	Body struct {
		Subject  string        `json:"subject"`
		Username string        `json:"username"`
		Roles    []domain.Role `json:"roles"`
	}
}

func (a *API) registerAuth() {
	op := huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: Prefix + "/auth/token", Tags: []string{"auth"},
		Summary:     "Log in with a local account",
		Description: "OAuth2 password grant (form fields grant_type=password, username, password). Failed attempts slow down further attempts for the same username from the same client address (a short wait, then 429 with Retry-After), and more so while an account or an address sees many failures; while an account's budget is spent, attempts from addresses it has not logged in from take turns (429 with Retry-After). The answer never tells whether a username exists. 503 with Retry-After when too many passwords are being checked at once, or one address asks for more than its share; 408 when the form is not sent in time; 415 for a body that is not a form; 404 when login is external (OpenID Connect).",
		Metadata:    map[string]any{publicOp: true},
		Errors:      []int{http.StatusNotFound, http.StatusRequestTimeout, http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable},
		// A raw body has neither a size limit nor a read deadline in huma
		// unless given them: without a deadline a client that trickles
		// its form holds the request for ever.
		MaxBodyBytes:    httplimit.FormBody,
		BodyReadTimeout: a.deps.BodyReadTimeout,
	}
	a.routes = append(a.routes, Route{Method: op.Method, Path: op.Path, OperationID: op.OperationID, Resource: resource.Session})
	huma.Register(a.huma, op, a.createToken)
	a.describeTokenForm()

	register(a, access.Self, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/me", Tags: []string{"auth"},
		Summary: "Who am I", Metadata: map[string]any{metaResource: resource.Self},
	}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		p, _ := domain.PrincipalFrom(ctx)
		out := &meOutput{}
		out.Body.Subject, out.Body.Username, out.Body.Roles = p.Subject, p.Username, p.Roles
		if out.Body.Roles == nil {
			out.Body.Roles = []domain.Role{}
		}
		return out, nil
	})
}

// describeTokenForm documents the form fields of the token request,
// which huma cannot infer from a raw body.
func (a *API) describeTokenForm() {
	post := a.huma.OpenAPI().Paths[Prefix+"/auth/token"].Post
	post.RequestBody.Content["application/x-www-form-urlencoded"].Schema = &huma.Schema{
		Type:     "object",
		Required: []string{"grant_type", "username", "password"},
		Properties: map[string]*huma.Schema{
			"grant_type": {Type: "string", Enum: []any{"password"}},
			"username":   {Type: "string"},
			"password":   {Type: "string", Format: "password"},
			"scope":      {Type: "string"},
		},
	}
}

func (a *API) createToken(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
	if a.deps.Issuer == nil {
		return nil, huma.NewError(http.StatusNotFound, "local login is disabled: log in with the identity provider")
	}
	form, err := parseTokenForm(in.RawBody)
	if err != nil {
		return nil, err
	}
	if gt := form.Get("grant_type"); gt != "password" {
		return nil, huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body.grant_type", Message: "must be password", Value: gt})
	}
	username, pw := strings.TrimSpace(form.Get("username")), form.Get("password")
	if username == "" || pw == "" || len(username) > domain.UsernameMaxLength || len(pw) > domain.PasswordMaxLength {
		return nil, huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body.username", Message: "username and password are required"})
	}
	p, err := a.logIn(ctx, username, pw)
	if err != nil {
		return nil, err
	}
	token, ttl, err := a.deps.Issuer.Issue(p)
	if err != nil {
		return nil, err
	}
	out := &tokenOutput{CacheControl: "no-store"}
	out.Body.AccessToken, out.Body.TokenType, out.Body.ExpiresIn = token, "bearer", int(ttl.Seconds())
	return out, nil
}

// checkPassword verifies a login. Unknown, disabled and (outside demo
// mode) demo accounts cost the same argon2id work as a wrong password,
// and all give the same answer.
func (a *API) checkPassword(ctx context.Context, username, pw string) (domain.Principal, bool) {
	acct, err := a.deps.Accounts.Account(ctx, username)
	if err != nil {
		password.VerifyNobody(pw)
		return domain.Principal{}, false
	}
	ok, err := password.Verify(pw, acct.PasswordHash)
	if err != nil || !ok || acct.DisabledAt != nil || (acct.Demo && !a.deps.Demo) {
		return domain.Principal{}, false
	}
	return domain.Principal{Subject: auth.LocalSubjectPrefix + acct.Username, Username: acct.Username, Roles: acct.Roles}, true
}

// recordLogin writes a login attempt to the audit trail and returns
// answer, or a refusal if the trail cannot be written.
func (a *API) recordLogin(ctx context.Context, username string, p domain.Principal, status int, answer error) error {
	e := audit.Entry{
		Time: a.deps.Now(), ActorSubject: p.Subject, ActorUsername: a.loginName(ctx, username, p), Roles: audit.RoleNames(p.Roles),
		Action: "auth.login", Operation: "create-token", ResourceType: string(resource.Session), Outcome: audit.OutcomeOf(status), Status: status,
		RequestID: a.deps.RequestID(ctx), TraceID: a.deps.TraceID(ctx), ClientAddr: clientAddr(ctx),
	}
	if err := a.rec.Write(ctx, e); err != nil {
		return errAuditUnavailable()
	}
	return answer
}

// unknownAccount stands in the trail for a username that names no
// account. It cannot be a username (they start with a letter or digit).
const unknownAccount = "(unknown account)"

// loginName is the username a login attempt is recorded under: the
// account's, when one by that name exists. What was typed for an unknown
// account is not kept: it may be a password typed in the wrong field, a
// codice fiscale or a name, and the trail is append-only and in clear.
func (a *API) loginName(ctx context.Context, typed string, p domain.Principal) string {
	if p.Username != "" {
		return p.Username
	}
	if acct, err := a.deps.Accounts.Account(ctx, typed); err == nil {
		return acct.Username
	}
	return unknownAccount
}

type clientAddrKey struct{}

// clientAddr is the client's address (without port): the peer, or the
// address a trusted proxy forwarded (Deps.ClientAddr).
func clientAddr(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddrKey{}).(string)
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
