package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultKeyRefetchInterval bounds how often an unknown "kid" may make the
// verifier fetch the provider's JWKS again.
const DefaultKeyRefetchInterval = 30 * time.Second

// maxJWKSBytes caps the JWKS response read into memory.
const maxJWKSBytes = 1 << 20

// keySet holds a provider's signing keys and refreshes them when a token
// names a key it does not know, as key rotation requires.
//
// It replaces go-oidc's RemoteKeySet, which merges concurrent fetches but
// fetches again for every token that fails to verify against the cache,
// unknown kid or simply a bad signature: anyone could make each request
// cost a round trip to the provider. Here a refetch happens only for an
// unknown kid, and at most once per interval; a token naming a known key
// whose signature fails is refused without any network call.
type keySet struct {
	url      string
	client   *http.Client
	algs     []jose.SignatureAlgorithm
	interval time.Duration
	now      func() time.Time

	keys     atomic.Pointer[[]jose.JSONWebKey]
	unusable atomic.Pointer[[]unusableKey] // signing keys of the last load that cannot be used
	log      *slog.Logger

	mu          sync.Mutex // serialises refetches
	lastRefetch time.Time
}

func newKeySet(url string, client *http.Client, algs []jose.SignatureAlgorithm, interval time.Duration, log *slog.Logger) *keySet {
	return &keySet{url: url, client: client, algs: algs, interval: interval, now: time.Now, log: log}
}

// ready is nil unless the last load found signing keys that cannot be
// used; then it names them.
func (k *keySet) ready() error {
	u := k.unusable.Load()
	if u == nil || len(*u) == 0 {
		return nil
	}
	kids := make([]string, len(*u))
	for i, key := range *u {
		kids[i] = strconv.Quote(key.kid)
	}
	return fmt.Errorf("the identity provider's signing key %s cannot be used (see the server log)", strings.Join(kids, ", "))
}

// refuseUnusable logs a token signed with an unusable key: without it,
// the refusal would look like any forged token.
func (k *keySet) refuseUnusable(ctx context.Context, kid string) {
	if u := k.unusable.Load(); u != nil {
		for _, key := range *u {
			if key.kid == kid {
				k.log.WarnContext(ctx, "OIDC token refused: signed with a key that cannot be used", "kid", kid, "err", key.reason)
			}
		}
	}
}

// VerifySignature implements go-oidc's KeySet: it returns the payload of
// jwt if one of the provider's keys signed it.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, k.algs) // a JWT is compact; the JSON serialisation is refused
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errors.New("malformed or multiply signed token")
	}
	kid := jws.Signatures[0].Header.KeyID
	if payload, known := verifyWith(k.current(), jws, kid); known {
		return payload, nilIfVerified(payload)
	}
	if err := k.refetch(ctx, kid); err != nil {
		k.refuseUnusable(ctx, kid)
		return nil, err
	}
	payload, known := verifyWith(k.current(), jws, kid)
	if !known {
		k.refuseUnusable(ctx, kid)
	}
	return payload, nilIfVerified(payload)
}

func nilIfVerified(payload []byte) error {
	if payload == nil {
		return errors.New("signature does not verify")
	}
	return nil
}

func (k *keySet) current() []jose.JSONWebKey {
	if keys := k.keys.Load(); keys != nil {
		return *keys
	}
	return nil
}

// verifyWith tries the keys that kid names (all keys when the token names
// none) and reports whether there were any to try.
func verifyWith(keys []jose.JSONWebKey, jws *jose.JSONWebSignature, kid string) (payload []byte, known bool) {
	alg := jws.Signatures[0].Header.Algorithm
	for _, key := range keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		if key.Use == "enc" || (key.Algorithm != "" && key.Algorithm != alg) {
			continue
		}
		known = true
		if p, err := jws.Verify(&key); err == nil {
			return p, true
		}
	}
	return nil, known
}

