package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestChooseKeepsOneNamePerSound: single-word names only, those of
// both lists first, one name per sound and none one slip from another;
// the spelling with the most slips in the first list is the one kept.
func TestChooseKeepsOneNamePerSound(t *testing.T) {
	zx, err := parseJSONList([]byte(`["aandrea","andrea","anndrea","andreaa","giulia","anna maria","x","giulia",
		"alessandro","alexandro","aleksandro","alessnadro","alesandro","alessandr","cristian","christian","kristian","cristan"]`))
	if err != nil {
		t.Fatal(err)
	}
	g := parseGenderMap([]byte("const itNames = new Map([\n  ['andrea', 'male'],\n  ['anndrea', 'male'],\n  ['giulia', 'female'],\n" +
		"  ['anna maria', 'female'],\n  ['x', 'male'],\n  ['alexandro', 'male'],\n  ['alessandro', 'male'],\n  ['alessnadro', 'male'],\n" +
		"  ['christian', 'male'],\n  ['cristian', 'male'],\n  ['kristian', 'male'],\n  ['mahnoor', 'female'],\n  ['julia', 'female'],\n]);\n"))
	got := choose(zx, g)
	if want := []string{"Alessandro", "Andrea", "Cristian", "Giulia", "Mahnoor"}; !slices.Equal(got, want) {
		t.Errorf("choose = %q, want %q", got, want)
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
