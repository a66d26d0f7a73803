package ingest

import (
	"bytes"
	"math"
	"testing"

	"serenade/internal/domain"
)

// FuzzParse: whatever the body, Parse returns either items that each
// hold a valid stream key and a finite value, within the limits, or an
// error with a 4xx status; it never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`[` + good + `]`, good + "\n" + good, `[{"stream":"a","time":"2026-03-02T10:00:00Z","value":1.5,"kind":"power"}]`, `[]`, `{`, `[1]`} {
		f.Add([]byte(s), false)
		f.Add(gz(f, s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, gzipped bool) {
		l := Limits{MaxItems: 50, MaxBytes: 4096}
		items, err := Parse(bytes.NewReader(body), gzipped, l)
		if err != nil {
			if s := StatusOf(err); s < 400 || s > 499 || items != nil {
				t.Fatalf("error %v has status %d (%d items)", err, s, len(items))
			}
			return
		}
		if len(items) == 0 || len(items) > l.MaxItems {
			t.Fatalf("%d items", len(items))
		}
		for _, it := range items {
			if !domain.ValidStreamKey(it.Stream) || math.IsNaN(it.Value) || math.IsInf(it.Value, 0) {
				t.Fatalf("bad item accepted: %+v", it)
			}
		}
	})
}
