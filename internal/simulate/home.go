// Package simulate generates realistic ambient-sensor readings for the
// homes of a study: motion that follows a person's day and night, door
// contacts at meals and outings, a television's plug power, room
// temperature and humidity with their daily swing, and the faults of real
// kits (a sensor that falls silent for days, a gateway offline for hours).
//
// Generation is deterministic: a home is a seed, and the same seed gives
// the same readings over the same range, so a benchmark or a demo can be
// regenerated. Nothing here sends data: the serenade simulate command and
// the demo send what it yields through the real ingest path.
package simulate

import (
	"math"
	"math/rand/v2"
	"time"
)

// Kind is a stream's kind, as the ingest API names it (docs/api.md,
// "Sensor ingest").
type Kind string

// The kinds the simulated kit uses.
const (
	Motion      Kind = "motion"
	Contact     Kind = "contact"
	Power       Kind = "power"
	Temperature Kind = "temperature"
	Humidity    Kind = "humidity"
)

// Stream is one simulated sensor channel. Unit is UCUM (`1` for binary
// states, `W`, `Cel`, `%`); Every is the cadence of a periodic stream,
// zero for an event-driven one.
type Stream struct {
	Key   string
	Kind  Kind
	Unit  string
	Every time.Duration
}

// Kit is the sensor kit of the study's homes (SPEC §7): event-driven
// motion and door sensors, a plug meter every minute, climate every five.
var Kit = []Stream{
	{Key: "kitchen.motion", Kind: Motion, Unit: "1"},
	{Key: "bathroom.motion", Kind: Motion, Unit: "1"},
	{Key: "bedroom.motion", Kind: Motion, Unit: "1"},
	{Key: "livingroom.motion", Kind: Motion, Unit: "1"},
	{Key: "fridge.door", Kind: Contact, Unit: "1"},
	{Key: "entrance.door", Kind: Contact, Unit: "1"},
	{Key: "tv.plug.power", Kind: Power, Unit: "W", Every: time.Minute},
	{Key: "livingroom.temperature", Kind: Temperature, Unit: "Cel", Every: 5 * time.Minute},
	{Key: "livingroom.humidity", Kind: Humidity, Unit: "%", Every: 5 * time.Minute},
}

// Reading is one simulated value: Value is 1 or 0 for binary streams
// (motion detected, door open or closed).
type Reading struct {
	Stream string
	Kind   Kind
	Time   time.Time
	Value  float64
}

// Home is one simulated household, drawn from its seed: the resident's
// habits and the kit's faults.
type Home struct {
	seed uint64
	// Habits, in hours after local midnight.
	wake, sleep float64
	// outingsPerWeek: how often the resident leaves home for hours.
	outingsPerWeek float64
	// silentRate is the chance per stream and day that a sensor falls
	// silent (battery, unplugged) for one to three days.
	silentRate float64
	// offlineRate is the chance per day that the gateway is offline
	// for one to six hours.
	offlineRate float64
}

// NewHome draws a household from seed.
func NewHome(seed uint64) Home {
	r := rand.New(rand.NewPCG(seed, 0x5e7e_9ade))
	return Home{
		seed:           seed,
		wake:           6.5 + r.Float64()*2,     // 06:30 to 08:30
		sleep:          21.5 + r.Float64()*2,    // 21:30 to 23:30
		outingsPerWeek: 1 + r.Float64()*5,       // elderly residents: one to six outings a week
		silentRate:     0.005 + r.Float64()/100, // about one silent spell per stream and quarter
		offlineRate:    0.02 + r.Float64()/50,
	}
}

// Faults controls the kit's faults; the zero value is a faultless kit.
type Faults struct{ Silences, Offline bool }

// AllFaults simulates silent sensors and gateway outages.
var AllFaults = Faults{Silences: true, Offline: true}

// day is one simulated day of a home: the random draws that make it.
type day struct {
	start              time.Time // local midnight (UTC here: Italy's offset does not matter to the shape)
	wake, sleep        float64
	outFrom, outTo     float64 // an outing, hours; equal when none
	offFrom, offTo     float64 // gateway offline, hours; equal when none
	silent             map[string]bool
	nightBathroomVisit float64 // hour of a night visit; negative when none
}

// dayOf draws day d (days since the Unix epoch) of the home. Each day has
// its own generator, so any range can be generated on its own and gives
// the same readings as a longer range covering it.
func (h Home) dayOf(d int64, f Faults) day {
	r := rand.New(rand.NewPCG(h.seed, uint64(d)))
	dd := day{start: time.Unix(d*86400, 0).UTC(), nightBathroomVisit: -1, silent: map[string]bool{}}
	dd.wake = h.wake + r.NormFloat64()*0.4
	dd.sleep = h.sleep + r.NormFloat64()*0.5
	if r.Float64() < h.outingsPerWeek/7 {
		dd.outFrom = 9.5 + r.Float64()*7
		dd.outTo = dd.outFrom + 1 + r.Float64()*3
	}
	if r.Float64() < 0.6 {
		dd.nightBathroomVisit = 1 + r.Float64()*4
	}
	if f.Offline && r.Float64() < h.offlineRate {
		dd.offFrom = r.Float64() * 20
		dd.offTo = dd.offFrom + 1 + r.Float64()*5
	}
	if f.Silences {
		for _, s := range Kit {
			// A spell starts on a day and lasts one to three days: look
			// back three days for spells still running.
			for back := int64(0); back < 3; back++ {
				rs := rand.New(rand.NewPCG(h.seed^hashKey(s.Key), uint64(d-back)))
				if rs.Float64() < h.silentRate && rs.IntN(3) >= int(back) {
					dd.silent[s.Key] = true
				}
			}
		}
	}
	return dd
}

func hashKey(k string) uint64 {
	var x uint64 = 1469598103934665603 // FNV-1a
	for i := 0; i < len(k); i++ {
		x ^= uint64(k[i])
		x *= 1099511628211
	}
	return x
}

// at is the hour of the day t falls in, as a fraction.
func (dd day) hour(t time.Time) float64 { return t.Sub(dd.start).Hours() }

func (dd day) awake(h float64) bool   { return h >= dd.wake && h < dd.sleep }
func (dd day) out(h float64) bool     { return h >= dd.outFrom && h < dd.outTo }
func (dd day) offline(h float64) bool { return h >= dd.offFrom && h < dd.offTo }

// tvOn: the television is on in the evening and after lunch, while home.
func (dd day) tvOn(h float64) bool {
	return !dd.out(h) && ((h >= 13.5 && h < 14.5) || (h >= 19.5 && h < dd.sleep-0.25))
}

// temperature is the living room's temperature at hour h: a daily swing
// around 21 °C, warmest in the afternoon, with a little noise.
func temperature(h float64, noise float64) float64 {
	return math.Round((21+1.5*math.Sin((h-9)/24*2*math.Pi)+noise)*10) / 10
}

// humidity moves against temperature and rises when cooking.
func humidity(h float64, noise float64) float64 {
	v := 50 - 6*math.Sin((h-9)/24*2*math.Pi) + noise
	if (h >= 12 && h < 13) || (h >= 19 && h < 20) {
		v += 6
	}
	return math.Round(math.Max(20, math.Min(90, v)))
}
