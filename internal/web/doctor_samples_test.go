package web

import (
	"net/url"
	"time"

	"serenade/internal/api"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// doctorSamples are the doctor's pages rendered by the template test,
// with realistic data: a page of the list, a failed enrolment, a
// patient with installation, tickets and a failed contact edit, the
// withdrawal confirmation and an access history.
func doctorSamples() []sample {
	at := func(d int) *time.Time { t := sampleNow.AddDate(0, 0, -d); return &t }
	list := patientListData{Sort: "-date_join", Status: "working", Q: "rossi", Cursor: "c1", Next: "c2", Sorts: patientSorts, Statuses: statuses, Classes: diagnosisClasses,
		Patients: []view.PatientSummary{
			{ID: "12", FirstName: "Mario", LastName: "Rossi", Diagnosis: "Alzheimer lieve", DiagnosisClass: domain.DiagnosisAlzheimer, Status: domain.StatusWorking, DateJoin: "2026-01-15"},
			{ID: "7", FirstName: "Lucia", LastName: "Rossi Bianchi", DiagnosisClass: domain.DiagnosisMCI, Status: domain.StatusToInstall, DateJoin: "2025-11-02", Withdrawn: true},
		}}
	enrol := newEnrolData(enrolForm{Values: map[string]string{"last_name": "Rossi", "first_name": "Maria", "codice_fiscale": "RSSMRA40A01F205X", "address": "Via Roma 1, Milano",
		"diagnosis_class": "mci", "home_context.pets": "un gatto"}, Contacts: []api.ContactInput{{Alias: "figlia", Phone: "+39 333 1234567"}}})
	enrol.Errors = map[string]string{"codice_fiscale": "Il carattere di controllo (l'ultimo) non torna.", "first_name": "Non corrisponde al codice fiscale.", "": "Esiste già un paziente."}
	rec := view.PatientRecord{ID: "12", FirstName: "Mario", LastName: "Rossi", CodiceFiscale: "RSSMRA40A01F205Z", Sex: "M", BirthDate: "1940-01-01",
		BirthPlace: &view.BirthPlace{Code: "F205", Name: "Milano", Province: "MI"}, Age: 86, AgeClass: "85+", Address: "Via Roma 1, 20121 Milano",
		MedicalNotes: "Segue terapia.\nControllo a maggio.", Diagnosis: "Alzheimer lieve", DiagnosisClass: domain.DiagnosisAlzheimer, DateJoin: "2026-01-15",
		Contacts:     []view.ContactView{{ID: "31", Alias: "figlia", Phone: "+39 333 1234567", Email: "anna@example.org"}, {ID: "32", Alias: "medico di base", Phone: "02 1234567"}},
		Installation: "5", Status: domain.StatusMaintenance}
	inst := &view.InstallationView{ID: "5", Patient: "12", Status: domain.StatusMaintenance, CollectionStart: at(50), CreatedAt: *at(56), UpdatedAt: *at(3),
		Context: view.HomeContext{ApartmentType: "bilocale, 2º piano", InternetType: "fibra", Pets: "un gatto"}, LastSeen: at(2), Health: domain.HealthSummary("silent")}
	reason := "Il kit è stato acceso due giorni dopo la visita."
	patient := patientData{P: rec, Inst: inst, HomeFields: homeFields, Classes: []string{"mci", "alzheimer", "other"}, Section: "contact-31",
		Form: url.Values{"alias": {"figlia"}, "phone": {"abc"}}, Errors: map[string]string{"phone": "must be a phone number"},
		Tickets: []view.TicketView{
			{ID: "9", Installation: "5", Category: domain.CategoryInstallation, OpenedBy: "dottore-alice", OpenedAt: *at(56), ClosedAt: at(50),
				Messages: []view.MessageView{{Sender: "dottore-alice", Body: "Paziente arruolato: installare il kit.", CreatedAt: *at(56)}, {Sender: "iit-gennaro", Body: "Installato.", CreatedAt: *at(50)}}},
			{ID: "11", Installation: "5", Category: domain.CategoryMaintenance, Open: true, OpenedBy: "imt-vincenzo", OpenedAt: *at(2),
				Messages: []view.MessageView{{Sender: "imt-vincenzo", Body: "Sensore della cucina silenzioso.", CreatedAt: *at(2)}}},
		},
		Corrections:      []view.CorrectionView{{Installation: "5", CorrectedBy: "dottore-alice", CorrectedAt: *at(40), OldStart: at(52), NewStart: at(50), Reason: reason}},
		CanReadDocuments: true, Documents: []view.DocumentView{{ID: "3", Installation: "5", Name: "consenso-firmato.pdf", Type: "signed-form", Size: 91_204, UploadedBy: "iit-gennaro", CreatedAt: *at(49)}}}
	saved := patient
	saved.Section, saved.Saved = "", "contact-31"
	withdrawn := patientData{P: rec, HomeFields: homeFields}
	withdrawn.P.WithdrawnAt, withdrawn.P.CodiceFiscale, withdrawn.P.Installation = at(1), "", ""
	history := historyData{P: rec, Cursor: "c1", Next: "c2", Entries: []api.AuditEntry{
		{Seq: 41, Time: *at(3), Actor: "dottore-alice", Roles: []string{"dottore"}, Action: "patient.read", Outcome: "ok", Status: 200},
		{Seq: 52, Time: *at(2), Actor: "iit-gennaro", Roles: []string{"iit"}, Action: "contact-sheet.read", Outcome: "ok", Status: 200},
		{Seq: 60, Time: *at(1), Actor: "dottore-alice", Roles: []string{"dottore"}, Action: "patient.list", Outcome: "ok", Status: 200, Listed: 50},
		{Seq: 61, Time: *at(0), Actor: "unimi-stefano", Roles: []string{"unimi"}, Action: "patient.read", Outcome: "denied", Status: 403},
	}}
	return []sample{
		{template: "patients", title: "patients.title", data: list, session: true},
		{template: "patients", title: "patients.title", data: patientListData{Sorts: patientSorts, Statuses: statuses, Classes: diagnosisClasses, Error: "q: too long"}, session: true},
		{template: "enrol", title: "enrol.title", data: enrol, session: true},
		{template: "patient", title: "patient.title", data: patient, session: true},
		{template: "patient", title: "patient.title", data: saved, session: true},
		{template: "patient", title: "patient.title", data: withdrawn, session: true},
		{template: "withdraw", title: "withdraw.title", data: withdrawData{P: rec, Typed: "Rosi", Error: "withdraw.mismatch"}, session: true},
		{template: "history", title: "history.title", data: history, session: true},
	}
}
