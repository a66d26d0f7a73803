// Command gen writes nicknames.txt, the list of Italian first names that
// package pseudonym draws nicknames from.
//
// A name is kept when two independently maintained, MIT-licensed npm
// datasets both list it as an Italian first name: the Italian first names
// of @zxcvbn-ts/language-it (a large list with misspellings such as
// "aandrea") and the Italian names of gender-detection-from-name (many
// compound and foreign spellings). Their intersection keeps single-word
// names people recognise and drops each list's noise.
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
	names := intersect(first, parseGenderMap(gList))
	if len(names) < minNames {
		return fmt.Errorf("only %d names in both lists, want at least %d", len(names), minNames)
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

// intersect keeps the single-word names of first that are in second,
// capitalised, sorted and without duplicates.
func intersect(first []string, second map[string]bool) []string {
	var out []string
	for _, n := range first {
		if word.MatchString(n) && second[n] {
			out = append(out, strings.ToUpper(n[:1])+n[1:])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func render(names []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Italian first names for nicknames; generated by internal/gen (go generate), do not edit.\n")
	fmt.Fprintf(&b, "# Names listed by both %s@%s (%s, copyright Dan Wheeler, Dropbox, Inc. and the zxcvbn-ts authors)\n", zxcvbn.name, zxcvbn.version, zxcvbn.licence)
	fmt.Fprintf(&b, "# and %s@%s (%s, copyright Davide Violante).\n", gender.name, gender.version, gender.licence)
	fmt.Fprintf(&b, "# %d names, one a line. Changing this list changes every nickname.\n", len(names))
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return b.Bytes()
}
