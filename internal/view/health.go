package view

import (
	"math"
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/service"
)

// InstallationHealthView is an installation's device health: dottore,
// iit, imt, unimi (device-health.read). Streams are named by their key
// (e.g. kitchen.motion): what the gateway calls them, never anything
// about the home's people.
type InstallationHealthView struct {
	Installation  string               `json:"installation"`
	Health        domain.HealthSummary `json:"health" enum:"ok,silent,no_data,not_collecting" doc:"ok: collecting and not silent; silent: silent by the silence rule; no_data: collecting, nothing arrived yet, not silent yet; not_collecting: collection has not started or has ended."`
	LastSeen      *time.Time           `json:"last_seen,omitempty" doc:"Time of the latest reading of any stream (installers: to the hour)."`
	SilentStreams []string             `json:"silent_streams" doc:"Keys of the streams that make the installation silent (empty when it is not, or when it has no stream)."`
	From          time.Time            `json:"from" doc:"Start of the window gaps were looked for in."`
	To            time.Time            `json:"to" doc:"End (exclusive) of the window."`
	Streams       []StreamHealthView   `json:"streams"`
}

// StreamHealthView is one stream's health.
type StreamHealthView struct {
	Key         string          `json:"key"`
	Kind        string          `json:"kind"`
	Unit        string          `json:"unit"`
	CadenceS    int             `json:"cadence_s" doc:"Expected interval between readings in seconds; 0: event-driven."`
	JudgedBy    string          `json:"judged_by" enum:"cadence,installation" doc:"cadence: a periodic stream, silent on its own after silent_after_s; installation: an event stream, judged with the installation's other event streams."`
	SilentAfter int64           `json:"silent_after_s" doc:"How long the stream may send nothing before it counts as silent, in seconds."`
	Silent      bool            `json:"silent"`
	LastReading *time.Time      `json:"last_reading,omitempty" doc:"Installers: to the hour."`
	Gaps        []GapView       `json:"gaps" doc:"Periodic streams: stretches of the window longer than 3 intervals without a reading, the earliest 100 (installers: ends to the hour)."`
	Days        []DayHealthView `json:"days" doc:"The last days (UTC), oldest first."`
}

// GapView is a stretch without readings.
type GapView struct {
	From time.Time `json:"from" doc:"The reading before the gap, or the window's start."`
	To   time.Time `json:"to" doc:"The reading after the gap, or the window's end."`
}

// DayHealthView is one UTC day of a stream.
type DayHealthView struct {
	Day          string   `json:"day" format:"date"`
	Readings     *int64   `json:"readings,omitempty" doc:"Readings received that day (not shown to installers)."`
	Active       bool     `json:"active" doc:"At least one reading arrived that day."`
	Completeness *float64 `json:"completeness,omitempty" minimum:"0" maximum:"1" doc:"Periodic streams: the share of the expected intervals that hold a reading, readings/expected capped at 1, over the part of the day the stream was collecting; absent when nothing was expected. Installers: to the 10 %."`
}

// InstallationHealth is the viewer's view of an installation's health
// over [from, to).
func (v Viewer) InstallationHealth(h service.InstallationHealth, from, to time.Time) InstallationHealthView {
	out := InstallationHealthView{
		Installation: v.Ref(resource.Installation, h.Installation.ID), Health: h.Summary,
		LastSeen: v.AtPtr(access.HealthTimes, h.LastSeen), SilentStreams: append([]string{}, h.Silence.Streams...),
		From: from, To: to, Streams: make([]StreamHealthView, len(h.Streams)),
	}
	for i, s := range h.Streams {
		out.Streams[i] = v.streamHealth(s)
	}
	return out
}

func (v Viewer) streamHealth(s service.StreamHealth) StreamHealthView {
	out := StreamHealthView{Key: s.Key, Kind: string(s.Kind), Unit: s.Unit, CadenceS: s.CadenceSeconds, JudgedBy: "installation",
		SilentAfter: int64(s.Limit / time.Second), Silent: s.Silent, LastReading: v.AtPtr(access.HealthTimes, s.Last),
		Gaps: make([]GapView, len(s.Gaps)), Days: make([]DayHealthView, len(s.Days))}
	if s.Periodic() {
		out.JudgedBy = "cadence"
	}
	for i, g := range s.Gaps {
		out.Gaps[i] = GapView{From: v.At(access.HealthTimes, g.From), To: v.At(access.HealthTimes, g.To)}
	}
	exact := access.ExactHealth(v.all)
	for i, d := range s.Days {
		out.Days[i] = DayHealthView{Day: d.Day.Format(DateLayout), Active: d.Readings > 0}
		if exact {
			n := d.Readings
			out.Days[i].Readings = &n
		}
		if !math.IsNaN(d.Completeness) {
			c := d.Completeness
			if !exact {
				c = math.Round(c*10) / 10
			}
			out.Days[i].Completeness = &c
		}
	}
	return out
}

// HealthSummary is how the viewer is shown an installation's health in
// the installations list: the summary and its last reading.
func (v Viewer) HealthSummary(iv *InstallationView, s domain.HealthSummary, lastSeen *time.Time) {
	iv.Health, iv.LastSeen = s, v.AtPtr(access.HealthTimes, lastSeen)
}
