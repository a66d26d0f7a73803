package web

import (
	"testing"

	"serenade/internal/view"
)

// TestHeatmapCells: a day's colour and text by its completeness, for a
// periodic and an event stream; silent streams sort first.
func TestHeatmapCells(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		day      view.DayHealthView
		periodic bool
		level    string
		percent  int
	}{
		{view.DayHealthView{Completeness: f(1), Active: true}, true, "l3", 100},
		{view.DayHealthView{Completeness: f(0.9), Active: true}, true, "l3", 90},
		{view.DayHealthView{Completeness: f(0.894), Active: true}, true, "l2", 89},
		{view.DayHealthView{Completeness: f(0.5), Active: true}, true, "l2", 50},
		{view.DayHealthView{Completeness: f(0.01), Active: true}, true, "l1", 1},
		{view.DayHealthView{Completeness: f(0)}, true, "l0", 0},
		{view.DayHealthView{}, true, "na", -1},
		{view.DayHealthView{Active: true}, false, "l3", -1},
		{view.DayHealthView{}, false, "l0", -1},
	} {
		got := cellOf(c.day, c.periodic)
		if got.Level != c.level || got.Percent != c.percent {
			t.Errorf("%+v (periodic %v): %s %d%%, want %s %d%%", c.day, c.periodic, got.Level, got.Percent, c.level, c.percent)
		}
	}
	g := gridOf(view.InstallationHealthView{SilentStreams: []string{"b"}, Streams: []view.StreamHealthView{
		{Key: "a", Days: []view.DayHealthView{{Day: "2026-03-01"}, {Day: "2026-03-02"}}}, {Key: "b"}}})
	if g.Rows[0].Key != "b" || !g.Rows[0].Silent || g.Rows[1].Silent {
		t.Errorf("rows %+v: want the silent stream b first", g.Rows)
	}
	if len(g.Days) != 2 || g.Days[1] != (healthDay{Date: "2026-03-02", Label: "02/03"}) {
		t.Errorf("columns %+v", g.Days)
	}
}
