// Package nicktest helps tests that search an output for patients' names
// when that output may hold nicknames. A nickname is an Italian first
// name drawn at random (the pseudonym key is new on every run), so one
// patient's nickname may be, or contain, another patient's first name:
// "Mario" is a nickname, and so are "Gianmario" and "Teresanna". A test
// that asserts a name is absent must tell those apart or fail at random.
package nicktest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// List is the nickname list as the server draws from it (the pseudonym
// package's nicknames.txt, without its header).
func List(t testing.TB) []string {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("nicktest: no source path to find the nickname list from")
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "pseudonym", "nicknames.txt"))
	if err != nil {
		t.Fatalf("nicktest: %v", err)
	}
	var names []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	if len(names) < 1000 {
		t.Fatalf("nicktest: only %d names in the nickname list", len(names))
	}
	return names
}

// Masked is text with every whole-word occurrence of a nickname (not
// glued to a letter on either side) replaced by "·", so that a
// search for a name finds it only where it is not a nickname: "Teresa"
// is still found in "Teresa Galbiati" and in "TeresaGalbiati.pdf", not
// in the nickname "Teresanna". A name that is itself a nickname of this
// run is found only glued to other letters, since a whole word of it
// cannot be told from the nickname.
func Masked(text string, nicknames []string) string {
	for _, n := range nicknames {
		if n == "" {
			continue
		}
		var b strings.Builder
		rest := text
		for {
			i := strings.Index(rest, n)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			before, _ := utf8.DecodeLastRuneInString(rest[:i])
			if i == 0 {
				before = utf8.RuneError
				if b.Len() > 0 {
					before, _ = utf8.DecodeLastRuneInString(b.String())
				}
			}
			after, _ := utf8.DecodeRuneInString(rest[i+len(n):])
			b.WriteString(rest[:i])
			if glued(before) || glued(after) {
				_, size := utf8.DecodeRuneInString(n)
				b.WriteString(n[:size])
				rest = rest[i+size:]
				continue
			}
			b.WriteString("·")
			rest = rest[i+len(n):]
		}
		text = b.String()
	}
	return text
}

// glued says whether r, next to a match, makes it part of a longer
// name. Digits do not: redaction may leave a nickname next to them
// ("Teresanna2024.pdf" for "Galbiati2024.pdf").
func glued(r rune) bool {
	return r != utf8.RuneError && unicode.IsLetter(r)
}
