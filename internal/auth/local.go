package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"serenade/internal/domain"
)

// DefaultAccessTokenTTL is the lifetime of a local access token. It is
// short because a bearer token cannot be revoked: losing one exposes
// patient data only until it expires.
const DefaultAccessTokenTTL = 15 * time.Minute

// LocalLeeway is the clock skew tolerated on exp, nbf and iat of local
// tokens; issuer and verifier are normally the same process.
const LocalLeeway = 30 * time.Second

// accessTokenType is the JOSE "typ" of local access tokens (RFC 9068). It
// is required on verification so that anything else ever signed with the
// same key cannot be replayed as an access token.
const accessTokenType = "at+jwt"

// Issuer signs and verifies access tokens for local accounts.
type Issuer struct {
	issuer string
	ttl    time.Duration
	now    func() time.Time
	alg    jose.SignatureAlgorithm
	signer jose.Signer
	public crypto.PublicKey
}

// localClaims is the payload of a local access token. Roles is a pointer
// so that a token without the claim is told apart from one with none.
type localClaims struct {
	jwt.Claims
	PreferredUsername string    `json:"preferred_username,omitempty"`
	Roles             *[]string `json:"roles"`
}

// NewIssuer returns an Issuer signing with key, which must be an Ed25519
// key (EdDSA) or an ECDSA P-256 key (ES256): small, fast, and without the
// padding pitfalls of RSA. ttl <= 0 means DefaultAccessTokenTTL and a nil
// now means time.Now.
func NewIssuer(key crypto.Signer, issuer string, ttl time.Duration, now func() time.Time) (*Issuer, error) {
	if issuer == "" {
		return nil, errors.New("auth: local token issuer must not be empty")
	}
	alg, err := signingAlgorithm(key)
	if err != nil {
		return nil, err
	}
	signer, err := newSigner(key, alg)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultAccessTokenTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Issuer{issuer: issuer, ttl: ttl, now: now, alg: alg, signer: signer, public: key.Public()}, nil
}

func signingAlgorithm(key crypto.Signer) (jose.SignatureAlgorithm, error) {
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return jose.EdDSA, nil
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return jose.ES256, nil
		}
	}
	return "", fmt.Errorf("auth: local token key must be Ed25519 or ECDSA P-256, not %T", key)
}

// newSigner names the key by its RFC 7638 thumbprint in "kid", so that a
// future key rotation can tell old tokens from new ones.
func newSigner(key crypto.Signer, alg jose.SignatureAlgorithm) (jose.Signer, error) {
	pub := jose.JSONWebKey{Key: key.Public()}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("auth: key thumbprint: %w", err)
	}
	jwk := jose.JSONWebKey{Key: key, KeyID: base64.RawURLEncoding.EncodeToString(thumb)}
	opts := (&jose.SignerOptions{}).WithType(accessTokenType)
	return jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jwk}, opts)
}

// Issue signs an access token for p, valid from now for the issuer's TTL.
func (i *Issuer) Issue(p domain.Principal) (token string, expiresIn time.Duration, err error) {
	if p.Subject == "" {
		return "", 0, errors.New("auth: cannot issue a token without a subject")
	}
	now := i.now()
	roles := make([]string, 0, len(p.Roles))
	for _, r := range p.Roles {
		roles = append(roles, string(r))
	}
	claims := localClaims{
		Claims: jwt.Claims{
			Issuer:    i.issuer,
			Subject:   p.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			Expiry:    jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        rand.Text(),
		},
		PreferredUsername: p.Username,
		Roles:             &roles,
	}
	token, err = jwt.Signed(i.signer).Claims(claims).Serialize()
	if err != nil {
		return "", 0, fmt.Errorf("auth: signing access token: %w", err)
	}
	return token, i.ttl, nil
}

// verify checks a local access token: only the key's own algorithm is
// accepted (no "none", no HMAC), the type, the signature, the issuer and
// the validity window with LocalLeeway.
// It returns the token's principal and expiry.
func (i *Issuer) verify(token string) (domain.Principal, time.Time, error) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{i.alg})
	if err != nil || len(tok.Headers) != 1 || tok.Headers[0].ExtraHeaders[jose.HeaderType] != accessTokenType {
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	var c localClaims
	if err := tok.Claims(i.public, &c); err != nil {
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	if c.Issuer != i.issuer || c.Subject == "" {
		return domain.Principal{}, time.Time{}, errInvalidToken()
	}
	if err := validateTimes(c.Claims, i.now(), LocalLeeway); err != nil {
		return domain.Principal{}, time.Time{}, err
	}
	if c.Roles == nil {
		return domain.Principal{}, time.Time{}, errNoRolesClaim()
	}
	username := c.PreferredUsername
	if username == "" {
		username = c.Subject
	}
	return domain.Principal{Subject: c.Subject, Username: username, Roles: rolesFromNames(*c.Roles, nil)}, c.Expiry.Time(), nil
}