// refetch reloads the key set unless another caller already brought the
// kid in while this one waited, or the last refetch was too recent.
func (k *keySet) refetch(ctx context.Context, kid string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if hasKey(k.current(), kid) {
		return nil
	}
	now := k.now()
	if !k.lastRefetch.IsZero() && now.Sub(k.lastRefetch) < k.interval {
		return errors.New("unknown signing key; key set refetched recently")
	}
	k.lastRefetch = now
	return k.load(ctx)
}

func hasKey(keys []jose.JSONWebKey, kid string) bool {
	for _, key := range keys {
		if kid == "" || key.KeyID == kid {
			return true
		}
	}
	return false
}

// load fetches the JWKS. The fetch is detached from the caller's
// cancellation, because a client hanging up mid-fetch would otherwise use
// up the refetch allowance without refreshing anything.
func (k *keySet) load(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching JWKS: %s", resp.Status)
	}
	keys, unusable, err := parseJWKS(io.LimitReader(resp.Body, maxJWKSBytes), k.log)
	if err != nil {
		return err
	}
	for _, u := range unusable {
		k.log.Error("OIDC signing key cannot be used: tokens it signs are refused, and the server is not ready",
			"kid", u.kid, "err", u.reason)
	}
	k.keys.Store(&keys)
	k.unusable.Store(&unusable)
	return nil
}

// parseJWKS decodes a key set, skipping keys go-jose cannot represent
// (other curves, post-quantum algorithms) instead of failing on them, as
// RFC 7517 section 5 asks. A signing key of a kind Serenade verifies
// whose certificate chain (x5c) Go refuses, such as a certificate with a
// negative serial number that some providers still issue, is used
// through its own key material (n/e, x/y) with a warning: the chain is
// only an alternative spelling of the same key, and dropping the key
// would refuse every token it signs without a word. Such a key without
// usable material is returned among the unusable ones.
func parseJWKS(r io.Reader, log *slog.Logger) (keys []jose.JSONWebKey, unusable []unusableKey, err error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, nil, fmt.Errorf("decoding JWKS: %w", err)
	}
	keys = make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		key, err := publicKey(raw)
		switch {
		case err == nil:
			keys = append(keys, key)
		case !verifiable(raw):
		default:
			key, err2 := publicKey(withoutCertificates(raw))
			if err2 != nil {
				unusable = append(unusable, unusableKey{kid: keyID(raw), reason: err.Error()})
				continue
			}
			log.Warn("OIDC signing key: its certificate cannot be used; verifying with the key's own material",
				"kid", key.KeyID, "err", err.Error())
			keys = append(keys, key)
		}
	}
	return keys, unusable, nil
}

// unusableKey is a signing key of the provider Serenade cannot verify
// with, and why.
type unusableKey struct{ kid, reason string }

// publicKey decodes one JWK that must be a valid public key.
func publicKey(raw json.RawMessage) (jose.JSONWebKey, error) {
	var key jose.JSONWebKey
	if err := json.Unmarshal(raw, &key); err != nil {
		return key, err
	}
	if !key.Valid() || !key.IsPublic() {
		return key, errors.New("not a valid public key")
	}
	return key, nil
}

// jwkHead is what tells whether a key is one Serenade should verify with.
type jwkHead struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

func head(raw json.RawMessage) jwkHead {
	var h jwkHead
	_ = json.Unmarshal(raw, &h)
	return h
}

func keyID(raw json.RawMessage) string { return head(raw).Kid }

// verifiable reports whether a JWK is a signing key of a type, curve and
// algorithm on the allow-list: one whose loss matters.
func verifiable(raw json.RawMessage) bool {
	h := head(raw)
	if h.Use == "enc" || (h.Alg != "" && !slices.Contains(oidcAlgorithms, jose.SignatureAlgorithm(h.Alg))) {
		return false
	}
	switch h.Kty {
	case "RSA":
		return true
	case "EC":
		return slices.Contains([]string{"P-256", "P-384", "P-521"}, h.Crv)
	case "OKP":
		return h.Crv == "Ed25519"
	}
	return false
}

// withoutCertificates drops the members that carry or name an X.509
// chain, leaving the key's own material.
func withoutCertificates(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	for _, k := range []string{"x5c", "x5t", "x5t#S256", "x5u"} {
		delete(m, k)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return out
}
