package service_test

import (
	"slices"
	"strings"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// TestMessagesRecordWhetherTheyWereWrittenBlind: a message by a role that
// does not see identity (imt) is stored as written blind; messages by
// roles that see identity (iit) and by the system are not.
func TestMessagesRecordWhetherTheyWereWrittenBlind(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		ticket := h.open(domain.CategoryInstallation)
		byImt := must[domain.Message](t)(env.Study().AddMessage(monitoring(), ticket.ID, "Rossi Russo Ferrari, via Roma 1"))
		byIit := must[domain.Message](t)(env.Study().AddMessage(installer(), ticket.ID, "Mario Rossi at the door"))
		if !byImt.WrittenBlind || byIit.WrittenBlind {
			t.Errorf("answers: imt blind = %v, iit blind = %v; want true, false", byImt.WrittenBlind, byIit.WrittenBlind)
		}
		msgs := must[domain.Ticket](t)(env.DB.Ticket(doctor(), ticket.ID)).Messages
		want := []struct {
			sender string
			blind  bool
		}{{domain.SystemSender, false}, {"imt-vincenzo", true}, {"iit-gennaro", false}}
		if len(msgs) != len(want) {
			t.Fatalf("%d messages, want %d: %+v", len(msgs), len(want), msgs)
		}
		for i, w := range want {
			if msgs[i].Sender != w.sender || msgs[i].WrittenBlind != w.blind {
				t.Errorf("message %d: sender %q blind %v; want %q %v", i, msgs[i].Sender, msgs[i].WrittenBlind, w.sender, w.blind)
			}
		}
	})
}

// TestBlindEditKeepsWhatWasSentBackAsShown plays an imt edit of a home
// described by an installer: imt was shown the flatmates redacted and
// sends that view back with only the habits changed. The stored
// flatmates stay as the installer wrote them; only the habits are
// written, as written blind. An installer's edit then makes a field not
// blind again, and withdrawal keeps the authorship of what it keeps.
func TestBlindEditKeepsWhatWasSentBackAsShown(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		described := domain.HomeContext{Flatmates: "lives with his wife Maddalena", Pets: "a cat", HabitNotes: "naps after lunch"}
		must[domain.Installation](t)(env.Study().UpdateHomeContext(installer(), h.inst, described, nil))
		shown := func(s string) string { return strings.ReplaceAll(s, "Maddalena", "Amedeo") }

		if _, err := env.Study().UpdateHomeContext(monitoring(), h.inst, described, nil); err == nil {
			t.Fatal("a blind edit without the view it was shown was accepted")
		}
		sent := domain.HomeContext{Flatmates: "lives with his wife Amedeo", Pets: "a cat", HabitNotes: "walks at seven", Visitors: "Rossi on Sundays"}
		inst := must[domain.Installation](t)(env.Study().UpdateHomeContext(monitoring(), h.inst, sent, shown))
		want := domain.HomeContext{Flatmates: "lives with his wife Maddalena", Pets: "a cat", HabitNotes: "walks at seven", Visitors: "Rossi on Sundays"}
		if inst.Context != want || !slices.Equal(inst.WrittenBlind, []string{"visitors", "habit_notes"}) {
			t.Errorf("after imt's edit: %+v blind %v; want %+v blind [visitors habit_notes]", inst.Context, inst.WrittenBlind, want)
		}

		// The installer sends back what it sees (everything as stored), with the pets changed.
		edit := want
		edit.Pets = "a cat and a parrot"
		inst = must[domain.Installation](t)(env.Study().UpdateHomeContext(installer(), h.inst, edit, nil))
		if inst.Context != edit || !slices.Equal(inst.WrittenBlind, []string{"visitors", "habit_notes"}) {
			t.Errorf("after iit's edit: %+v blind %v; want %+v blind [visitors habit_notes]", inst.Context, inst.WrittenBlind, edit)
		}
		edit.HabitNotes = "walks at eight"
		inst = must[domain.Installation](t)(env.Study().UpdateHomeContext(installer(), h.inst, edit, nil))
		if !slices.Equal(inst.WrittenBlind, []string{"visitors"}) {
			t.Errorf("after iit rewrote the habits: blind %v, want [visitors]", inst.WrittenBlind)
		}

		must[domain.Installation](t)(env.Study().UpdateHomeContext(monitoring(), h.inst, domain.HomeContext{
			Flatmates: "lives with his wife Amedeo", Pets: "a dog", HabitNotes: "walks at eight", Visitors: "Rossi on Sundays"}, shown))
		h.install()
		h.withdraw()
		inst = h.installation()
		if inst.Context != (domain.HomeContext{Pets: "a dog"}) || !slices.Equal(inst.WrittenBlind, []string{"pets"}) {
			t.Errorf("after withdrawal: %+v blind %v; want the pets only, blind", inst.Context, inst.WrittenBlind)
		}
	})
}
