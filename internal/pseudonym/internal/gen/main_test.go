package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestIntersectKeepsSingleWordNamesOfBothLists: a name is kept only when
// both datasets list it, as one word of letters, capitalised, once.
func TestIntersectKeepsSingleWordNamesOfBothLists(t *testing.T) {
	zx, err := parseJSONList([]byte(`["aandrea","andrea","giulia","anna maria","zorro","x","giulia"]`))
	if err != nil {
		t.Fatal(err)
	}
	g := parseGenderMap([]byte("const itNames = new Map([\n  ['andrea', 'male'],\n  ['giulia', 'female'],\n  ['anna maria', 'female'],\n  ['x', 'male'],\n]);\n"))
	got := intersect(zx, g)
	if want := []string{"Andrea", "Giulia"}; !slices.Equal(got, want) {
		t.Errorf("intersect = %q, want %q", got, want)
	}
}

// TestLoadRefusesAnotherTarball: a file that is not the pinned release
// is refused before anything is parsed.
func TestLoadRefusesAnotherTarball(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.tgz")
	if err := os.WriteFile(path, []byte("not the release"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(zxcvbn, path); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Errorf("load accepted another tarball: %v", err)
	}
}

// TestRenderNamesSourcesAndLicences: the list's header carries both
// datasets, their versions and licences, and the count.
func TestRenderNamesSourcesAndLicences(t *testing.T) {
	out := string(render([]string{"Andrea", "Giulia"}))
	for _, want := range []string{zxcvbn.name + "@" + zxcvbn.version, gender.name + "@" + gender.version, "MIT", "2 names", "\nAndrea\nGiulia\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("header lacks %q:\n%s", want, out)
		}
	}
}
