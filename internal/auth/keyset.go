package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

	keys atomic.Pointer[[]jose.JSONWebKey]

	mu          sync.Mutex // serialises refetches
	lastRefetch time.Time
}

func newKeySet(url string, client *http.Client, algs []jose.SignatureAlgorithm, interval time.Duration) *keySet {
	return &keySet{url: url, client: client, algs: algs, interval: interval, now: time.Now}
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
		return nil, err
	}
	payload, _ := verifyWith(k.current(), jws, kid)
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
	keys, err := parseJWKS(io.LimitReader(resp.Body, maxJWKSBytes))
	if err != nil {
		return err
	}
	k.keys.Store(&keys)
	return nil
}

// parseJWKS decodes a key set, skipping keys go-jose cannot represent
// (other curves, post-quantum algorithms) instead of failing on them, as
// RFC 7517 section 5 asks.
func parseJWKS(r io.Reader) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("decoding JWKS: %w", err)
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		var key jose.JSONWebKey
		if err := json.Unmarshal(raw, &key); err == nil && key.Valid() && key.IsPublic() {
			keys = append(keys, key)
		}
	}
	return keys, nil
}
