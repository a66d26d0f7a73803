package dextest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// dexModule is the module path of Dex as pinned by the tools module.
const dexModule = "github.com/dexidp/dex"

// toolsDir is where the Dex tool module lives, relative to the repository
// root. Dex is kept out of the main module's go.mod because its dependency
// graph is large and none of it belongs in the Serenade binary.
const toolsDir = "tools/dex"

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// binary returns the path of a Dex binary built from the pinned version,
// building it at most once per process and reusing a copy cached under the
// user cache directory across runs: a cold build takes over a minute, a
// cached one costs nothing.
func binary() (string, error) {
	buildOnce.Do(func() { builtPath, buildErr = buildCached() })
	return builtPath, buildErr
}

func buildCached() (string, error) {
	dir, err := findToolsDir()
	if err != nil {
		return "", err
	}
	version, err := pinnedVersion(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	cacheRoot, err := os.UserCacheDir()
	if err != nil {
		cacheRoot = os.TempDir()
	}
	target := filepath.Join(cacheRoot, "serenade", "dex",
		version+"-"+runtime.GOOS+"-"+runtime.GOARCH, "dex")
	if info, err := os.Stat(target); err == nil && info.Mode().IsRegular() {
		return target, nil
	}
	return target, build(dir, target)
}

// build compiles Dex into a temporary file beside target and renames it
// into place, so that test processes of several packages building at the
// same time never see a half-written binary.
func build(toolsDir, target string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go command not found to build Dex: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", target, os.Getpid())
	cmd := exec.Command(goBin, "build", "-buildvcs=false", "-o", tmp, dexModule+"/cmd/dex")
	cmd.Dir = toolsDir
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("building Dex: %w\n%s", err, out)
	}
	return os.Rename(tmp, target)
}

// findToolsDir walks up from the working directory (a package directory
// under go test) to the repository root that holds the Dex tool module.
func findToolsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, toolsDir)
		if _, err := os.Stat(filepath.Join(candidate, "go.mod")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no " + toolsDir + "/go.mod above the working directory")
		}
		dir = parent
	}
}

// pinnedVersion reads the Dex version required by the tool module, which
// keys the binary cache so that bumping Dex rebuilds it.
func pinnedVersion(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 && fields[0] == "require" {
			fields = fields[1:]
		}
		if len(fields) >= 2 && fields[0] == dexModule {
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s does not require %s", goMod, dexModule)
}
