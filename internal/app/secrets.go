package app

import (
	"fmt"
	"os"
	"strings"
)

// secretVariables are the variables that may carry a secret (a password
// in the database URL, the OIDC client's secret). Each may be given as
// NAME_FILE instead: the path of a file holding the value, as container
// platforms mount secrets, so that the secret is in no environment
// listing and no image. The master key has had its own file variable
// from the start (SERENADE_MASTER_KEY_FILE, read by the keyring, which
// also rewrites it on rotation), under the same rules; the MQTT broker's
// credentials are a file only (SERENADE_MQTT_CREDENTIALS_FILE).
var secretVariables = []string{"SERENADE_DATABASE_URL", "SERENADE_OIDC_CLIENT_SECRET"}

// withSecretFiles returns getenv with every secret variable given as
// NAME_FILE replaced by its file's contents, less one final end of line
// ("\n" or "\r\n"; other whitespace is the secret's own). Errors: both
// NAME and NAME_FILE set (which one wins would be a guess); a file that
// cannot be read, is empty, or that group or others may read (mode
// 0600 or stricter, like the master key file). Errors name the variable
// and the path, never the contents.
func withSecretFiles(getenv func(string) string) (func(string) string, error) {
	fromFiles := map[string]string{}
	for _, name := range secretVariables {
		path := getenv(name + "_FILE")
		if path == "" {
			continue
		}
		if getenv(name) != "" {
			return nil, fmt.Errorf("set %s or %s_FILE, not both", name, name)
		}
		v, err := readSecretFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s_FILE: %w", name, err)
		}
		fromFiles[name] = v
	}
	return func(name string) string {
		if v, ok := fromFiles[name]; ok {
			return v
		}
		return getenv(name)
	}, nil
}

// readSecretFile reads one secret file; see withSecretFiles.
func readSecretFile(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%s has mode %#o: it must not be readable by group or others (chmod 600)", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return v, nil
}
