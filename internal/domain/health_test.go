package domain

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestSilenceRule(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(h float64) *time.Time { x := t0.Add(time.Duration(h * float64(time.Hour))); return &x }
	plug := func(last *time.Time) StreamState {
		return StreamState{Stream: Stream{Key: "tv.plug.power", CadenceSeconds: 60, CreatedAt: t0}, Last: last}
	}
	climate := func(cadence int, last *time.Time) StreamState {
		return StreamState{Stream: Stream{Key: "room.temp", CadenceSeconds: cadence, CreatedAt: t0}, Last: last}
	}
	door := func(last *time.Time) StreamState {
		return StreamState{Stream: Stream{Key: "fridge.door", CreatedAt: t0}, Last: last}
	}
	rule := SilenceRule{Threshold: 6 * time.Hour, EventSilent: 24 * time.Hour}
	cases := []struct {
		name    string
		streams []StreamState
		now     *time.Time
		silent  bool
		keys    []string
	}{
		{"periodic quiet just under the threshold", []StreamState{plug(at(1))}, at(6.9), false, nil},
		{"periodic quiet over the threshold", []StreamState{plug(at(1))}, at(7.1), true, []string{"tv.plug.power"}},
		{"a slow cadence stretches the limit to 3 intervals", []StreamState{climate(4*3600, at(1))}, at(12.9), false, nil},
		{"a slow cadence: silent after 3 intervals", []StreamState{climate(4*3600, at(1))}, at(13.1), true, []string{"room.temp"}},
		{"one periodic stream still sends", []StreamState{plug(at(1)), climate(300, at(30))}, at(30.1), false, nil},
		{"a door shut all night does not alarm while plugs send", []StreamState{plug(at(20)), door(at(0.5))}, at(20.1), false, nil},
		{"periodic silent, the door still fires: silent by the plugs", []StreamState{plug(at(1)), door(at(9))}, at(9.1), true, []string{"tv.plug.power"}},
		{"event-only home, a night without events", []StreamState{door(at(1))}, at(13), false, nil},
		{"event-only home, a day out", []StreamState{door(at(1))}, at(24.9), false, nil},
		{"event-only home silent for over a day", []StreamState{door(at(1))}, at(25.1), true, []string{"fridge.door"}},
		{"a kit that never sent, within the threshold", nil, at(5.9), false, nil},
		{"a kit that never sent, past the threshold", nil, at(6.1), true, nil},
		{"a periodic stream that never sent counts from the start", []StreamState{plug(nil)}, at(6.1), true, []string{"tv.plug.power"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := rule.Judge(t0, c.streams, *c.now)
			if v.Silent != c.silent || !slices.Equal(v.Streams, c.keys) {
				t.Errorf("Judge = silent %v streams %v, want %v %v", v.Silent, v.Streams, c.silent, c.keys)
			}
		})
	}
}

func TestSilenceRuleDefaults(t *testing.T) {
	r := SilenceRule{}.WithDefaults()
	if r.Threshold != DefaultSilenceThreshold || r.EventSilent != DefaultEventSilence {
		t.Errorf("defaults %+v", r)
	}
}

func TestSummarize(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	end := start.Add(48 * time.Hour)
	inst := Installation{CollectionStart: &start, CollectionEnd: &end}
	last := start.Add(time.Hour)
	plug := []StreamState{{Stream: Stream{Key: "p", CadenceSeconds: 60, CreatedAt: start}, Last: &last}}
	r := SilenceRule{}
	for _, c := range []struct {
		inst    Installation
		streams []StreamState
		now     time.Time
		want    HealthSummary
	}{
		{inst, plug, start.Add(2 * time.Hour), HealthOK},
		{inst, plug, start.Add(8 * time.Hour), HealthSilent},
		{inst, nil, start.Add(2 * time.Hour), HealthNoData},
		{inst, nil, start.Add(7 * time.Hour), HealthSilent},
		{inst, plug, end.Add(time.Hour), HealthNotCollecting},
		{Installation{}, nil, start, HealthNotCollecting},
	} {
		if got := r.Summarize(c.inst, c.streams, c.now); got != c.want {
			t.Errorf("Summarize at %v = %s, want %s", c.now, got, c.want)
		}
	}
}

func TestCompleteness(t *testing.T) {
	day := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	exp := ExpectedReadings(300, day, day.Add(24*time.Hour))
	if exp != 288 {
		t.Fatalf("expected readings of a 5-minute stream in a day: %v", exp)
	}
	if c := Completeness(252, exp); c != 0.875 {
		t.Errorf("252 of 288: %v", c)
	}
	if c := Completeness(300, exp); c != 1 {
		t.Errorf("more than expected is capped: %v", c)
	}
	if c := Completeness(0, ExpectedReadings(300, day, day)); !math.IsNaN(c) {
		t.Errorf("nothing expected: %v", c)
	}
}
