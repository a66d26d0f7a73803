package view_test

import (
	"context"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/textfold"
	"serenade/internal/view"
)

// TestDemoHomesHaveDistinctNicknames, on both backends: for every role
// shown nicknames, the 20 demo homes read as 20 different names (the old
// draw from 100 names gave two monitoring homes one name), none of them
// a word of the patient's names, the same after the server reopens its
// store, and two roles agree on a home only by chance.
func TestDemoHomesHaveDistinctNicknames(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		if _, err := demo.Seed(context.Background(), env.Study(), env.Clock.Now); err != nil {
			t.Fatal(err)
		}
		before := demoNicknames(t, env)
		env.Reopen(t)
		after := demoNicknames(t, env)
		if len(before) < 4 {
			t.Fatalf("only %d roles are shown nicknames", len(before))
		}
		for role, names := range before {
			if len(names) != 20 {
				t.Errorf("%s: %d demo homes, want 20", role, len(names))
			}
			seen := map[string]int64{}
			for id, n := range names {
				if other, dup := seen[n]; dup {
					t.Errorf("%s: homes of patients %d and %d are both %q", role, other, id, n)
				}
				seen[n] = id
				if after[role][id] != n {
					t.Errorf("%s, patient %d: %q before the restart, %q after", role, id, n, after[role][id])
				}
			}
			for other, theirs := range before {
				if other <= role {
					continue
				}
				same := 0
				for id, n := range names {
					if theirs[id] == n {
						same++
					}
				}
				if same > 2 {
					t.Errorf("%s and %s agree on %d of 20 homes", role, other, same)
				}
			}
		}
	})
}

// demoNicknames is each role's nickname of each patient, read through
// the viewer of the whole list; it fails on a nickname that is one of
// the patient's name words.
func demoNicknames(t *testing.T, env *storetest.Env) map[domain.Role]map[int64]string {
	t.Helper()
	vs := view.Viewers{Codec: pseudonym.New(env.DB.PseudonymKey()), Patients: env.DB}
	patients, err := env.DB.Patients(doctor())
	if err != nil {
		t.Fatal(err)
	}
	out := map[domain.Role]map[int64]string{}
	ids := map[int64]string{}
	for _, p := range patients {
		ids[p.ID] = ""
	}
	for _, role := range domain.AllRoles {
		v, err := vs.ForList(doctor(), domain.Principal{Roles: []domain.Role{role}}, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range patients {
			n := v.NicknameOf(p)
			if n == "" {
				continue // a role that sees names
			}
			for _, w := range textfold.Words(p.Identity.FirstName + " " + p.Identity.LastName) {
				if w.Folded == textfold.Fold(n) {
					t.Errorf("%s: patient %d %s %s nicknamed %q", role, p.ID, p.Identity.FirstName, p.Identity.LastName, n)
				}
			}
			if out[role] == nil {
				out[role] = map[int64]string{}
			}
			out[role][p.ID] = n
		}
	}
	return out
}
