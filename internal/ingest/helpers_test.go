package ingest_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// home is one enrolled patient's installation, collecting since the
// installation ticket was closed, with a live ingest token.
type home struct {
	env          *storetest.Env
	svc          *ingest.Service
	installation int64
	patient      int64
	token        string
	start        time.Time // collection start
}

// homes numbers the homes tests enrol.
var homes atomic.Int64

// newHome enrols a patient on env, closes the installation ticket (which
// starts collection) and provisions a token.
func newHome(t *testing.T, env *storetest.Env, svc *ingest.Service) home {
	t.Helper()
	p := storetest.Must[domain.Patient](t)(env.Study().Enrol(storetest.Doctor(), storetest.Patient(t, int(homes.Add(1)))))
	inst := storetest.Must[domain.Installation](t)(env.Study().InstallationOfPatient(storetest.Doctor(), p.ID))
	tickets := storetest.Must[[]domain.Ticket](t)(env.Study().Tickets(storetest.Installer(), inst.ID))
	storetest.Must[domain.Ticket](t)(env.Study().CloseTicket(storetest.Installer(), tickets[0].ID))
	tok := storetest.Must[ingest.Provisioned](t)(svc.Provision(storetest.Installer(), inst.ID))
	return home{env: env, svc: svc, installation: inst.ID, patient: p.ID, token: tok.Token, start: env.Clock.Now()}
}

// service is the ingest service over env's store, auditing into it.
func service(t *testing.T, env *storetest.Env) *ingest.Service {
	t.Helper()
	return ingest.New(ingest.Config{DB: env.DB, Audit: auditWriter(t, env), Pseudonyms: pseudonym.New(env.DB.PseudonymKey())})
}

// auditWriter is the trail's writer over env's store.
func auditWriter(t *testing.T, env *storetest.Env) *audit.Writer {
	t.Helper()
	w := audit.NewWriter(env.DB, slog.New(slog.DiscardHandler), audit.Metrics{})
	t.Cleanup(w.Close)
	return w
}

// send posts a batch with the home's token.
func (h home) send(t *testing.T, body string) (ingest.Ack, error) {
	t.Helper()
	return h.svc.Accept(context.Background(), h.token, bytes.NewReader([]byte(body)), ingest.Options{})
}
