package domain

import (
	"math"
	"strings"
	"time"
)

// Device health (issue 10 §7): when the streams of an installation last
// sent, and whether the kit is silent. docs/design.md ("Silence rule and
// maintenance tickets") explains the rule.

// Defaults of the silence rule.
const (
	// DefaultSilenceThreshold is how long a periodic stream may send
	// nothing before it counts as silent (unless 3× its cadence is longer).
	DefaultSilenceThreshold = 6 * time.Hour
	// DefaultEventSilence is how long a home with event streams only (a
	// door contact, a motion sensor) may stay without any event before it
	// counts as silent: a night, or a day out, raise no alarm.
	DefaultEventSilence = 24 * time.Hour
	// CadenceGrace is how many expected intervals a periodic stream may
	// miss before it is silent, and how long a gap must be to be reported.
	CadenceGrace = 3
)

// SilenceRule judges streams and installations silent.
type SilenceRule struct {
	Threshold   time.Duration // periodic streams; <= 0: DefaultSilenceThreshold
	EventSilent time.Duration // event-only homes; <= 0: DefaultEventSilence
}

// WithDefaults fills the unset durations with their defaults.
func (r SilenceRule) WithDefaults() SilenceRule {
	if r.Threshold <= 0 {
		r.Threshold = DefaultSilenceThreshold
	}
	if r.EventSilent <= 0 {
		r.EventSilent = DefaultEventSilence
	}
	return r
}

// StreamLimit is how long stream s may send nothing before it is silent:
// max(Threshold, CadenceGrace × cadence) for a periodic stream; for an
// event stream, EventSilent (judged with the installation's other event
// streams, never alone).
func (r SilenceRule) StreamLimit(s Stream) time.Duration {
	r = r.WithDefaults()
	if s.CadenceSeconds <= 0 {
		return r.EventSilent
	}
	return max(r.Threshold, time.Duration(CadenceGrace*s.CadenceSeconds)*time.Second)
}

// StreamState is a stream with the times of its latest and earliest
// readings (nil: none ever arrived).
type StreamState struct {
	Stream
	Last, First *time.Time
}

// Since is when the stream began to exist for the study: its creation
// (its first batch), or its earliest reading if that is older (a
// gateway's backlog).
func (s StreamState) Since() time.Time {
	if s.First != nil && s.First.Before(s.CreatedAt) {
		return *s.First
	}
	return s.CreatedAt
}

// Periodic reports whether the stream has a cadence.
func (s StreamState) Periodic() bool { return s.CadenceSeconds > 0 }

// quietSince is when the stream last showed life: its latest reading, or
// else when it could first have sent (since, or its creation if later).
func (s StreamState) quietSince(since time.Time) time.Time {
	if s.Last != nil {
		return *s.Last
	}
	if s.CreatedAt.After(since) {
		return s.CreatedAt
	}
	return since
}

// Silence is the verdict of the rule on one installation at one time.
type Silence struct {
	Silent bool
	// Streams are the keys of the streams that make it silent, sorted:
	// the silent periodic streams, or every event stream of an event-only
	// home. Empty when the kit has no stream at all.
	Streams []string
	// Never says no reading ever arrived from the installation.
	Never bool
}

// Judge applies the rule to an installation whose data collection runs
// since `since` (its collection start), with its streams, at now:
//   - with periodic streams, it is silent when every periodic stream is:
//     none sent for StreamLimit (event streams are not looked at, so a
//     door that stays shut at night alarms nobody);
//   - with event streams only, it is silent when none of them fired for
//     EventSilent;
//   - with no stream at all (a kit that never sent), it is silent once
//     Threshold has passed since the collection started.
//
// A stream that never sent counts from its creation or from since,
// whichever is later.
func (r SilenceRule) Judge(since time.Time, streams []StreamState, now time.Time) Silence {
	r = r.WithDefaults()
	v := Silence{Never: true}
	var periodic, events []StreamState
	for _, s := range streams {
		if s.Last != nil {
			v.Never = false
		}
		if s.Periodic() {
			periodic = append(periodic, s)
		} else {
			events = append(events, s)
		}
	}
	switch {
	case len(periodic) > 0:
		v.Silent = true
		for _, s := range periodic {
			if now.Sub(s.quietSince(since)) > r.StreamLimit(s.Stream) {
				v.Streams = append(v.Streams, s.Key)
			} else {
				v.Silent = false
			}
		}
	case len(events) > 0:
		v.Silent = now.Sub(latest(events, since)) > r.EventSilent
		for _, s := range events {
			v.Streams = append(v.Streams, s.Key)
		}
	default:
		v.Silent = now.Sub(since) > r.Threshold
	}
	if !v.Silent {
		v.Streams = nil
	}
	return v
}

