package dextest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"
)

// User is a static Dex account. Dex's password database logs users in by
// email; Username becomes the preferred_username and name claims.
type User struct {
	Username string
	Password string
	Groups   []string
}

// Email is the login Dex knows the user by.
func (u User) Email() string { return u.Username + "@serenade.test" }

// DemoUsers returns the demo accounts: one per study role, one holding two
// roles, one whose only group is not a study role and one with no groups
// at all (Dex then omits the groups claim from its tokens).
func DemoUsers() []User {
	return []User{
		{Username: "dottore-alice", Password: "alice", Groups: []string{"dottore"}},
		{Username: "iit-gennaro", Password: "gennaro", Groups: []string{"iit"}},
		{Username: "imt-vincenzo", Password: "vincenzo", Groups: []string{"imt"}},
		{Username: "ricercatore-stefano", Password: "stefano", Groups: []string{"unimi"}},
		{Username: "admin-anna", Password: "anna", Groups: []string{"admin"}},
		{Username: "dottore-imt-marta", Password: "marta", Groups: []string{"dottore", "imt"}},
		{Username: "ospite-ugo", Password: "ugo", Groups: []string{"ospiti"}},
		{Username: "senzagruppi-nino", Password: "nino"},
	}
}

// Client is an OAuth2 client registered with Dex.
type Client struct {
	ID     string
	Secret string
}

// The clients Dex is started with. Peer trusts Main, so Main may ask for
// a token whose audience is Peer (Dex's cross-client scope); Dex then puts
// both in "aud" and Main in "azp".
var (
	mainClient = Client{ID: "serenade", Secret: "serenade-test-secret"}
	peerClient = Client{ID: "serenade-api", Secret: "serenade-api-test-secret"}
)

// writeConfig writes a Dex configuration for issuer and listen address to
// dir and returns its path. JSON is valid YAML, so no YAML encoder is
// needed. Password hashes are made here, not checked in, so the demo
// passwords live in one place.
func writeConfig(dir, issuer, addr string, users []User, redirects []string) (string, error) {
	passwords, err := staticPasswords(users)
	if err != nil {
		return "", err
	}
	cfg := map[string]any{
		"issuer":           issuer,
		"storage":          map[string]any{"type": "memory"},
		"web":              map[string]any{"http": addr},
		"logger":           map[string]any{"level": "warn"},
		"enablePasswordDB": true,
		"oauth2": map[string]any{
			"passwordConnector":  "local",
			"skipApprovalScreen": true,
		},
		"staticClients": []map[string]any{
			clientConfig(mainClient, issuer, nil, redirects...),
			clientConfig(peerClient, issuer, []string{mainClient.ID}),
		},
		"staticPasswords": passwords,
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "dex.yaml")
	return path, os.WriteFile(path, data, 0o600)
}

func clientConfig(c Client, issuer string, trustedPeers []string, redirects ...string) map[string]any {
	return map[string]any{
		"id":           c.ID,
		"secret":       c.Secret,
		"name":         c.ID,
		"redirectURIs": append([]string{issuer + "/callback/" + c.ID}, redirects...),
		"trustedPeers": trustedPeers,
	}
}

func staticPasswords(users []User) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(users))
	for i, u := range users {
		// Dex refuses hashes cheaper than the default cost.
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]any{
			"email":             u.Email(),
			"hash":              string(hash),
			"username":          u.Username,
			"preferredUsername": u.Username,
			"userID":            fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1),
			"groups":            u.Groups,
		})
	}
	return out, nil
}
