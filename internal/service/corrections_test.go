package service_test

import (
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// toDay is how monitoring is shown the collection dates: cut to the UTC day.
func toDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// lastCorrection is the newest entry of an installation's correction history.
func lastCorrection(t *testing.T, env *storetest.Env, inst int64) domain.CollectionCorrection {
	t.Helper()
	cs := must[[]domain.CollectionCorrection](t)(env.Study().CollectionCorrections(doctor(), inst))
	if len(cs) == 0 {
		t.Fatal("no correction recorded")
	}
	return cs[len(cs)-1]
}

// TestCollectionCorrectionAnswersOnlyWhatTheCallerSees, on both
// backends: a kit installed at 18:50:29.831 shows monitoring a start on
// its day. Monitoring sends the start back as shown with an end T on
// that day: every T is accepted alike, before the hidden time and after
// it, so a run of such requests learns nothing of it. The start stored
// is the precise one when the end does not precede it, else the day as
// sent; the history records what was stored, and the reason as written
// blind. A doctor, who sees the start, is refused an end before it.
func TestCollectionCorrectionAnswersOnlyWhatTheCallerSees(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		day := toDay(env.Clock.Now())
		precise := day.Add(18*time.Hour + 50*time.Minute + 29*time.Second + 831*time.Millisecond)
		env.Clock.Advance(precise.Sub(env.Clock.Now()))
		ms := time.Millisecond
		ends := []time.Time{day, day.Add(ms), day.Add(9 * time.Hour), precise.Add(-ms), precise, precise.Add(ms), day.Add(24*time.Hour - ms)}
		for i, end := range ends {
			p := must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Patient(t, i+1)))
			h := &home{t: t, env: env, patient: p.ID, inst: must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID)).ID}
			h.install()
			if got := h.installation().CollectionStart; got == nil || !got.Equal(precise) {
				t.Fatalf("collection starts at %v, want %v", got, precise)
			}
			start := toDay(precise)
			inst, err := env.Study().CorrectCollection(monitoring(), h.inst, &start, &end, "ended on the first day", toDay)
			if err != nil {
				t.Errorf("end %v: %v, want accepted whatever the hidden time", end, err)
				continue
			}
			stored := precise
			if end.Before(precise) {
				stored = start
			}
			if !inst.CollectionStart.Equal(stored) || !inst.CollectionEnd.Equal(end) {
				t.Errorf("end %v: stored %v – %v, want %v – %v", end, inst.CollectionStart, inst.CollectionEnd, stored, end)
			}
			c := lastCorrection(t, env, h.inst)
			if !c.OldStart.Equal(precise) || !c.NewStart.Equal(stored) || !c.NewEnd.Equal(end) || !c.ReasonBlind {
				t.Errorf("end %v: history %v → %v – %v, blind %v; want %v → %v – %v, blind", end, c.OldStart, c.NewStart, c.NewEnd, c.ReasonBlind, precise, stored, end)
			}
		}

		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Patient(t, len(ends)+1)))
		h := &home{t: t, env: env, patient: p.ID, inst: must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID)).ID}
		h.install()
		before := precise.Add(-ms)
		if _, err := env.Study().CorrectCollection(doctor(), h.inst, &precise, &before, "typo", nil); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("the doctor's end before the start: %v, want invalid", err)
		}
		dayBefore := day.Add(-ms)
		if _, err := env.Study().CorrectCollection(monitoring(), h.inst, &day, &dayBefore, "typo", toDay); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("monitoring's end the day before the start it is shown: %v, want invalid", err)
		}
		if cs := must[[]domain.CollectionCorrection](t)(env.Study().CollectionCorrections(doctor(), h.inst)); len(cs) != 0 {
			t.Errorf("refused corrections were recorded: %+v", cs)
		}
	})
}

// TestCollectionCorrectionKeepsTheDateStoredUnderTheLock, on both
// backends: monitoring is shown the end on its day; a doctor then moves
// the end to another time of that day; monitoring corrects the start and
// sends the end back as it was shown. The end kept is the doctor's, the
// one stored when the correction takes the home's lock, not the one
// monitoring's view was cut from. The doctor's reason is not blind.
func TestCollectionCorrectionKeepsTheDateStoredUnderTheLock(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		env.Clock.Advance(9 * time.Hour) // 18:30
		h := enrolHome(t, env)
		h.install()
		inst := h.installation()
		shownStart, shownEnd := toDay(*inst.CollectionStart), toDay(*inst.CollectionEnd)

		doctors := shownEnd.Add(7*time.Hour + 15*time.Minute)
		must[domain.Installation](t)(env.Study().CorrectCollection(doctor(), h.inst, inst.CollectionStart, &doctors, "the gateway's last upload", nil))
		if c := lastCorrection(t, env, h.inst); c.ReasonBlind || !c.NewEnd.Equal(doctors) {
			t.Errorf("the doctor's correction: end %v, blind %v; want %v, not blind", c.NewEnd, c.ReasonBlind, doctors)
		}

		start := shownStart.AddDate(0, 0, 1)
		after := must[domain.Installation](t)(env.Study().CorrectCollection(monitoring(), h.inst, &start, &shownEnd, "the gateway began a day later", toDay))
		if !after.CollectionStart.Equal(start) || !after.CollectionEnd.Equal(doctors) {
			t.Errorf("dates now %v – %v, want %v (as sent) – %v (the doctor's)", after.CollectionStart, after.CollectionEnd, start, doctors)
		}
		if c := lastCorrection(t, env, h.inst); !c.OldEnd.Equal(doctors) || !c.NewEnd.Equal(doctors) || !c.ReasonBlind {
			t.Errorf("monitoring's correction recorded the end %v → %v, blind %v; want %v kept, blind", c.OldEnd, c.NewEnd, c.ReasonBlind, doctors)
		}
	})
}
