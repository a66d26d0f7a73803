package ingest

import (
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"strings"
	"testing"
)

// bomb is a gzip body that inflates to size bytes of a valid-looking
// batch: one item whose unit runs on for ever, so that a parser without
// a cap would buffer all of it.
func bomb(t testing.TB, size int64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	head := `[{"stream":"a","time":1,"value":1,"unit":"`
	if _, err := io.WriteString(w, head); err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("W", 1<<20))
	for n := int64(0); n < size; n += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.WriteString(w, `"}]`); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGzipBombIsRefusedInBoundedMemory: a body that inflates to 128 MiB
// is a 413 once the cap (1 MiB here) is passed, and parsing it allocates
// a small multiple of the cap, measured, not the inflated size.
func TestGzipBombIsRefusedInBoundedMemory(t *testing.T) {
	const inflated, limit = 128 << 20, 1 << 20
	body := bomb(t, inflated)
	if len(body) > inflated/500 {
		t.Fatalf("the bomb is %d bytes compressed: not a bomb", len(body))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	items, err := Parse(bytes.NewReader(body), true, Limits{MaxBytes: limit})
	runtime.ReadMemStats(&after)
	if StatusOf(err) != 413 || items != nil {
		t.Fatalf("%v (status %d), %d items; want 413", err, StatusOf(err), len(items))
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KiB parsing a bomb of %d KiB inflating to %d MiB (cap %d KiB)", allocated>>10, len(body)>>10, inflated>>20, limit>>10)
	if allocated > 8*limit {
		t.Errorf("parsing the bomb allocated %d bytes, more than 8× the %d-byte cap", allocated, limit)
	}
}