// latest is the latest sign of life among streams.
func latest(streams []StreamState, since time.Time) time.Time {
	var t time.Time
	for _, s := range streams {
		if q := s.quietSince(since); q.After(t) {
			t = q
		}
	}
	return t
}

// LastSeen is the time of the latest reading among streams, or nil.
func LastSeen(streams []StreamState) *time.Time {
	var t *time.Time
	for _, s := range streams {
		if s.Last != nil && (t == nil || s.Last.After(*t)) {
			t = s.Last
		}
	}
	return t
}

// SilenceMessage is the first message of a maintenance ticket Serenade
// opens for a silent kit: it names the silent streams by key (never
// anything about the home or its people) and the silence threshold
// (written as Go writes a duration, "36h0m0s"; the web UI says it in
// words). Messages stored before the threshold was named read "no
// reading for longer than the silence threshold from …".
func SilenceMessage(v Silence, threshold time.Duration) string {
	if len(v.Streams) == 0 {
		return "Opened by Serenade: the sensor kit has sent no reading since data collection started (more than " +
			threshold.String() + "). Please check the gateway and its connection."
	}
	return "Opened by Serenade: no reading for more than " + threshold.String() + " from " + strings.Join(v.Streams, ", ") +
		". Please check these sensors and the gateway."
}

// HealthSummary is an installation's health in one word, for lists.
type HealthSummary string

// The summaries.
const (
	HealthOK            HealthSummary = "ok"             // collecting and not silent
	HealthSilent        HealthSummary = "silent"         // collecting and silent by the rule
	HealthNoData        HealthSummary = "no_data"        // collecting, nothing ever arrived, not silent yet
	HealthNotCollecting HealthSummary = "not_collecting" // collection has not started or has ended
)

// Summarize is the summary of an installation at now.
func (r SilenceRule) Summarize(inst Installation, streams []StreamState, now time.Time) HealthSummary {
	if !inst.CollectingAt(now) {
		return HealthNotCollecting
	}
	v := r.Judge(*inst.CollectionStart, streams, now)
	switch {
	case v.Silent:
		return HealthSilent
	case v.Never:
		return HealthNoData
	}
	return HealthOK
}

// ExpectedReadings is how many readings a periodic stream of cadence
// seconds should send over [from, to): one per interval.
func ExpectedReadings(cadence int, from, to time.Time) float64 {
	if cadence <= 0 || !to.After(from) {
		return 0
	}
	return to.Sub(from).Seconds() / float64(cadence)
}

// Completeness is the share of expected intervals that hold a reading,
// estimated as got/expected and capped at 1 (a stream that sends faster
// than its cadence does not make up for a gap); NaN when nothing was
// expected.
func Completeness(got int64, expected float64) float64 {
	if expected <= 0 {
		return math.NaN()
	}
	return min(1, float64(got)/expected)
}

// Gap is a stretch of a periodic stream without readings, longer than
// CadenceGrace × its cadence: from the reading before (or the start of
// the window) to the reading after (or the end of the window).
type Gap struct {
	From, To time.Time
}

// GapLimit is the shortest gap reported for a stream of cadence seconds.
func GapLimit(cadence int) time.Duration {
	return time.Duration(CadenceGrace*cadence) * time.Second
}
