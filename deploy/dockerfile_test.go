package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-shellwords"
)

// dockerfile is what the tests read of deploy/Dockerfile.
type dockerfile struct {
	args   map[string]string // ARG defaults
	build  []string          // the RUN line running go build, split into words
	stages []string          // FROM images, in order
	user   string            // the final stage's USER
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := dockerfile{args: map[string]string{}}
	// Join continuation lines, then read instruction by instruction.
	text := regexp.MustCompile(`\\\n`).ReplaceAllString(string(b), " ")
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			d.stages = append(d.stages, strings.Fields(rest)[0])
			d.user = ""
		case "ARG":
			name, value, _ := strings.Cut(strings.TrimSpace(rest), "=")
			d.args[name] = value
		case "USER":
			d.user = strings.TrimSpace(rest)
		case "RUN":
			if strings.Contains(rest, "go build") {
				words, err := shellwords.Parse(rest)
				if err != nil {
					t.Fatalf("RUN %s: %v", rest, err)
				}
				d.build = words
			}
		}
	}
	return d
}

// The image is multi-stage, ends on an empty base (no shell, no package
// manager) and runs as an unprivileged numeric user.
func TestDockerfileFinalStageIsSmallAndUnprivileged(t *testing.T) {
	d := readDockerfile(t)
	if len(d.stages) < 2 || d.stages[len(d.stages)-1] != "scratch" {
		t.Errorf("stages %v: want a build stage and a final scratch stage", d.stages)
	}
	uid, _, _ := strings.Cut(d.user, ":")
	if uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("final USER %q: want a numeric, non-root user", d.user)
	}
}

// The build stage's `go build`, run here with the same flags and
// CGO_ENABLED=0, builds a static binary that runs.
func TestDockerfileBuildStageBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	d := readDockerfile(t)
	if len(d.build) == 0 {
		t.Fatal("no RUN line runs go build")
	}
	env := []string{}
	args := d.build
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env = append(env, args[0])
		args = args[1:]
	}
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("the build runs with %v: want CGO_ENABLED=0", env)
	}
	if len(args) < 2 || args[0] != "go" || args[1] != "build" {
		t.Fatalf("RUN %v: want `go build …`", d.build)
	}
	out := filepath.Join(t.TempDir(), "serenade")
	const version = "deploy-test"
	for i, a := range args {
		a = strings.ReplaceAll(a, "${VERSION}", version)
		if i > 0 && args[i-1] == "-o" {
			a = out
		}
		args[i] = a
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ".."
	cmd.Env = append(append(os.Environ(), env...), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: not static")
		}
	}
	got, err := exec.Command(out, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(got), version) {
		t.Errorf("serenade version = %q, %v; want the build's version %q", got, err, version)
	}
}
