package store_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// TestInternalErrorsNameTheOperation fails every kind of store operation
// (reads, writes, workflows, the audit trail) with a cancelled context:
// the error says "store: <operation>: …" so the log line of a 500 names
// what failed, still matches its cause with errors.Is, and carries none of
// the patient's identity.
func TestInternalErrorsNameTheOperation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		p := must[domain.Patient](t)(service.New(env.DB).Enrol(doctor(), mario()))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID))
		ctx, cancel := context.WithCancel(doctor())
		cancel()
		noop := func(store.LockedHome) (store.HomeChange, error) { return store.HomeChange{}, nil }
		ops := map[string]func() error{
			"patient":        func() error { _, err := env.DB.Patient(ctx, p.ID); return err },
			"patients":       func() error { _, err := env.DB.Patients(ctx); return err },
			"installation":   func() error { _, err := env.DB.Installation(ctx, inst.ID); return err },
			"installations":  func() error { _, err := env.DB.Installations(ctx); return err },
			"tickets":        func() error { _, err := env.DB.Tickets(ctx, inst.ID); return err },
			"documents":      func() error { _, err := env.DB.Documents(ctx, inst.ID); return err },
			"create patient": func() error { _, err := env.DB.CreatePatient(ctx, mario(), store.NewTicket{}); return err },
			"save identity":  func() error { return env.DB.SaveIdentity(ctx, p.ID, func(*domain.Identity) error { return nil }) },
			"insert contact": func() error { _, err := env.DB.InsertContact(ctx, p.ID, p.Contacts[0]); return err },
			"update home": func() error {
				_, err := env.DB.UpdateHome(ctx, store.HomeOf{InstallationID: inst.ID}, noop)
				return err
			},
			"save home context": func() error { return env.DB.SaveHomeContext(ctx, inst.ID, nil) },
			"query audit":       func() error { _, err := env.DB.QueryAudit(ctx, audit.Filter{}); return err },
			"list accounts":     func() error { _, err := env.DB.ListAccounts(ctx); return err },
			"rotation due":      func() error { _, err := env.DB.RotationDue(ctx); return err },
		}
		for op, run := range ops {
			err := run()
			if err == nil {
				t.Errorf("%s: no error under a cancelled context", op)
				continue
			}
			if !strings.HasPrefix(err.Error(), "store: "+op+": ") {
				t.Errorf("%s: error %q does not name the operation", op, err)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: error %q no longer matches context.Canceled", op, err)
			}
			for _, secret := range []string{p.Identity.FirstName, p.Identity.LastName, p.Identity.CodiceFiscale, p.Contacts[0].Phone} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("%s: error %q carries %q", op, err, secret)
				}
			}
		}
	})
}

// TestDomainErrorsPassUnwrapped: a refusal the caller is shown (not
// found, conflict) keeps its kind and its message as it was.
func TestDomainErrorsPassUnwrapped(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		_, err := env.DB.Patient(doctor(), 4242)
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.KindNotFound || err.Error() != "not_found: patient not found" {
			t.Errorf("missing patient: %v", err)
		}
		p := must[domain.Patient](t)(service.New(env.DB).Enrol(doctor(), mario()))
		_, err = env.DB.CreatePatient(doctor(), domain.NewPatient{Identity: p.Identity, DateJoin: p.DateJoin}, store.NewTicket{Category: domain.CategoryInstallation, By: "x", Message: "x"})
		if domain.KindOf(err) != domain.KindConflict || strings.HasPrefix(err.Error(), "store:") {
			t.Errorf("duplicate codice fiscale: %v", err)
		}
	})
}

// TestStoreHoldsNoTransportNorContentRules: the storage package imports
// neither HTTP nor the content sniffer, directly or through a dependency.
func TestStoreHoldsNoTransportNorContentRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list gave %d packages: the listing is broken", len(deps))
	}
	for _, d := range deps {
		if d == "net/http" || strings.HasPrefix(d, "github.com/gabriel-vasile/mimetype") || d == "serenade/internal/access" {
			t.Errorf("the store depends on %s", d)
		}
	}
}
