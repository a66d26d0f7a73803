package simulate

import (
	"slices"
	"testing"
	"time"
)

var day0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func collect(h Home, from, to time.Time, f Faults) []Reading {
	return slices.Collect(h.Readings(from, to, f))
}

// The same seed gives the same readings, and a part of a range the same
// readings as the whole range restricted to it.
func TestReadingsAreDeterministicAndRangeIndependent(t *testing.T) {
	h := NewHome(42)
	week := collect(h, day0, day0.AddDate(0, 0, 7), AllFaults)
	if again := collect(NewHome(42), day0, day0.AddDate(0, 0, 7), AllFaults); !slices.Equal(week, again) {
		t.Fatal("the same seed gave different readings")
	}
	from, to := day0.Add(50*time.Hour+17*time.Minute), day0.Add(101*time.Hour)
	part := collect(h, from, to, AllFaults)
	var want []Reading
	for _, r := range week {
		if !r.Time.Before(from) && r.Time.Before(to) {
			want = append(want, r)
		}
	}
	if len(part) == 0 || !slices.Equal(part, want) {
		t.Fatalf("a sub-range gave %d readings, the week restricted to it %d", len(part), len(want))
	}
	if other := collect(NewHome(43), day0, day0.AddDate(0, 0, 7), AllFaults); slices.Equal(week, other) {
		t.Fatal("two seeds gave the same home")
	}
	for i := 1; i < len(week); i++ {
		if week[i].Time.Before(week[i-1].Time) {
			t.Fatalf("reading %d out of order", i)
		}
	}
}

// Without faults, metered streams hold every sample of their cadence, and
// every value is in its range.
func TestMeteredStreamsKeepTheirCadenceAndRanges(t *testing.T) {
	counts := map[string]int{}
	for _, r := range collect(NewHome(7), day0, day0.AddDate(0, 0, 3), Faults{}) {
		counts[r.Stream]++
		ok := true
		switch r.Kind {
		case Motion, Contact:
			ok = r.Value == 0 || r.Value == 1
		case Power:
			ok = r.Value >= 0.4 && r.Value <= 110
		case Temperature:
			ok = r.Value >= 17 && r.Value <= 25
		case Humidity:
			ok = r.Value >= 20 && r.Value <= 90
		}
		if !ok {
			t.Fatalf("%s = %v out of range", r.Stream, r.Value)
		}
	}
	for _, s := range Kit {
		if s.Every > 0 && counts[s.Key] != 3*int(24*time.Hour/s.Every) {
			t.Errorf("%s: %d readings in 3 days, want one every %v", s.Key, counts[s.Key], s.Every)
		}
		if s.Every == 0 && counts[s.Key] == 0 {
			t.Errorf("%s: no event in 3 days", s.Key)
		}
	}
}

// Motion follows the day: a month of homes moves far more in the morning
// than in the small hours, and the television draws power in the evening.
func TestMotionFollowsDayAndNight(t *testing.T) {
	var night, morning int
	var eveningW, nightW float64
	var eveningN, nightN int
	for seed := uint64(1); seed <= 10; seed++ {
		for _, r := range collect(NewHome(seed), day0, day0.AddDate(0, 0, 30), Faults{}) {
			h := r.Time.Hour()
			switch {
			case r.Kind == Motion && r.Value == 1 && h >= 2 && h < 5:
				night++
			case r.Kind == Motion && r.Value == 1 && h >= 9 && h < 12:
				morning++
			case r.Kind == Power && h >= 20 && h < 21:
				eveningW += r.Value
				eveningN++
			case r.Kind == Power && h >= 3 && h < 4:
				nightW += r.Value
				nightN++
			}
		}
	}
	if morning < 4*night || night == 0 {
		t.Errorf("motion events 02-05h: %d, 09-12h: %d; want the morning four times busier and a few night visits", night, morning)
	}
	if eveningW/float64(eveningN) < 20*nightW/float64(nightN) {
		t.Errorf("mean plug power 20-21h %.1f W vs 03-04h %.1f W", eveningW/float64(eveningN), nightW/float64(nightN))
	}
}

// With faults, some sensor falls silent for whole days and some gateway
// goes offline for hours, across a study's homes over a quarter.
func TestFaultsSilenceSensorsAndGateways(t *testing.T) {
	var silentDays, offlineGaps int
	for seed := uint64(1); seed <= 20; seed++ {
		perDay := map[string]map[int]int{}
		var lastTemp time.Time
		for _, r := range collect(NewHome(seed), day0, day0.AddDate(0, 0, 90), AllFaults) {
			d := int(r.Time.Sub(day0).Hours() / 24)
			if perDay[r.Stream] == nil {
				perDay[r.Stream] = map[int]int{}
			}
			perDay[r.Stream][d]++
			if r.Stream == "livingroom.temperature" {
				if !lastTemp.IsZero() && r.Time.Sub(lastTemp) > time.Hour && r.Time.Sub(lastTemp) < 12*time.Hour {
					offlineGaps++
				}
				lastTemp = r.Time
			}
		}
		for d := range 90 {
			if perDay["tv.plug.power"][d] == 0 && perDay["livingroom.humidity"][d] > 0 {
				silentDays++
			}
		}
	}
	if silentDays == 0 || offlineGaps == 0 {
		t.Errorf("silent plug-meter days %d, gateway gaps of 1-12 h %d: want some of each", silentDays, offlineGaps)
	}
}
