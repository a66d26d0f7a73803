// Command gen writes nicknames.txt, the list of Italian first names that
// package pseudonym draws nicknames from.
//
// Two independently maintained, MIT-licensed npm datasets give the
// candidates: the Italian first names of @zxcvbn-ts/language-it (a large
// list with misspellings such as "aandrea") and the Italian names of
// gender-detection-from-name (names given in Italy, many of them
// foreign). Single-word names listed by both come first, then those of
// the second alone (the widening that keeps the list over 1,500 once
// look-alikes are gone). Among names that sound alike
// (pseudonym.SoundKey) or whose keys are one slip apart
// (pseudonym.OneSlip: "Anndrea", "Frnacesco", "Atteo"), one is kept: the
// one with the most slips of it in the first list (a common name has
// many misspellings there, a misspelling few), so "Alessandro" stays and
// "Alexandro", "Alessnadro" go.
//
// It reads the two tarballs fetched by gen.sh (npm pack), checks each is
// byte-for-byte the pinned release, and writes a sorted list, so the output
// depends only on the tarballs.
//
// Usage (from package pseudonym, normally through go generate):
//
//	go run ./internal/gen -zxcvbn z.tgz -gender g.tgz -out nicknames.txt
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"slices"
	"strings"

	"serenade/internal/pseudonym"
)

// dataset is one pinned npm release and the file of names inside it.
type dataset struct {
	name, version, integrity, licence, listPath string
}

// The pinned datasets. Bumping a version means updating it here and in
// gen.sh, then reviewing the diff of nicknames.txt: every nickname changes.
var (
	zxcvbn = dataset{"@zxcvbn-ts/language-it", "3.0.2",
		"sha512-VMC7JJZ855wPhklADB43kxRVWpbWIsVWjvrC8EACBoNqcFyk2DLD+WeoAtazM08ovM0wi/mN+wc0Sa5iFtOtvQ==",
		"MIT", "package/src/firstnames.json"}
	gender = dataset{"gender-detection-from-name", "1.11.5",
		"sha512-7li896SZlWKW5cJjCkkWPnFDahHYp7GIG/eFw2z0kvCDo7sVmRoFZqMCZHnQtK0D5X/RQaboJOEin4BxcchKRA==",
		"MIT", "package/names/it.js"}
)

// minNames is the floor the product asks for; a parse that finds fewer
// means a file format changed.
const minNames = 1500

