package service

import (
	"context"
	"math"
	"time"

	"serenade/internal/domain"
	"serenade/internal/store"
)

// Health is device health (issue 10 §7): per-stream last readings, gaps
// and daily completeness, the installations' health summaries, and the
// silence sweep that opens maintenance tickets for silent kits.
type Health struct {
	db   *store.DB
	rule domain.SilenceRule
}

// NewHealth returns device health over db, judging silence by rule.
func NewHealth(db *store.DB, rule domain.SilenceRule) *Health {
	return &Health{db: db, rule: rule.WithDefaults()}
}

// Now is the time health is judged at: the store's clock, in UTC.
func (h *Health) Now() time.Time { return h.db.Now().UTC() }

// Health window bounds.
const (
	// MaxHealthWindow is the longest window gaps are looked for in.
	MaxHealthWindow = 7 * 24 * time.Hour
	// MaxHealthDays is the most days of completeness one answer holds.
	MaxHealthDays = 31
	// MaxGapsPerStream bounds the gaps listed per stream (the earliest).
	MaxGapsPerStream = 100
)

// HealthQuery asks for an installation's health: gaps within [From, To)
// and completeness of the Days UTC days ending with To's day.
type HealthQuery struct {
	From, To time.Time
	Days     int
}

// StreamHealth is one stream's health.
type StreamHealth struct {
	domain.StreamState
	Silent bool
	Limit  time.Duration // how long it may stay quiet (domain.SilenceRule.StreamLimit)
	Gaps   []domain.Gap  // periodic streams only
	Days   []DayHealth   // oldest first
}

// DayHealth is one UTC day of a stream: readings received, and for a
// periodic stream the completeness (NaN when nothing was expected: the
// day lies outside the collection).
type DayHealth struct {
	Day          time.Time
	Readings     int64
	Completeness float64
}

// InstallationHealth is an installation's health at Now.
type InstallationHealth struct {
	Installation domain.Installation
	Now          time.Time
	LastSeen     *time.Time
	Summary      domain.HealthSummary
	Silence      domain.Silence
	Streams      []StreamHealth
}

// Installation reads an installation's device health. q is checked: a
// window that is empty, reversed or longer than MaxHealthWindow, or Days
// outside 1..MaxHealthDays, is invalid.
func (h *Health) Installation(ctx context.Context, installationID int64, q HealthQuery) (InstallationHealth, error) {
	if err := q.check(); err != nil {
		return InstallationHealth{}, err
	}
	inst, err := h.db.Installation(ctx, installationID)
	if err != nil {
		return InstallationHealth{}, err
	}
	states, err := h.db.StreamStates(ctx, installationID)
	if err != nil {
		return InstallationHealth{}, err
	}
	now := h.db.Now().UTC()
	out := InstallationHealth{Installation: inst, Now: now, LastSeen: domain.LastSeen(states), Summary: h.rule.Summarize(inst, states, now)}
	if inst.CollectionStart != nil {
		out.Silence = h.rule.Judge(*inst.CollectionStart, states, now)
	}
	for _, s := range states {
		sh, err := h.stream(ctx, inst, s, out.Silence, q, now)
		if err != nil {
			return InstallationHealth{}, err
		}
		out.Streams = append(out.Streams, sh)
	}
	return out, nil
}

func (q HealthQuery) check() error {
	switch {
	case !q.To.After(q.From):
		return domain.Invalid("from", "the window [from, to) is empty: from must be before to")
	case q.To.Sub(q.From) > MaxHealthWindow:
		return domain.Invalid("from", "the window [from, to) may span at most 7 days")
	case q.Days < 1 || q.Days > MaxHealthDays:
		return domain.Invalid("days", "days must be from 1 to 31")
	}
	return nil
}

// stream is one stream's health.
func (h *Health) stream(ctx context.Context, inst domain.Installation, s domain.StreamState, v domain.Silence, q HealthQuery, now time.Time) (StreamHealth, error) {
	out := StreamHealth{StreamState: s, Limit: h.rule.StreamLimit(s.Stream), Gaps: []domain.Gap{}}
	for _, k := range v.Streams {
		out.Silent = out.Silent || k == s.Key
	}
	from, to := observed(inst, s, q.From, q.To, now)
	if s.Periodic() && to.After(from) {
		gaps, err := h.db.Gaps(ctx, s.ID, from.UnixMilli(), to.UnixMilli(), domain.GapLimit(s.CadenceSeconds), MaxGapsPerStream)
		if err != nil {
			return out, err
		}
		out.Gaps = gaps
	}
	days, err := h.days(ctx, inst, s, q, now)
	out.Days = days
	return out, err
}

// observed clips [from, to) to when the stream could send: after the
// collection started and the stream existed (StreamState.Since), before
// the collection ended and now.
func observed(inst domain.Installation, s domain.StreamState, from, to, now time.Time) (time.Time, time.Time) {
	if inst.CollectionStart == nil {
		return from, from
	}
	from = latestOf(from, *inst.CollectionStart, s.Since())
	to = earliestOf(to, now)
	if inst.CollectionEnd != nil {
		to = earliestOf(to, *inst.CollectionEnd)
	}
	return from, to
}

// days reads the day-tier rollup counts of the q.Days days ending with
// q.To's day and judges each against the stream's cadence.
func (h *Health) days(ctx context.Context, inst domain.Installation, s domain.StreamState, q HealthQuery, now time.Time) ([]DayHealth, error) {
	last := dayOf(q.To.Add(-time.Millisecond))
	first := last.AddDate(0, 0, 1-q.Days)
	buckets, err := h.db.Rollups(ctx, s.ID, 86400, first.UnixMilli(), last.AddDate(0, 0, 1).UnixMilli())
	if err != nil {
		return nil, err
	}
	counts := make(map[int64]int64, len(buckets))
	for _, b := range buckets {
		counts[b.StartMs] = b.Count
	}
	out := make([]DayHealth, 0, q.Days)
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		dh := DayHealth{Day: d, Readings: counts[d.UnixMilli()], Completeness: math.NaN()}
		if s.Periodic() {
			from, to := observed(inst, s, d, d.AddDate(0, 0, 1), now)
			dh.Completeness = domain.Completeness(dh.Readings, domain.ExpectedReadings(s.CadenceSeconds, from, to))
		}
		out = append(out, dh)
	}
	return out, nil
}

// Summaries is the health summary and last reading of every
// installation, by id (installations with no stream are absent: their
// summary is judged from the installation alone, see Summary).
func (h *Health) Summaries(ctx context.Context) (func(domain.Installation) (domain.HealthSummary, *time.Time), error) {
	all, err := h.db.AllStreamStates(ctx)
	if err != nil {
		return nil, err
	}
	now := h.db.Now().UTC()
	return func(inst domain.Installation) (domain.HealthSummary, *time.Time) {
		states := all[inst.ID]
		return h.rule.Summarize(inst, states, now), domain.LastSeen(states)
	}, nil
}

// Summary is one installation's health summary and last reading.
func (h *Health) Summary(ctx context.Context, inst domain.Installation) (domain.HealthSummary, *time.Time, error) {
	states, err := h.db.StreamStates(ctx, inst.ID)
	if err != nil {
		return "", nil, err
	}
	return h.rule.Summarize(inst, states, h.db.Now().UTC()), domain.LastSeen(states), nil
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func latestOf(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.After(t) {
			t = u
		}
	}
	return t
}

func earliestOf(t time.Time, more ...time.Time) time.Time {
	for _, u := range more {
		if u.Before(t) {
			t = u
		}
	}
	return t
}
