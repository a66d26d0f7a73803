package simulate

import (
	"iter"
	"math/rand/v2"
	"slices"
	"time"
)

// Readings yields the home's readings in [from, to), in time order, one
// simulated day in memory at a time.
func (h Home) Readings(from, to time.Time, f Faults) iter.Seq[Reading] {
	return func(yield func(Reading) bool) {
		for d := from.Unix() / 86400; d*86400 < to.Unix(); d++ {
			for _, r := range h.day(d, f) {
				if r.Time.Before(from) || !r.Time.Before(to) {
					continue
				}
				if !yield(r) {
					return
				}
			}
		}
	}
}

// day generates day d's readings, sorted by time.
func (h Home) day(d int64, f Faults) []Reading {
	dd := h.dayOf(d, f)
	r := rand.New(rand.NewPCG(h.seed, uint64(d)^0x00de_7a11))
	var out []Reading
	add := func(s Stream, at time.Time, v float64) {
		if dd.silent[s.Key] || dd.offline(dd.hour(at)) {
			return
		}
		out = append(out, Reading{Stream: s.Key, Kind: s.Kind, Time: at.Truncate(time.Millisecond), Value: v})
	}
	for _, s := range Kit {
		switch {
		case s.Kind == Motion:
			visits(dd, r, roomRate(s.Key), func(at time.Time, stay time.Duration) {
				add(s, at, 1)
				add(s, at.Add(stay), 0)
			})
		case s.Key == "fridge.door":
			visits(dd, r, fridgeRate, func(at time.Time, _ time.Duration) {
				add(s, at, 1)
				add(s, at.Add(time.Duration(5+r.IntN(50))*time.Second), 0)
			})
		case s.Key == "entrance.door":
			entrance(dd, r, func(at time.Time) {
				add(s, at, 1)
				add(s, at.Add(time.Duration(5+r.IntN(20))*time.Second), 0)
			})
		default:
			periodic(dd, s, r, add)
		}
	}
	slices.SortStableFunc(out, func(a, b Reading) int { return a.Time.Compare(b.Time) })
	return out
}

// periodic samples a metered stream at its cadence, with a little jitter
// as a real gateway's clock has.
func periodic(dd day, s Stream, r *rand.Rand, add func(Stream, time.Time, float64)) {
	for t := dd.start; t.Before(dd.start.Add(24 * time.Hour)); t = t.Add(s.Every) {
		at := t.Add(time.Duration(r.IntN(2000)) * time.Millisecond)
		h := dd.hour(at)
		switch s.Kind {
		case Power:
			v := 0.4 + r.Float64()*0.2 // standby
			if dd.tvOn(h) {
				v = 85 + r.Float64()*25
			}
			add(s, at, float64(int(v*10))/10)
		case Temperature:
			add(s, at, temperature(h, r.NormFloat64()*0.1))
		case Humidity:
			add(s, at, humidity(h, r.NormFloat64()))
		}
	}
}

// visits draws the resident's visits to one room or appliance minute by
// minute: rate gives the expected visits per hour at an hour of the day
// while the resident is home and awake. A night bathroom visit crosses
// the bedroom and the bathroom.
func visits(dd day, r *rand.Rand, rate func(dd day, h float64) float64, visit func(at time.Time, stay time.Duration)) {
	for m := 0; m < 24*60; m++ {
		h := float64(m) / 60
		if dd.out(h) || !dd.awake(h) && !nightVisit(dd, h) {
			continue
		}
		if r.Float64() < rate(dd, h)/60 {
			at := dd.start.Add(time.Duration(m)*time.Minute + time.Duration(r.IntN(60_000))*time.Millisecond)
			visit(at, time.Duration(60+r.IntN(9*60))*time.Second)
		}
	}
}

func nightVisit(dd day, h float64) bool {
	return dd.nightBathroomVisit >= 0 && h >= dd.nightBathroomVisit && h < dd.nightBathroomVisit+0.25
}

// roomRate is how often the resident enters a room, per hour.
func roomRate(key string) func(dd day, h float64) float64 {
	return func(dd day, h float64) float64 {
		if nightVisit(dd, h) {
			if key == "bedroom.motion" || key == "bathroom.motion" {
				return 8
			}
			return 0
		}
		meal := near(h, dd.wake+0.5) || near(h, 12.5) || near(h, 19.25)
		switch key {
		case "kitchen.motion":
			if meal {
				return 6
			}
			return 1.5
		case "bathroom.motion":
			if near(h, dd.wake) || near(h, dd.sleep-0.25) {
				return 5
			}
			return 0.5
		case "bedroom.motion":
			if near(h, dd.wake) || near(h, dd.sleep) {
				return 4
			}
			return 0.3
		}
		if dd.tvOn(h) || h >= 15 && h < 18 {
			return 3 // living room: afternoons and television
		}
		return 2
	}
}

// fridgeRate: the fridge opens around meals, now and then between them.
func fridgeRate(dd day, h float64) float64 {
	if near(h, dd.wake+0.5) || near(h, 12.5) || near(h, 19.25) {
		return 4
	}
	return 0.15
}

func near(h, at float64) bool { return h >= at-0.5 && h < at+0.5 }

// entrance opens the front door when the resident goes out and comes
// back, and for the odd visitor or delivery while they are home.
func entrance(dd day, r *rand.Rand, open func(at time.Time)) {
	at := func(h float64) time.Time { return dd.start.Add(time.Duration(h * float64(time.Hour))) }
	if dd.outTo > dd.outFrom {
		open(at(dd.outFrom))
		open(at(dd.outTo))
	}
	for i := r.IntN(3); i > 0; i-- {
		if h := dd.wake + r.Float64()*(dd.sleep-dd.wake); !dd.out(h) {
			open(at(h))
		}
	}
}
