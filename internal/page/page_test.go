package page

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestTimeKeysSortInTimeOrderAndNoneFirst(t *testing.T) {
	t1 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if Time(t1) >= Time(t1.Add(time.Nanosecond)) || Time(time.Time{}) >= Time(t1) {
		t.Error("ascending times out of order")
	}
	if back, err := ParseTime(Time(t1.Add(7))); err != nil || !back.Equal(t1.Add(7)) {
		t.Errorf("ParseTime(Time(t)) = %v, %v", back, err)
	}
}

// TestCursorsOpenOnlyForTheirCallerListSortAndFilter: a cursor opens for
// the caller, list, sort and filter it was sealed for, and for nothing
// else; two cursors of one position differ; an edited one never opens.
func TestCursorsOpenOnlyForTheirCallerListSortAndFilter(t *testing.T) {
	var key [32]byte
	c := NewCursors(key, nil)
	pos := Position{List: "installations", Sort: "status", Filter: "working", Key: Key{"a", "b"}}
	s := c.Seal("42\x00iit", pos)
	if got, err := c.Open("42\x00iit", s, pos); err != nil || !slices.Equal(got, pos.Key) {
		t.Fatalf("own cursor: %v %v", got, err)
	}
	if s == c.Seal("42\x00iit", pos) {
		t.Error("two cursors of one position are equal: they would link requests")
	}
	other := func(p Position, f func(*Position)) Position { f(&p); return p }
	refused := map[string]struct {
		owner, cursor string
		want          Position
	}{
		"another role":    {"42\x00imt", s, pos},
		"another account": {"43\x00iit", s, pos},
		"another list":    {"42\x00iit", s, other(pos, func(p *Position) { p.List = "tickets" })},
		"another sort":    {"42\x00iit", s, other(pos, func(p *Position) { p.Sort = "" })},
		"another filter":  {"42\x00iit", s, other(pos, func(p *Position) { p.Filter = "maintenance" })},
		"edited":          {"42\x00iit", s[:10] + map[bool]string{true: "B", false: "A"}[s[10] == 'A'] + s[11:], pos},
		"not a cursor":    {"42\x00iit", "42", pos},
		"another key":     {"42\x00iit", NewCursors([32]byte{1}, nil).Seal("42\x00iit", pos), pos},
	}
	for name, r := range refused {
		if _, err := c.Open(r.owner, r.cursor, r.want); !errors.Is(err, ErrCursor) {
			t.Errorf("%s: opened (err %v)", name, err)
		}
	}
}

// TestCursorsExpireAfterTheirLifetime: a cursor opens until Lifetime has
// passed since it was given, and is then refused as expired (not as
// someone else's), whatever else is right about it.
func TestCursorsExpireAfterTheirLifetime(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := NewCursors([32]byte{7}, func() time.Time { return now })
	pos := Position{List: "audit", Filter: "actor", Key: Key{Int(42)}}
	s := c.Seal("1\x00admin", pos)
	for _, age := range []time.Duration{0, time.Minute, Lifetime} {
		now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(age)
		if got, err := c.Open("1\x00admin", s, pos); err != nil || !slices.Equal(got, pos.Key) {
			t.Errorf("after %v: %v %v, want it open", age, got, err)
		}
	}
	for _, age := range []time.Duration{Lifetime + time.Second, 30 * 24 * time.Hour} {
		now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(age)
		if _, err := c.Open("1\x00admin", s, pos); !errors.Is(err, ErrCursorExpired) {
			t.Errorf("after %v: %v, want ErrCursorExpired", age, err)
		}
	}
}
