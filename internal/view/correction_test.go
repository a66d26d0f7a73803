package view_test

import (
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/view"
)

// TestCorrectionReasonsAreShownByAuthorship, on both backends: a reason
// written blind (by monitoring, listing guesses at the patient's surname,
// phone and address) is shown to monitoring exactly as written, so what
// it reads back does not depend on the patient's identity; a reason not
// written blind (the doctor's, naming the patient) is redacted for it.
// The doctor reads both as written.
func TestCorrectionReasonsAreShownByAuthorship(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		p := storetest.Must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Mario()))
		vs := view.Viewers{Codec: pseudonym.New(env.DB.PseudonymKey()), Patients: env.DB, Nicknames: view.NewNicknameCache()}
		guesses := "Rossi Locatelli Bianchi; 339 507 2261 and 333 1234567; Via Lorenteggio 171 or Via Roma 12"
		named := "Mario Rossi confirmed it, call 333 1234567"
		at := time.Date(2026, 4, 25, 18, 50, 0, 0, time.UTC)
		blind := domain.CollectionCorrection{InstallationID: 1, PatientID: p.ID, CorrectedBy: "imt-vincenzo", CorrectedAt: at, Reason: guesses, ReasonBlind: true}
		seeing := domain.CollectionCorrection{InstallationID: 1, PatientID: p.ID, CorrectedBy: "dottore-alice", CorrectedAt: at, Reason: named}

		imt, err := vs.Of(doctor(), domain.Principal{Roles: []domain.Role{domain.RoleMonitoring}}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := imt.Correction(blind).Reason; got != guesses {
			t.Errorf("monitoring reads its own reason as %q, want it as written: %q", got, guesses)
		}
		want := imt.Text(p.ID, named)
		if got := imt.Correction(seeing).Reason; got != want || got == named {
			t.Errorf("monitoring reads the doctor's reason as %q, want it redacted: %q", got, want)
		}
		doc, err := vs.Of(doctor(), domain.Principal{Roles: []domain.Role{domain.RoleDoctor}}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := doc.Correction(blind).Reason, doc.Correction(seeing).Reason; a != guesses || b != named {
			t.Errorf("the doctor reads %q and %q, want both as written", a, b)
		}
	})
}
