package service_test

import (
	"reflect"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// TestAPatientRecordIsThePatientWithItsInstallation: the one-statement
// read of the hot path gives what the patient's and the installation's
// own reads give, through a home's life: enrolled, with more contacts
// and a described home, installed, in maintenance, withdrawn, shredded;
// an unknown patient is not found.
func TestAPatientRecordIsThePatientWithItsInstallation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		second := mario()
		second.Identity.CodiceFiscale, second.Contacts = fixedCF(t, 7), nil
		other := must[domain.Patient](t)(env.Study().Enrol(doctor(), second))
		same := func(stage string, id int64) {
			t.Helper()
			p, inst, err := env.Study().PatientRecord(doctor(), id)
			if err != nil {
				t.Fatalf("%s: %v", stage, err)
			}
			wantP := must[domain.Patient](t)(env.Study().Patient(doctor(), id))
			wantI := must[domain.Installation](t)(env.Study().InstallationOfPatient(doctor(), id))
			if !reflect.DeepEqual(p, wantP) {
				t.Errorf("%s: record's patient\n %+v\nwant\n %+v", stage, p, wantP)
			}
			if !reflect.DeepEqual(inst, wantI) {
				t.Errorf("%s: record's installation\n %+v\nwant\n %+v", stage, inst, wantI)
			}
		}
		same("enrolled", h.patient)
		must[domain.Contact](t)(env.Study().AddContact(doctor(), h.patient, domain.Contact{Alias: "son Paolo", Phone: "+39 333 7654321"}))
		must[domain.Installation](t)(env.Study().UpdateHomeContext(installer(), h.inst, domain.HomeContext{Pets: "a cat"}, nil))
		same("contacts and home context", h.patient)
		h.install()
		env.Clock.Advance(time.Hour)
		must[domain.Ticket](t)(env.Study().OpenTicket(installer(), h.inst, domain.CategoryMaintenance, "sensor offline"))
		same("installed, in maintenance", h.patient)
		same("another patient", other.ID)
		h.withdraw()
		same("withdrawn", h.patient)
		env.Clock.Advance(72 * time.Hour)
		must[domain.Ticket](t)(env.Study().CloseTicket(installer(), h.open(domain.CategoryUninstallation).ID))
		same("shredded", h.patient)
		if _, _, err := env.Study().PatientRecord(doctor(), other.ID+1000); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("unknown patient: err = %v, want not found", err)
		}
	})
}
