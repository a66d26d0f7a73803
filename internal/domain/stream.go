package domain

import (
	"regexp"
	"strings"
	"time"
)

// StreamKind is what a sensor channel measures.
type StreamKind string

// The kinds of stream (issue 10 §1).
const (
	KindMotion      StreamKind = "motion"
	KindContact     StreamKind = "contact"
	KindPower       StreamKind = "power"
	KindEnergy      StreamKind = "energy"
	KindTemperature StreamKind = "temperature"
	KindHumidity    StreamKind = "humidity"
	KindPresence    StreamKind = "presence"
	KindPressure    StreamKind = "pressure"
	KindOther       StreamKind = "other"
)

// StreamKinds lists every kind, in a fixed order.
var StreamKinds = []StreamKind{KindMotion, KindContact, KindPower, KindEnergy, KindTemperature, KindHumidity, KindPresence, KindPressure, KindOther}

// ParseStreamKind reads a kind by its name.
func ParseStreamKind(s string) (StreamKind, bool) {
	for _, k := range StreamKinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// Stream is one sensor channel of an installation (SPEC §7).
type Stream struct {
	ID             int64
	InstallationID int64
	Key            string     // e.g. kitchen.motion
	Kind           StreamKind // what it measures
	Unit           string     // UCUM: W, Wh, Cel, %, 1 for binary
	// CadenceSeconds is the expected interval between readings of a
	// periodic stream; 0 means event-driven (a reading when something
	// happens, silence otherwise).
	CadenceSeconds int
	CreatedAt      time.Time
}

// MaxStreamsPerInstallation bounds the streams an installation's
// gateway may create on first use: a gateway that invents a key per
// reading cannot grow the table without bound.
const MaxStreamsPerInstallation = 200

// MaxStreamKeyLength is the longest stream key, in bytes.
const MaxStreamKeyLength = 64

// streamKey is a stream key: dot-separated segments of lower-case ASCII
// letters, digits, '_' and '-', each starting with a letter or digit.
var streamKey = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$`)

// ValidStreamKey reports whether key is a well-formed stream key.
func ValidStreamKey(key string) bool {
	return len(key) <= MaxStreamKeyLength && streamKey.MatchString(key)
}

// kindWords maps a key segment to the kind it names. Checked from the
// last segment back, so "tv.plug.power" is power (not contact), and
// "fridge.door" is contact.
var kindWords = map[string]StreamKind{
	"motion": KindMotion, "pir": KindMotion, "movement": KindMotion,
	"contact": KindContact, "door": KindContact, "window": KindContact, "opening": KindContact,
	"power": KindPower, "watt": KindPower, "plug": KindPower,
	"energy": KindEnergy, "kwh": KindEnergy, "wh": KindEnergy,
	"temperature": KindTemperature, "temp": KindTemperature,
	"humidity": KindHumidity, "rh": KindHumidity,
	"presence": KindPresence, "occupancy": KindPresence,
	"pressure": KindPressure, "bed": KindPressure, "chair": KindPressure,
}

// InferStreamKind guesses a kind from a key: the last segment that names
// a kind (or a usual synonym) decides; a key naming none is other.
func InferStreamKind(key string) StreamKind {
	segs := strings.Split(key, ".")
	for i := len(segs) - 1; i >= 0; i-- {
		if k, ok := kindWords[segs[i]]; ok {
			return k
		}
	}
	return KindOther
}

// DefaultUnit is the UCUM unit of a kind's readings when the gateway
// names none: W, Wh, Cel, %, and 1 for binary and unitless values.
func DefaultUnit(k StreamKind) string {
	switch k {
	case KindPower:
		return "W"
	case KindEnergy:
		return "Wh"
	case KindTemperature:
		return "Cel"
	case KindHumidity:
		return "%"
	}
	return "1"
}

// DefaultCadence is the expected interval (seconds) of a kind's
// readings when the gateway names none: plugs report every minute,
// climate sensors every five; binary sensors are event-driven (0).
func DefaultCadence(k StreamKind) int {
	switch k {
	case KindPower, KindEnergy:
		return 60
	case KindTemperature, KindHumidity:
		return 300
	}
	return 0
}

// ValidUnit reports whether a unit is a plausible UCUM code: 1 to 16
// printable ASCII characters without spaces.
func ValidUnit(u string) bool {
	if u == "" || len(u) > 16 {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] > '~' {
			return false
		}
	}
	return true
}

// MaxCadenceSeconds is the longest expected cadence (one day).
const MaxCadenceSeconds = 86400

// Reading is one value of one stream at one time (milliseconds since
// the Unix epoch, UTC). Binary values are 0 and 1.
type Reading struct {
	StreamID int64
	AtMs     int64
	Value    float64
}

// RollupTiers are the widths, in seconds, of the buckets the store keeps
// min, max, sum and count for: a minute, an hour, a day (UTC).
var RollupTiers = []int64{60, 3600, 86400}

// Bucket is the start (ms) of the bucket of width tier (s) holding atMs.
func Bucket(atMs, tier int64) int64 {
	w := tier * 1000
	b := atMs - atMs%w
	if atMs < 0 && atMs%w != 0 {
		b -= w
	}
	return b
}

// IngestToken is an installation's ingest token as the study knows it:
// never its secret, which is shown once when it is provisioned and
// stored only as a hash.
type IngestToken struct {
	ID             int64
	InstallationID int64
	PatientID      int64
	PublicID       string // the token's lookup part (srn_<public id>_…)
	CreatedAt      time.Time
	LastUsedAt     *time.Time // updated at most once a minute
	RevokedAt      *time.Time
}

// Revoked reports whether the token was revoked.
func (t IngestToken) Revoked() bool { return t.RevokedAt != nil }
