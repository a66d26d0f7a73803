// Command gen turns the Belfiore code list shipped in the npm package
// codice-fiscale-js into places_gen.go, the lookup table of package
// codicefiscale.
//
// It reads the package tarball fetched by gen.sh (npm pack), checks it is
// byte-for-byte the pinned release, and writes a sorted, gofmt'd table with
// exactly one row per Belfiore code. Keeping the download in the shell script
// and the transformation here means the output depends only on the tarball:
// running it twice on the same input gives the same file.
//
// Usage (from the package directory, normally through go generate):
//
//	go run ./internal/gen -tgz codice-fiscale-js-2.4.0.tgz -out places_gen.go
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"regexp"
	"sort"
	"strings"
)

// The pinned dataset. Bumping the version means updating all three constants
// here and the version in gen.sh, then reviewing the diff of places_gen.go.
const (
	datasetName    = "codice-fiscale-js"
	datasetVersion = "2.4.0"
	// datasetIntegrity is the registry's dist.integrity for the release, so a
	// tampered or different tarball is rejected instead of silently used.
	datasetIntegrity = "sha512-xP843AI9e7WiWWfScKjaJLRkLnyD5+FUdYpstPlGY7e/gNbhix4y+AryPTZnvgO0V65KW4mKQHQK7DHzLLIfEg=="
	datasetLicence   = "CC BY-SA 4.0 (Creative Commons Attribution-ShareAlike 4.0 International)"
	datasetAuthor    = "Luca Vandro and the CodiceFiscaleJS contributors"
	listPath         = "package/src/lista-comuni.js"
	manifestPath     = "package/package.json"
	licencePath      = "package/LICENSE-CC-BY-SA.txt"
)

// Sanity floors: the release has ~10,400 municipality codes and ~290 foreign
// ones. A parse that finds far fewer means the file format changed.
const (
	minMunicipalities = 9000
	minForeign        = 200
)

