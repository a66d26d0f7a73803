package api_test

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Joining two exports: for every field of one and every field of the
// other, a value held by exactly one patient in each export links those
// two rows. Timestamps are compared at the coarser of the two exports'
// precisions (whoever holds an export to the second and one to the day
// cuts the first to the day), against timestamps of any field, because a
// ticket's closing time and a collection start are the same instant.
// What counts is how many patients a field links correctly, less the
// pairs it links wrongly: whoever joins cannot tell them apart, and a
// coincidence of values (two roles' nicknames, drawn from the nickname list,
// agreeing by chance) links wrong pairs as often as right ones, while a
// key links right ones only. A field whose net links exceed maxJoinShare
// of the patients both roles see fails, unless both fields are on the
// allow-list for that pair of roles.

// maxJoinShare is the share of patients a field may link by chance.
const maxJoinShare = 0.10

// maxConcordance bounds how alike two roles' list orders may be: the
// share of pairs of patients both lists put the same way round. Orders
// derived from one shared key agree on every pair; independent orders on
// about half (for 20 patients Kendall's tau has a standard deviation of
// 0.16, so independent orders agree on more than 85 % of pairs, tau 0.7,
// about once in 100,000).
const maxConcordance = 0.85

// grain is how precisely a timestamp is shown.
type grain int

const (
	grainExact grain = iota
	grainSecond
	grainMinute
	grainHour
	grainDay
	grainMonth
	grainQuarter
	grainYear
)

var grainNames = []string{"exact", "second", "minute", "hour", "day", "month", "quarter", "year"}

// parseTime reads a timestamp as the API writes them, or a date.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// grainOf is the coarsest grain a time is a multiple of.
func grainOf(t time.Time) grain {
	switch {
	case t.Nanosecond() != 0:
		return grainExact
	case t.Second() != 0:
		return grainSecond
	case t.Minute() != 0:
		return grainMinute
	case t.Hour() != 0:
		return grainHour
	case t.Day() != 1:
		return grainDay
	case (t.Month()-1)%3 != 0:
		return grainMonth
	case t.Month() != 1:
		return grainQuarter
	}
	return grainYear
}

func cut(t time.Time, g grain) string {
	switch g {
	case grainSecond:
		t = t.Truncate(time.Second)
	case grainMinute:
		t = t.Truncate(time.Minute)
	case grainHour:
		t = t.Truncate(time.Hour)
	case grainDay:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case grainMonth:
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case grainQuarter:
		t = time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	case grainYear:
		t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Format(time.RFC3339Nano)
}

// joinField is one field of an export, ready to be joined.
type joinField struct {
	name  string
	rows  []linkRow
	times bool  // every value is a timestamp
	grain grain // the finest grain among its values, for timestamps
}

func joinFields(x *roleExport) []joinField {
	var out []joinField
	fields := x.fields()
	for _, name := range sortedKeys(fields) {
		f := joinField{name: name, rows: fields[name], times: true, grain: grainYear}
		for _, r := range f.rows {
			t, ok := parseTime(r.value)
			if !ok {
				f.times = false
				break
			}
			f.grain = min(f.grain, grainOf(t))
		}
		out = append(out, f)
	}
	return out
}

// keyed indexes a field's rows by join key: key → patients holding it.
func (f joinField) keyed(g grain) map[string]map[int64]bool {
	out := map[string]map[int64]bool{}
	for _, r := range f.rows {
		k := r.value
		if f.times {
			t, _ := parseTime(r.value)
			k = cut(t, g)
		}
		if out[k] == nil {
			out[k] = map[int64]bool{}
		}
		out[k][r.patient] = true
	}
	return out
}

// join is the result of joining two fields.
type join struct {
	a, b    joinField
	grain   grain
	linked  map[int64]bool // patients linked to themselves
	wrong   int            // unique joins that link two different patients
	example string
}

func only(ps map[int64]bool) int64 {
	for p := range ps {
		return p
	}
	return 0
}

// net is how many patients the join links beyond chance.
func (j join) net() int { return len(j.linked) - j.wrong }

// joinOn links the patients that a value names uniquely on both sides.
func joinOn(a, b joinField) join {
	j := join{a: a, b: b, grain: max(a.grain, b.grain), linked: map[int64]bool{}}
	ka, kb := a.keyed(j.grain), b.keyed(j.grain)
	for k, pa := range ka {
		pb := kb[k]
		if len(pa) != 1 || len(pb) != 1 {
			continue
		}
		if p := only(pa); pb[p] {
			j.linked[p] = true
			j.example = k
		} else {
			j.wrong++
		}
	}
	return j
}

// joins joins every field of a with every field of b of the same sort
// (timestamps with timestamps, other values with other values).
func joins(a, b *roleExport) []join {
	var out []join
	fa, fb := joinFields(a), joinFields(b)
	for _, x := range fa {
		for _, y := range fb {
			if x.times == y.times {
				out = append(out, joinOn(x, y))
			}
		}
	}
	return out
}

func common(a, b *roleExport) int {
	pa, n := a.patients(), 0
	for p := range b.patients() {
		if pa[p] {
			n++
		}
	}
	return n
}

// concordance is the share of pairs of patients, in both lists, that the
// two lists order the same way; n is how many patients they share.
func concordance(la, lb []int64) (share float64, n int) {
	pos := func(l []int64) map[int64]int {
		m := map[int64]int{}
		for i, p := range l {
			if _, dup := m[p]; dup {
				return nil // a list of several rows per patient orders no patients
			}
			m[p] = i
		}
		return m
	}
	pa, pb := pos(la), pos(lb)
	if pa == nil || pb == nil {
		return 0, 0
	}
	var both []int64
	for p := range pa {
		if _, ok := pb[p]; ok {
			both = append(both, p)
		}
	}
	slices.Sort(both)
	same, pairs := 0, 0
	for i := range both {
		for j := i + 1; j < len(both); j++ {
			x, y := both[i], both[j]
			if (pa[x] < pa[y]) == (pb[x] < pb[y]) {
				same++
			}
			pairs++
		}
	}
	if pairs == 0 {
		return 0, len(both)
	}
	return float64(same) / float64(pairs), len(both)
}

func (j join) String() string {
	on := "on equal values"
	if j.a.times {
		on = "on times cut to the " + grainNames[j.grain]
	}
	return fmt.Sprintf("%s ⋈ %s %s links %d patients (e.g. on %q; %d wrong unique joins)",
		j.a.name, j.b.name, on, len(j.linked), j.example, j.wrong)
}

// allowedLink is a field that may join two roles' exports, and why.
type allowedLink struct {
	roles  [2]string // the pair of roles, either way round
	fields []string  // field names or prefixes (ending in "." or "[]")
	reason string
}

func (l allowedLink) covers(ra, rb, field string) bool {
	if !(l.roles == [2]string{ra, rb} || l.roles == [2]string{rb, ra}) {
		return false
	}
	return slices.ContainsFunc(l.fields, func(f string) bool {
		return field == f || (strings.HasSuffix(f, ".") || strings.HasSuffix(f, "]")) && strings.HasPrefix(field, f)
	})
}

// allowed reports whether both fields of a join are on the allow-list
// for the pair of roles, with the reason.
func allowed(ra, rb string, j join) (string, bool) {
	for _, l := range linkageAllowList {
		if l.covers(ra, rb, j.a.name) && l.covers(ra, rb, j.b.name) {
			return l.reason, true
		}
	}
	return "", false
}
