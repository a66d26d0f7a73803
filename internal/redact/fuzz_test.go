package redact

import (
	"testing"

	"serenade/internal/textfold"
)

// FuzzRedact checks, on any text, that redaction never panics, that a
// second pass finds nothing more, and that no word of the output is a
// name, phone or codice fiscale of the patient on its own.
func FuzzRedact(f *testing.F) {
	for _, c := range corpus {
		f.Add(c.in)
	}
	f.Add("Rossi [contact] Giulia[phone] 347 2184590 [codice fiscale] via Padova 118 [address]")
	r := New(rossi, nickname)
	standalone := map[string]bool{"rossi": true, "nicolo": true, "giulia": true, "bianchi": true,
		"3472184590": true, "0226147735": true, "rssncl41c14f205z": true}
	f.Fuzz(func(t *testing.T, s string) {
		once := r.Redact(s)
		if twice := r.Redact(once); twice != once {
			t.Fatalf("a second pass changed %q into %q", once, twice)
		}
		for _, w := range textfold.Words(once) {
			if standalone[w.Folded] {
				t.Fatalf("%q left %q in %q", s, w.Folded, once)
			}
		}
	})
}