func main() {
	tgz := flag.String("tgz", "", "path of the npm tarball of "+datasetName+"@"+datasetVersion)
	out := flag.String("out", "places_gen.go", "output Go file")
	flag.Parse()
	if *tgz == "" {
		log.Fatal("gen: -tgz is required")
	}
	if err := run(*tgz, *out); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

func run(tgzPath, outPath string) error {
	raw, err := os.ReadFile(tgzPath)
	if err != nil {
		return err
	}
	if got := integrity(raw); got != datasetIntegrity {
		return fmt.Errorf("tarball integrity %s, want %s", got, datasetIntegrity)
	}
	files, err := untar(raw, listPath, manifestPath, licencePath)
	if err != nil {
		return err
	}
	if err := checkManifest(files[manifestPath]); err != nil {
		return err
	}
	if !bytes.Contains(files[licencePath], []byte("Attribution-ShareAlike 4.0 International")) {
		return errors.New("licence file is not CC BY-SA 4.0; review the licence before regenerating")
	}
	entries, err := parseList(files[listPath])
	if err != nil {
		return err
	}
	rows := choose(entries)
	src, err := render(rows)
	if err != nil {
		return err
	}
	return os.WriteFile(outPath, src, 0o644)
}

// integrity returns the npm-style Subresource Integrity string of data.
func integrity(data []byte) string {
	sum := sha512.Sum512(data)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// untar extracts the named regular files from a gzipped tarball.
func untar(tgz []byte, names ...string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
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
		if !want[hdr.Name] || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if files[hdr.Name], err = io.ReadAll(tr); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		if files[n] == nil {
			return nil, fmt.Errorf("tarball has no %s", n)
		}
	}
	return files, nil
}

// checkManifest guards against running the generator on another package or
// release than the one named in the generated header.
func checkManifest(data []byte) error {
	var m struct{ Name, Version, License string }
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	if m.Name != datasetName || m.Version != datasetVersion {
		return fmt.Errorf("tarball is %s@%s, want %s@%s", m.Name, m.Version, datasetName, datasetVersion)
	}
	if m.License != "CC BY SA" {
		return fmt.Errorf("package licence changed to %q; review it before regenerating", m.License)
	}
	return nil
}

// entry is one row of the dataset: a Belfiore code may appear several times,
// once per historic denomination.
type entry struct {
	code, province, name string
	active               bool
}

var (
	codeRe     = regexp.MustCompile(`^[A-Z][0-9]{3}$`)
	provinceRe = regexp.MustCompile(`^[A-Z]{2}$`)
)

// parseList reads the JavaScript array literal of lista-comuni.js, one
// ['CODE', 'PR', 'NAME', 0|1] row per line. Any line it does not understand
// is an error: silently skipping rows would drop places from the table.
func parseList(src []byte) ([]entry, error) {
	var entries []entry
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line == "]" || strings.HasPrefix(line, "export const COMUNI") {
			continue
		}
		e, err := parseRow(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", listPath, i+1, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func parseRow(line string) (entry, error) {
	line = strings.TrimSuffix(line, ",")
	if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
		return entry{}, fmt.Errorf("not an array row: %q", line)
	}
	fields, err := splitLiterals(line[1 : len(line)-1])
	if err != nil {
		return entry{}, err
	}
	if len(fields) != 4 || (fields[3] != "0" && fields[3] != "1") {
		return entry{}, fmt.Errorf("want [code, province, name, 0|1], got %q", line)
	}
	e := entry{code: fields[0], province: fields[1], name: fields[2], active: fields[3] == "1"}
	if !codeRe.MatchString(e.code) || !provinceRe.MatchString(e.province) || strings.TrimSpace(e.name) == "" {
		return entry{}, fmt.Errorf("malformed row %q", line)
	}
	if (e.code[0] == 'Z') != (e.province == "EE") {
		return entry{}, fmt.Errorf("foreign code and province EE disagree in %q", line)
	}
	return e, nil
}

// splitLiterals splits a comma-separated list of JavaScript string literals
// (single or double quoted, with backslash escapes) and bare numbers.
func splitLiterals(s string) ([]string, error) {
	var fields []string
	for {
		s = strings.TrimSpace(s)
		if s == "" {
			return fields, nil
		}
		var field string
		var err error
		if s[0] == '\'' || s[0] == '"' {
			field, s, err = stringLiteral(s)
		} else {
			field, s, _ = strings.Cut(s, ",")
			field = strings.TrimSpace(field)
			s = "," + s
		}
		if err != nil {
			return nil, err
		}
		fields = append(fields, field)
		s = strings.TrimSpace(s)
		if s != "" && s[0] != ',' {
			return nil, fmt.Errorf("expected ',' before %q", s)
		}
		s = strings.TrimPrefix(s, ",")
	}
}

// stringLiteral decodes the quoted literal at the start of s and returns it
// with the unread rest of s.
func stringLiteral(s string) (lit, rest string, err error) {
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == quote:
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string in %q", s)
}

// row is one line of the generated table.
type row struct {
	code, province, name string
}

// preferredForeign names the denomination to show for foreign codes whose
// dataset rows are all equally "active" aliases (old and new names of the same
// state). Each value must be one of the dataset's own names for that code, so
// this only picks among them and never invents data; choose fails otherwise.
var preferredForeign = map[string]string{
	"Z112": "GERMANIA",
	"Z114": "REGNO UNITO",
	"Z127": "POLONIA",
	"Z156": "REPUBBLICA CECA",
	"Z206": "MYANMAR",
	"Z217": "TAIWAN",
	"Z300": "NAMIBIA",
	"Z308": "CENTRAFRICANA REPUBBLICA",
	"Z311": "CONGO BRAZZAVILLE",
	"Z320": "GUINEA BISSAU",
	"Z337": "ZIMBABWE",
	"Z502": "BAHAMAS",
	"Z505": "REPUBBLICA DOMINICANA",
	"Z512": "BELIZE",
	"Z606": "GUYANA",
	"Z608": "SURINAME",
}

// choose keeps one row per code. A code can be listed under several names
// (a municipality renamed or merged, a state renamed); we prefer the
// currently active denomination, then names that are not "old=new" alias
// notes, then the curated preference, then the longest (usually the later,
// fuller) name, then alphabetical order so the result is deterministic.
func choose(entries []entry) []row {
	byCode := map[string][]entry{}
	for _, e := range entries {
		byCode[e.code] = append(byCode[e.code], e)
	}
	rows := make([]row, 0, len(byCode))
	for code, es := range byCode {
		best := pick(code, es)
		prov := best.province
		if prov == "EE" {
			prov = ""
		}
		rows = append(rows, row{code: code, province: prov, name: titleCase(best.name)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].code < rows[j].code })
	return rows
}

func pick(code string, es []entry) entry {
	es = filter(es, func(e entry) bool { return e.active })
	es = filter(es, func(e entry) bool { return !strings.Contains(e.name, "=") })
	if want, ok := preferredForeign[code]; ok {
		pref := filter(es, func(e entry) bool { return e.name == want })
		if len(pref) == 0 {
			log.Fatalf("gen: preferred name %q for %s is not among the dataset names", want, code)
		}
		es = pref
	}
	sort.Slice(es, func(i, j int) bool {
		if len(es[i].name) != len(es[j].name) {
			return len(es[i].name) > len(es[j].name)
		}
		return es[i].name < es[j].name
	})
	return es[0]
}

// filter returns the entries matching keep, or all of them when none does, so
// a preference never empties the candidate list.
func filter(es []entry, keep func(entry) bool) []entry {
	var out []entry
	for _, e := range es {
		if keep(e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return es
	}
	return out
}

// minorWords stay lower-case inside a name, as in the official spelling
// ("Castagnole delle Lanze", "Reggio nell'Emilia", "Stati Uniti d'America").
var minorWords = map[string]bool{
	"a": true, "ai": true, "al": true, "all": true, "alla": true, "alle": true, "allo": true,
	"agli": true, "con": true, "d": true, "da": true, "dal": true, "dall": true, "dalla": true,
	"de": true, "dei": true, "degli": true, "del": true, "dell": true, "della": true,
	"delle": true, "dello": true, "di": true, "e": true, "ed": true, "en": true, "in": true,
	"nei": true, "negli": true, "nel": true, "nell": true, "nella": true, "nelle": true,
	"nello": true, "sui": true, "sul": true, "sull": true, "sulla": true, "sulle": true,
	"sullo": true,
}

// titleCase turns the dataset's upper-case ASCII names into display form.
// The trailing apostrophe that stands for an accent ("AGLIE'") is kept as
// the tax agency writes it, rather than guessing between grave and acute.
func titleCase(name string) string {
	var b strings.Builder
	first := true
	for _, word := range splitKeep(strings.ToLower(name), " -/") {
		if len(word) == 1 && strings.ContainsAny(word, " -/") {
			b.WriteString(word)
			continue
		}
		for _, part := range strings.SplitAfter(word, "'") {
			bare := strings.TrimSuffix(part, "'")
			if first || !minorWords[strings.Trim(bare, "().")] {
				part = capitalise(part)
			}
			b.WriteString(part)
			if bare != "" {
				first = false
			}
		}
	}
	return b.String()
}

// splitKeep splits s before and after each separator byte, keeping the
// separators as their own elements.
func splitKeep(s, seps string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(seps, s[i]) >= 0 {
			if i > start {
				out = append(out, s[start:i])
			}
			out = append(out, s[i:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// capitalise upper-cases the first letter of s, skipping leading
// punctuation such as "(" in "Cayman (Isole)".
func capitalise(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return s[:i] + string(c-'a'+'A') + s[i+1:]
		}
	}
	return s
}

func render(rows []row) ([]byte, error) {
	var muni, foreign int
	for _, r := range rows {
		if r.province == "" {
			foreign++
		} else {
			muni++
		}
	}
	if muni < minMunicipalities || foreign < minForeign {
		return nil, fmt.Errorf("only %d municipality and %d foreign codes parsed; format changed?", muni, foreign)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, header, datasetName, datasetVersion, listPath, datasetIntegrity,
		datasetLicence, datasetAuthor, muni, foreign)
	b.WriteString("var places = []placeRow{\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "\t{%q, %q, %q},\n", r.code, r.province, r.name)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

const header = `// Code generated by internal/gen from the npm package %[1]s@%[2]s; DO NOT EDIT.
// To regenerate, run go generate in this package (see gen.sh).

// Source: %[1]s %[2]s, file %[3]s,
// tarball integrity %[4]s.
// Licence of the source data: %[5]s, by %[6]s.
// This table is an adaptation of that data (one row per Belfiore code, the
// currently active or latest denomination, names title-cased) and is shared
// under the same licence, CC BY-SA 4.0.
//
// Rows: %[7]d Italian municipality codes (current and suppressed) and
// %[8]d foreign country and territory codes (Z...), sorted by code.

package codicefiscale

`
