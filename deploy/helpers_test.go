package deploy

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// dotenv reads .env.example, the variables an operator sets.
func dotenv(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf(".env.example: %q is not NAME=value", line)
		}
		env[k] = v
	}
	return env
}

// loadProject loads compose files as `docker compose` would: validated
// against the Compose specification's JSON schema, interpolated with
// .env.example, paths resolved against this directory.
func loadProject(t testing.TB, files ...string) *types.Project {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	details := types.ConfigDetails{WorkingDir: dir, Environment: dotenv(t)}
	for _, f := range files {
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: filepath.Join(dir, f)})
	}
	p, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("serenade", true)
		o.ResolvePaths = true
	})
	if err != nil {
		t.Fatalf("%v: %v", files, err)
	}
	return p
}

// readYAML decodes a YAML file of this directory into v.
func readYAML(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var (
	secretsOnce sync.Once
	secretsDir  string
	secretsErr  error
)

// madeSecrets runs scripts/init-secrets.sh once into a temporary
// directory and returns it: the secret files an operator would have.
func madeSecrets(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"openssl", "mosquitto_passwd"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("init-secrets.sh needs %s; CI=true, so this fails", tool)
			}
			t.Skipf("SKIPPED LOUDLY: init-secrets.sh needs %s (apt-get install openssl mosquitto)", tool)
		}
	}
	secretsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "serenade-secrets-")
		if err != nil {
			secretsErr = err
			return
		}
		secretsDir = filepath.Join(dir, "secrets")
		out, err := exec.Command("bash", "scripts/init-secrets.sh", secretsDir).CombinedOutput()
		if err != nil {
			secretsErr = &scriptError{err: err, out: string(out)}
		}
	})
	if secretsErr != nil {
		t.Fatal(secretsErr)
	}
	return secretsDir
}

type scriptError struct {
	err error
	out string
}

func (e *scriptError) Error() string { return "init-secrets.sh: " + e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if secretsDir != "" {
		os.RemoveAll(filepath.Dir(secretsDir))
	}
	os.Exit(code)
}

// loadProjectErr loads one compose file of dir and returns the error.
func loadProjectErr(dir, file string) (*types.Project, error) {
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: file}}},
		func(o *loader.Options) { o.SetProjectName("x", true) })
}
