package service_test

import (
	"context"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// doctor is the context of a doctor acting on the study.
func doctor() context.Context {
	return domain.WithPrincipal(context.Background(), domain.Principal{Subject: "1", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}})
}

func installer() context.Context {
	return domain.WithPrincipal(context.Background(), domain.Principal{Subject: "2", Username: "iit-gennaro", Roles: []domain.Role{domain.RoleInstaller}})
}

func mario() domain.NewPatient {
	return domain.NewPatient{
		Identity: domain.Identity{
			FirstName: "Mario", LastName: "Rossi", CodiceFiscale: "rssmra45t10a562i ",
			Address: "Via Roma 12, 20121 Milano", MedicalNotes: "Mild memory loss since 2023.",
			Diagnosis: "Amnestic MCI", DiagnosisClass: domain.DiagnosisMCI,
		},
		Contacts: []domain.Contact{{Alias: "daughter Giulia", Phone: "+39 333 1234567", Email: "giulia@example.it"}},
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// fixCF replaces the test's codice fiscale check character with the
// right one, so fixtures can be written by hand.
func fixCF(t *testing.T, id *domain.Identity) {
	t.Helper()
	if err := domain.ValidateIdentity(id, codicefiscale.Rule{Now: time.Now()}); err == nil {
		return
	}
	for c := 'A'; c <= 'Z'; c++ {
		id.CodiceFiscale = id.CodiceFiscale[:15] + string(c)
		if domain.ValidateIdentity(id, codicefiscale.Rule{Now: time.Now()}) == nil {
			return
		}
	}
	t.Fatalf("no valid check character for %s", id.CodiceFiscale)
}

type backupRow struct {
	version uint32
	wrapped []byte
	sealed  []byte
}

func backupOf(t *testing.T, env *storetest.Env, patientID int64) backupRow {
	t.Helper()
	raw := env.Raw(t)
	var b backupRow
	err := raw.QueryRow(`SELECT k.master_version, k.wrapped, p.sealed FROM patients p JOIN data_keys k ON k.id = p.data_key_id WHERE p.id = $1`,
		patientID).Scan(&b.version, &b.wrapped, &b.sealed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
