package api

import (
	"bytes"
	"testing"
)

// An upload reserves what its buffer may hold: the declared body when it
// is under the document limit, else (over it, or chunked) the limit plus
// the one byte that tells it is over; plus the buffer's read margin.
func TestUploadReservation(t *testing.T) {
	const limit = 1000
	for _, c := range []struct{ declared, want int64 }{
		{300, 300 + bytes.MinRead},
		{limit + 1, limit + 1 + bytes.MinRead},
		{limit + 60_000, limit + 1 + bytes.MinRead},
		{-1, limit + 1 + bytes.MinRead},
	} {
		if got := reservation(c.declared, limit); got != c.want {
			t.Errorf("reservation(%d) = %d, want %d", c.declared, got, c.want)
		}
	}
	if g := newUploadGate(0, limit); g.size != 4*(limit+1+bytes.MinRead) {
		t.Errorf("default gate %d bytes, want four documents (%d)", g.size, 4*limit)
	}
	if g := newUploadGate(10, limit); g.size != limit+1+bytes.MinRead {
		t.Errorf("a gate smaller than one upload is %d bytes, want one upload of the limit", g.size)
	}
}
