package store_test

import (
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/resource"
	"serenade/internal/testsupport/storetest"
)

// TestPatientOfEveryKind, on both backends: the audit trail's lookup of
// a resource's patient, built from the resource table's lineages, finds
// the patient of one resource of every kind, and says not found for an
// id that names nothing.
func TestPatientOfEveryKind(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		must[domain.Patient](t)(env.Study().Enrol(doctor(), mario())) // so that the second patient's ids are not all 1
		in := mario()
		cf, err := codicefiscale.Build("Bianchi", "Luca", "M", time.Date(1950, time.January, 1, 0, 0, 0, 0, time.UTC), "F205")
		if err != nil {
			t.Fatal(err)
		}
		in.Identity.CodiceFiscale, in.Identity.FirstName, in.Identity.LastName = cf, "Luca", "Bianchi"
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), in))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID))
		tickets := must[[]domain.Ticket](t)(env.DB.Tickets(doctor(), inst.ID))
		doc := must[domain.Document](t)(env.Study().AddDocument(installer(), inst.ID, domain.DocumentOther, "plan.txt", []byte("the plan")))
		_, pub, hash := ingest.NewToken()
		tok := must[domain.IngestToken](t)(env.DB.InsertIngestToken(doctor(), inst.ID, pub, hash))
		ids := map[resource.Kind]int64{resource.Patient: p.ID, resource.Installation: inst.ID, resource.Ticket: tickets[0].ID,
			resource.Document: doc.ID, resource.Contact: p.Contacts[0].ID, resource.IngestToken: tok.ID}
		for _, k := range resource.All() {
			id, ok := ids[k]
			if !ok {
				t.Fatalf("no resource of kind %s in the test", k.Name)
			}
			if got, err := env.DB.PatientOf(doctor(), k, id); err != nil || got != p.ID {
				t.Errorf("%s %d: patient %d, %v; want %d", k.Name, id, got, err, p.ID)
			}
			if _, err := env.DB.PatientOf(doctor(), k, 1<<40); k != resource.Patient && domain.KindOf(err) != domain.KindNotFound {
				t.Errorf("%s that does not exist: %v, want not found", k.Name, err)
			}
		}
	})
}
