package store

import (
	"fmt"
	"runtime"
	"testing"
)

// TestNameCacheSize measures what the names kept for the order by
// surname take for domain.NameSortMax patients: the map of folded names
// by id and the sorted rows, built as the cache builds them, with names
// of typical length (a 7-letter surname and a 6-letter first name) and a
// 13-byte identity version each. The bound is what the design note
// states (about 200 bytes a patient, 0.4 MB for 2,000).
func TestNameCacheSize(t *testing.T) {
	const n = 2000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	m := make(map[int64]cachedName, n)
	ids := make([]int64, n)
	for i := range n {
		ids[i] = int64(i + 1)
		m[ids[i]] = cachedName{version: fmt.Sprintf("v%012d", i), last: fmt.Sprintf("ros%04d", i), first: fmt.Sprintf("ma%04d", i)}
	}
	order := sortedRows(ids, m)
	after := heap()
	runtime.KeepAlive(m)
	runtime.KeepAlive(order)
	per := float64(after-before) / n
	t.Logf("%d patients: %d bytes, %.0f bytes a patient", n, after-before, per)
	if per > 250 || per < 40 {
		t.Errorf("%.0f bytes a patient, want 40 to 250", per)
	}
}
