package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"serenade/internal/view"
)

// healthDays is how many days of completeness an installation's page
// shows (the API allows up to 31).
const healthDays = 14

// healthGrid is the view model of an installation's device health: the
// summary and a heatmap, one row per stream and one cell per UTC day
// (oldest first), each cell with a level for its colour and its text.
type healthGrid struct {
	Summary  string
	LastSeen *time.Time
	Days     []healthDay // the columns, oldest first
	Rows     []healthRow
}

// healthDay is a column: the UTC date (YYYY-MM-DD) and its short label
// (day/month, as both languages write it).
type healthDay struct{ Date, Label string }

// healthRow is one stream of the heatmap.
type healthRow struct {
	Key, Kind   string
	Silent      bool
	LastReading *time.Time
	Cells       []healthCell
}

// healthCell is one day of a stream. Level is the colour: "na" (a
// periodic stream expected nothing that day), "l0" (nothing arrived), "l1" (< 50 %), "l2" (< 90 %), "l3" (≥ 90 %); for a day
// without completeness (an event stream), "l3" when something arrived
// and "l0" when not. Percent is -1 when the day has no
// completeness (an event stream: Active says whether it spoke).
type healthCell struct {
	Day     string
	Level   string
	Percent int
	Active  bool
}

// loadHealth reads the installation's device health over the last
// healthDays days, for a caller who may see it.
func (s *Server) loadHealth(r *http.Request, c *Client, base string, d *fieldInstallationData) error {
	if !d.Can.ReadHealth {
		return nil
	}
	var h view.InstallationHealthView
	if err := c.Get(base+"/health", url.Values{"days": {strconv.Itoa(healthDays)}}, &h); err != nil {
		return err
	}
	d.Health = gridOf(h)
	return nil
}

// gridOf turns the API's health into the heatmap, silent streams first.
func gridOf(h view.InstallationHealthView) *healthGrid {
	g := &healthGrid{Summary: string(h.Health), LastSeen: h.LastSeen}
	for _, st := range h.Streams {
		row := healthRow{Key: st.Key, Kind: st.Kind, Silent: st.Silent || slices.Contains(h.SilentStreams, st.Key), LastReading: st.LastReading}
		for _, day := range st.Days {
			row.Cells = append(row.Cells, cellOf(day, st.JudgedBy == "cadence"))
		}
		if len(row.Cells) > len(g.Days) {
			g.Days = g.Days[:0]
			for _, c := range row.Cells {
				g.Days = append(g.Days, healthDay{Date: c.Day, Label: shortDay(c.Day)})
			}
		}
		g.Rows = append(g.Rows, row)
	}
	slices.SortStableFunc(g.Rows, func(a, b healthRow) int {
		switch {
		case a.Silent == b.Silent:
			return 0
		case a.Silent:
			return -1
		}
		return 1
	})
	return g
}

// cellOf is one day's cell; a periodic stream's day without
// completeness expected nothing (before collection, or after it ended).
func cellOf(d view.DayHealthView, periodic bool) healthCell {
	c := healthCell{Day: d.Day, Percent: -1, Active: d.Active}
	switch {
	case d.Completeness == nil && periodic:
		c.Level = "na"
	case d.Completeness == nil && d.Active:
		c.Level = "l3"
	case d.Completeness == nil:
		c.Level = "l0"
	default:
		c.Percent = int(math.Round(*d.Completeness * 100))
		c.Level = levelOf(c.Percent)
	}
	return c
}

func levelOf(percent int) string {
	switch {
	case percent == 0:
		return "l0"
	case percent < 50:
		return "l1"
	case percent < 90:
		return "l2"
	}
	return "l3"
}

// shortDay is "05/03" for 2026-03-05 (the date as it came when it does
// not parse).
func shortDay(day string) string {
	t, err := time.Parse(view.DateLayout, day)
	if err != nil {
		return day
	}
	return t.Format("02/01")
}