func main() {
	z := flag.String("zxcvbn", "", "tarball of "+zxcvbn.name+"@"+zxcvbn.version)
	g := flag.String("gender", "", "tarball of "+gender.name+"@"+gender.version)
	out := flag.String("out", "nicknames.txt", "output list")
	flag.Parse()
	if *z == "" || *g == "" {
		log.Fatal("gen: -zxcvbn and -gender are required")
	}
	if err := run(*z, *g, *out); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

func run(zPath, gPath, outPath string) error {
	zList, err := load(zxcvbn, zPath)
	if err != nil {
		return err
	}
	gList, err := load(gender, gPath)
	if err != nil {
		return err
	}
	first, err := parseJSONList(zList)
	if err != nil {
		return err
	}
	names := choose(first, parseGenderMap(gList))
	if len(names) < minNames {
		return fmt.Errorf("only %d names told apart, want at least %d", len(names), minNames)
	}
	return os.WriteFile(outPath, render(names), 0o644)
}

// load checks the tarball against the pinned release and returns its list.
func load(d dataset, path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha512.Sum512(raw)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != d.integrity {
		return nil, fmt.Errorf("%s: integrity %s, want %s", path, got, d.integrity)
	}
	files, err := untar(raw, d.listPath, "package/package.json")
	if err != nil {
		return nil, err
	}
	var m struct{ Name, Version, License string }
	if err := json.Unmarshal(files["package/package.json"], &m); err != nil {
		return nil, err
	}
	if m.Name != d.name || m.Version != d.version || m.License != d.licence {
		return nil, fmt.Errorf("tarball is %s@%s (%s), want %s@%s (%s)", m.Name, m.Version, m.License, d.name, d.version, d.licence)
	}
	return files[d.listPath], nil
}

// untar extracts the named regular files from a gzipped tarball.
func untar(tgz []byte, names ...string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if slices.Contains(names, hdr.Name) && hdr.Typeflag == tar.TypeReg {
			if files[hdr.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range names {
		if files[n] == nil {
			return nil, fmt.Errorf("tarball has no %s", n)
		}
	}
	return files, nil
}

func parseJSONList(src []byte) ([]string, error) {
	var names []string
	if err := json.Unmarshal(src, &names); err != nil {
		return nil, fmt.Errorf("%s: %w", zxcvbn.listPath, err)
	}
	return names, nil
}

// genderRow is one ['name', 'male'|'female'] row of the Map literal.
var genderRow = regexp.MustCompile(`(?m)^\s*\['([^']*)',\s*'(?:male|female|unisex)'\],?\s*$`)

func parseGenderMap(src []byte) map[string]bool {
	names := map[string]bool{}
	for _, m := range genderRow.FindAllSubmatch(src, -1) {
		names[string(m[1])] = true
	}
	return names
}

// word is a single lower-case word of plain letters: compound names
// ("anna maria") would add a second name to a patient's nickname.
var word = regexp.MustCompile(`^[a-z]{2,}$`)

// choose is the list: the single-word names of both lists, then those of
// second alone, each kept unless it sounds like or is one slip from a
// name kept before it; within each group, names with more slips in
// first go first. Capitalised and sorted.
func choose(first []string, second map[string]bool) []string {
	inFirst := map[string]bool{}
	var firstWords []string
	for _, n := range first {
		if word.MatchString(n) && !inFirst[n] {
			inFirst[n] = true
			firstWords = append(firstWords, n)
		}
	}
	var both, secondOnly []string
	for n := range second {
		switch {
		case !word.MatchString(n):
		case inFirst[n]:
			both = append(both, n)
		default:
			secondOnly = append(secondOnly, n)
		}
	}
	slips := slipCounter(firstWords)
	var k keeper
	for _, group := range [][]string{both, secondOnly} {
		slices.SortFunc(group, func(a, b string) int {
			if c := slips(b) - slips(a); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		for _, n := range group {
			k.add(n)
		}
	}
	out := make([]string, len(k.names))
	for i, n := range k.names {
		out[i] = strings.ToUpper(n[:1]) + n[1:]
	}
	slices.Sort(out)
	return out
}

// slipCounter counts, for a name, the names of list one slip from it.
func slipCounter(list []string) func(string) int {
	byLen := map[int][]string{}
	for _, n := range list {
		byLen[len(n)] = append(byLen[len(n)], n)
	}
	memo := map[string]int{}
	return func(n string) int {
		if c, ok := memo[n]; ok {
			return c
		}
		c := 0
		for _, l := range []int{len(n) - 1, len(n), len(n) + 1} {
			for _, m := range byLen[l] {
				if pseudonym.OneSlip(n, m) {
					c++
				}
			}
		}
		memo[n] = c
		return c
	}
}

// keeper holds the names kept and their sound keys, by length.
type keeper struct {
	names []string
	keys  map[int][]string
}

// add keeps n unless its key is one kept or one slip from one.
func (k *keeper) add(n string) {
	key := pseudonym.SoundKey(n)
	if k.keys == nil {
		k.keys = map[int][]string{}
	}
	for _, l := range []int{len(key) - 1, len(key), len(key) + 1} {
		for _, m := range k.keys[l] {
			if m == key || pseudonym.OneSlip(m, key) {
				return
			}
		}
	}
	k.names = append(k.names, n)
	k.keys[len(key)] = append(k.keys[len(key)], key)
}

func render(names []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Italian first names for nicknames; generated by internal/gen (go generate), do not edit.\n")
	fmt.Fprintf(&b, "# Names of %s@%s (%s, copyright Dan Wheeler, Dropbox, Inc. and the zxcvbn-ts authors)\n", zxcvbn.name, zxcvbn.version, zxcvbn.licence)
	fmt.Fprintf(&b, "# and %s@%s (%s, copyright Davide Violante), one per sound (pseudonym.SoundKey), no slips.\n", gender.name, gender.version, gender.licence)
	fmt.Fprintf(&b, "# %d names, one a line. Changing this list changes every nickname.\n", len(names))
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return b.Bytes()
}
