package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"serenade/internal/audit"
	"serenade/internal/pseudonym"

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
		stream := streamOf(t, env, inst.ID, tickets[0].ID)
		_, pub, hash := ingest.NewToken()
		tok := must[domain.IngestToken](t)(env.DB.InsertIngestToken(doctor(), inst.ID, pub, hash))
		ids := map[resource.Kind]int64{resource.Patient: p.ID, resource.Installation: inst.ID, resource.Ticket: tickets[0].ID,
			resource.Document: doc.ID, resource.Contact: p.Contacts[0].ID, resource.IngestToken: tok.ID, resource.Stream: stream}
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

// streamOf starts the installation's data collection (closing its
// installation ticket) and sends it one reading through the ingest
// service, which creates a stream; it returns the stream's id.
func streamOf(t *testing.T, env *storetest.Env, installationID, ticketID int64) int64 {
	t.Helper()
	must[domain.Ticket](t)(env.Study().CloseTicket(installer(), ticketID))
	w := audit.NewWriter(env.DB, slog.New(slog.DiscardHandler), audit.Metrics{})
	t.Cleanup(w.Close)
	svc := ingest.New(ingest.Config{DB: env.DB, Audit: w, Pseudonyms: pseudonym.New(env.DB.PseudonymKey())})
	tok := must[ingest.Provisioned](t)(svc.Provision(installer(), installationID))
	batch := fmt.Sprintf(`[{"stream": "kitchen.motion", "time": %d, "value": true}]`, env.Clock.Now().UnixMilli())
	must[ingest.Ack](t)(svc.Accept(context.Background(), tok.Token, strings.NewReader(batch), ingest.Options{Operation: "test"}))
	streams := must[[]domain.Stream](t)(env.DB.Streams(doctor(), installationID))
	if len(streams) != 1 {
		t.Fatalf("%d streams, want the one the reading created", len(streams))
	}
	return streams[0].ID
}
