package store_test

import (
	"context"
	"errors"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/testsupport/pgtest"
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

func wantConflict(t *testing.T, err error, what string) {
	t.Helper()
	var de *domain.Error
	if domain.KindOf(err) != domain.KindConflict || !errors.As(err, &de) || de.Message == "" {
		t.Fatalf("%s: err = %v, want a conflict saying why", what, err)
	}
}
