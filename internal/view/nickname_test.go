package view_test

import (
	"context"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/cftest"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/view"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func doctor() context.Context {
	return domain.WithPrincipal(context.Background(), domain.Principal{Subject: "1", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}})
}

// TestOnePatientHasOneNicknameEverywhere, on both backends: whichever
// view shows a patient to a caller — the contact sheet, the screening
// data, an installation built for one patient or for the whole list —
// and whatever redaction stands in for the patient's names, the caller
// reads one and the same nickname, also for a patient named after the
// nickname's first draw and for callers with several roles.
func TestOnePatientHasOneNicknameEverywhere(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		codec := pseudonym.New(env.DB.PseudonymKey())
		// One cache across the renames: the list's nickname must follow
		// the identity's new version, never the name before.
		vs := view.Viewers{Codec: codec, Patients: env.DB, Nicknames: view.NewNicknameCache()}
		p, err := env.Study().Enrol(doctor(), domain.NewPatient{Identity: domain.Identity{FirstName: "Mario", LastName: "Rossi",
			CodiceFiscale: "RSSMRA45T10A562I", Address: "Via Roma 12, 20121 Milano", DiagnosisClass: domain.DiagnosisMCI}})
		if err != nil {
			t.Fatal(err)
		}
		callers := [][]domain.Role{{domain.RoleInstaller}, {domain.RoleMonitoring}, {domain.RoleResearcher}, {domain.RoleAdmin},
			{domain.RoleResearcher, domain.RoleInstaller}, {domain.RoleMonitoring, domain.RoleAdmin}}
		for _, named := range []string{"Mario", codec.Nickname(domain.RoleMonitoring, p.ID)} {
			id := p.Identity
			id.FirstName = named
			// the code must give the new name's letters (the names check)
			id.CodiceFiscale = cftest.Rename(t, id.CodiceFiscale, id.LastName, named)
			if p, err = env.Study().UpdateIdentity(doctor(), p.ID, id); err != nil {
				t.Fatal(err)
			}
			inst, err := env.DB.InstallationOfPatient(doctor(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, roles := range callers {
				who := domain.Principal{Roles: roles}
				one, err := vs.Of(doctor(), who, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				all, err := vs.ForList(doctor(), who, listVersions(t, env))
				if err != nil {
					t.Fatal(err)
				}
				want := vs.For(who).NicknameOf(p)
				shown := map[string]string{
					"of":            one.NicknameOf(p),
					"of all":        all.NicknameOf(p),
					"contact sheet": one.ContactSheet(inst, p).Nickname,
					"screening":     one.Screening(p, time.Now()).Nickname,
					"installation":  one.Installation(inst).Nickname,
					"in the list":   all.Installation(inst).Nickname,
				}
				for where, got := range shown {
					if got != want || got == "" || got == named {
						t.Errorf("%v, patient named %s: %s shows %q, want %q", roles, named, where, got, want)
					}
				}
				if !access.SeesIdentity(roles) {
					if got := one.Text(p.ID, "called "+named+" Rossi"); got != "called "+want {
						t.Errorf("%v: redacted %q, want the nickname %q", roles, got, want)
					}
				}
			}
		}
	})
}

// listVersions is each patient's identity version, as lists read it.
func listVersions(t *testing.T, env *storetest.Env) map[int64]string {
	t.Helper()
	es, err := env.DB.ListEntries(doctor(), domain.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]string{}
	for _, e := range es {
		m[e.PatientID] = e.IdentityVersion
	}
	return m
}

// TestDoctorsSeeIdsAndNoNickname: a caller who sees internal ids is shown
// ids and names, no pseudonym and no nickname, whatever other roles it
// holds.
func TestDoctorsSeeIdsAndNoNickname(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		vs := view.Viewers{Codec: pseudonym.New(env.DB.PseudonymKey()), Patients: env.DB}
		p, err := env.Study().Enrol(doctor(), domain.NewPatient{Identity: domain.Identity{FirstName: "Mario", LastName: "Rossi",
			CodiceFiscale: "RSSMRA45T10A562I", Address: "Via Roma 12, 20121 Milano"}})
		if err != nil {
			t.Fatal(err)
		}
		v, err := vs.Of(doctor(), domain.Principal{Roles: []domain.Role{domain.RoleDoctor, domain.RoleMonitoring}}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		s := v.Screening(p, time.Now())
		if s.Patient != strconv.FormatInt(p.ID, 10) || s.Nickname != "" || v.Text(p.ID, "Mario Rossi") != "Mario Rossi" {
			t.Errorf("doctor+imt shown %+v, text %q", s, v.Text(p.ID, "Mario Rossi"))
		}
	})
}

// TestViewKnowsNoTransport: the package the web UI will share with the
// API imports neither net/http nor huma.
func TestViewKnowsNoTransport(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "net/http") || strings.Contains(path, "huma") {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
