package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// The compose file, alone and with the demo overlay, is valid under the
// Compose specification's JSON schema (the loader validates before it
// interpolates and merges) and names the services the bundle promises.
func TestComposeFilesAreValid(t *testing.T) {
	for _, files := range [][]string{{"compose.yaml"}, {"compose.yaml", "compose.demo.yaml"}} {
		p := loadProject(t, files...)
		want := []string{"grafana", "jaeger", "keycloak", "keycloak-db", "loki", "migrate", "mosquitto", "otel-collector",
			"postgres", "prometheus", "serenade-1", "serenade-2", "serenade-3", "traefik"}
		got := p.ServiceNames()
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%v: services %v, want %v", files, got, want)
		}
	}
}

// A file that is not a valid compose file is refused: the validation
// the test above relies on is on.
func TestComposeValidationIsOn(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(bad, []byte("services:\n  a:\n    image: x:1\n    restart: sometimes\n    no_such_key: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadProjectErr(dir, bad); err == nil {
		t.Fatal("an invalid compose file was accepted")
	}
}

// replicas are the Serenade services of the compose file.
func replicas(p *types.Project) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, name := range p.ServiceNames() {
		if strings.HasPrefix(name, "serenade-") {
			s, _ := p.GetService(name)
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Every image is pinned: a version tag that is not "latest", or a digest.
func TestImagesArePinned(t *testing.T) {
	p := loadProject(t, "compose.yaml")
	version := regexp.MustCompile(`^[^:@]+(:v?[0-9][0-9A-Za-z.\-_]*)?(@sha256:[0-9a-f]{64})?$`)
	for _, s := range p.Services {
		img := s.Image
		tagged := strings.Contains(img[strings.LastIndex(img, "/")+1:], ":") || strings.Contains(img, "@sha256:")
		if !tagged || strings.HasSuffix(img, ":latest") || !version.MatchString(img) {
			t.Errorf("service %s: image %q is not pinned to a version or digest", s.Name, img)
		}
	}
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "FROM") && f[1] != "scratch" {
			if !strings.Contains(f[1], ":") || strings.HasSuffix(f[1], ":latest") {
				t.Errorf("Dockerfile: base image %q is not pinned", f[1])
			}
		}
	}
}

// Every file or directory the compose files mount or declare as a secret
// exists: in the repository, or among the files scripts/init-secrets.sh
// makes (secrets/ is never committed).
func TestEveryReferencedFileExists(t *testing.T) {
	secrets := madeSecrets(t)
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	exists := func(what, path string) {
		t.Helper()
		rel, err := filepath.Rel(here, path)
		if err != nil || strings.HasPrefix(rel, "..") && what != "build context" {
			t.Errorf("%s %s lies outside deploy/", what, path)
			return
		}
		if after, ok := strings.CutPrefix(rel, "secrets"+string(filepath.Separator)); ok || rel == "secrets" {
			path = filepath.Join(secrets, after)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	p := loadProject(t, "compose.yaml", "compose.demo.yaml")
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				exists("service "+s.Name+" mount", v.Source)
			}
		}
		if s.Build != nil {
			exists("build context", s.Build.Context)
			exists("Dockerfile", filepath.Join(s.Build.Context, s.Build.Dockerfile))
		}
	}
	for name, sec := range p.Secrets {
		exists("secret "+name, sec.File)
	}
	if len(p.Secrets) == 0 {
		t.Fatal("no secrets declared: the test would prove nothing")
	}
}

// The files inside the mounted directories that the services' own
// configurations name (Traefik's certificates, Mosquitto's password,
// ACL and TLS files, Prometheus' rule files, Keycloak's start script and
// realm) exist once the mounts are in place.
func TestConfigurationsFindTheirFiles(t *testing.T) {
	secrets := madeSecrets(t)
	p := loadProject(t, "compose.yaml", "compose.demo.yaml")
	here, _ := filepath.Abs(".")
	// inContainer maps a path in a service's container to the host.
	inContainer := func(service, path string) string {
		s, err := p.GetService(service)
		if err != nil {
			t.Fatal(err)
		}
		best, host := "", ""
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind && (path == v.Target || strings.HasPrefix(path, v.Target+"/")) && len(v.Target) > len(best) {
				best, host = v.Target, filepath.Join(v.Source, strings.TrimPrefix(path, v.Target))
			}
		}
		if rel, err := filepath.Rel(here, host); err == nil && (rel == "secrets" || strings.HasPrefix(rel, "secrets/")) {
			host = filepath.Join(secrets, strings.TrimPrefix(rel, "secrets"))
		}
		return host
	}
	want := map[string][]string{
		"traefik":    {"/etc/traefik/traefik.yml", "/etc/traefik/dynamic/dynamic.yml", "/etc/traefik/certs/cert.pem", "/etc/traefik/certs/key.pem"},
		"prometheus": {"/etc/prometheus/prometheus.yml"},
		"keycloak":   {"/opt/serenade/keycloak-start.sh", "/opt/serenade/realm/serenade-realm.json", "/opt/serenade/demo/serenade-users-0.json"},
		"postgres":   {"/docker-entrypoint-initdb.d/10-serenade.sh"},
		"serenade-1": {"/keys/master.key"},
	}
	var prom struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	readYAML(t, "prometheus/prometheus.yml", &prom)
	want["prometheus"] = append(want["prometheus"], prom.RuleFiles...)
	want["mosquitto"] = mosquittoFiles(t)
	for service, paths := range want {
		for _, path := range paths {
			host := inContainer(service, path)
			if host == "" {
				t.Errorf("%s: %s is not mounted", service, path)
				continue
			}
			if _, err := os.Stat(host); err != nil {
				t.Errorf("%s: %s: %v", service, path, err)
			}
		}
	}
}

// mosquittoFiles are the files mosquitto.conf names.
func mosquittoFiles(t *testing.T) []string {
	b, err := os.ReadFile("mosquitto/mosquitto.conf")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && slices.Contains([]string{"password_file", "acl_file", "certfile", "keyfile"}, f[0]) {
			files = append(files, f[1])
		}
	}
	if len(files) != 4 {
		t.Fatalf("mosquitto.conf names %v, want a password file, an ACL file, a certificate and a key", files)
	}
	return files
}
