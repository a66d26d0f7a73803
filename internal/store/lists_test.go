package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// searchFixture enrols the patients the search tests look for and
// returns their ids by a short name.
func searchFixture(t *testing.T, env *storetest.Env) map[string]int64 {
	t.Helper()
	people := []struct{ key, surname, first string }{
		{"nicolo", "Bianchi", "Nicolò"},
		{"derossi", "De Rossi", "Anna"},
		{"rossi", "Rossi", "Mario"},
		{"damico", "D'Amico", "Lucia"},
		{"double", "Rossi Bianchi", "Maria Grazia"},
		{"mcclass", "Verdi", "Giulia"},
	}
	ids := map[string]int64{}
	for i, p := range people {
		class := domain.DiagnosisAlzheimer
		if p.key == "mcclass" || p.key == "rossi" {
			class = domain.DiagnosisMCI
		}
		ids[p.key] = must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Person(t, p.surname, p.first, i, class))).ID
	}
	return ids
}

func found(t *testing.T, env *storetest.Env, f domain.ListFilter) []int64 {
	t.Helper()
	es := must[[]domain.ListEntry](t)(env.DB.ListEntries(doctor(), f))
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.PatientID)
	}
	slices.Sort(ids)
	return ids
}

// TestSearchMatchesFoldedNamesAndCodes, on both backends: a search finds
// patients by every word of their first or last name whatever the case
// and accents, by a double surname's either word, by a name typed
// without its apostrophe or space, and by the codice fiscale in any
// case; the diagnosis-class filter combines with it.
func TestSearchMatchesFoldedNamesAndCodes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := searchFixture(t, env)
		cf := must[domain.Patient](t)(env.DB.Patient(doctor(), ids["damico"])).Identity.CodiceFiscale
		cases := []struct {
			name string
			f    domain.ListFilter
			want []string
		}{
			{"accent dropped", domain.ListFilter{Search: "nicolo"}, []string{"nicolo"}},
			{"accent and case", domain.ListFilter{Search: "NICOLÒ"}, []string{"nicolo"}},
			{"one word of many surnames", domain.ListFilter{Search: "rossi"}, []string{"derossi", "rossi", "double"}},
			{"two words, any field", domain.ListFilter{Search: "Rossi Mario"}, []string{"rossi"}},
			{"double surname in full", domain.ListFilter{Search: "rossi bianchi"}, []string{"double"}},
			{"double first name", domain.ListFilter{Search: "grazia"}, []string{"double"}},
			{"name without its space", domain.ListFilter{Search: "derossi"}, []string{"derossi"}},
			{"apostrophe kept", domain.ListFilter{Search: "d'amico"}, []string{"damico"}},
			{"apostrophe dropped", domain.ListFilter{Search: "damico"}, []string{"damico"}},
			{"codice fiscale, lower case with spaces", domain.ListFilter{Search: " " + strings.ToLower(cf) + " "}, []string{"damico"}},
			{"a prefix is no match", domain.ListFilter{Search: "ross"}, nil},
			{"nobody", domain.ListFilter{Search: "Esposito"}, nil},
			{"punctuation only", domain.ListFilter{Search: "--"}, nil},
			{"class only", domain.ListFilter{DiagnosisClass: domain.DiagnosisMCI}, []string{"rossi", "mcclass"}},
			{"class and search", domain.ListFilter{Search: "rossi", DiagnosisClass: domain.DiagnosisMCI}, []string{"rossi"}},
		}
		for _, c := range cases {
			var want []int64
			for _, k := range c.want {
				want = append(want, ids[k])
			}
			slices.Sort(want)
			if got := found(t, env, c.f); !slices.Equal(got, want) {
				t.Errorf("%s (%+v): found %v, want %v", c.name, c.f, got, want)
			}
		}
	})
}

// TestSearchFollowsIdentityAndWithdrawal, on both backends: the index
// follows a changed name and class at once, a withdrawn patient is found
// by nothing and keeps no token row, and patients stored without tokens
// (as before the index existed) are indexed when the store opens.
func TestSearchFollowsIdentityAndWithdrawal(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ids := searchFixture(t, env)
		p := must[domain.Patient](t)(env.DB.Patient(doctor(), ids["mcclass"]))
		id := p.Identity
		id.DiagnosisClass = domain.DiagnosisParkinson
		must[domain.Patient](t)(env.Study().UpdateIdentity(doctor(), p.ID, id))
		if got := found(t, env, domain.ListFilter{DiagnosisClass: domain.DiagnosisParkinson}); !slices.Equal(got, []int64{p.ID}) {
			t.Errorf("after the class changed: %v, want [%d]", got, p.ID)
		}
		if err := env.Study().Withdraw(doctor(), ids["nicolo"]); err != nil {
			t.Fatal(err)
		}
		if got := found(t, env, domain.ListFilter{Search: "nicolo"}); len(got) != 0 {
			t.Errorf("a withdrawn patient is still found: %v", got)
		}
		raw := env.Raw(t)
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM patient_tokens WHERE patient_id = $1`, ids["nicolo"]).Scan(&n); err != nil || n != 0 {
			t.Errorf("withdrawn patient's tokens: %d (%v), want none", n, err)
		}
		if _, err := raw.Exec(`DELETE FROM patient_tokens`); err != nil {
			t.Fatal(err)
		}
		env.Reopen(t)
		if got := found(t, env, domain.ListFilter{Search: "rossi"}); len(got) != 3 {
			t.Errorf("after reindexing at open, rossi finds %v, want 3 patients", got)
		}
		if got := found(t, env, domain.ListFilter{Search: "nicolo"}); len(got) != 0 {
			t.Errorf("reindexing brought a withdrawn patient back: %v", got)
		}
	})
}

// TestListEntriesAgreeWithTheFullRead, on both backends: each entry's
// status is the installation's derived status and its last activity is
// the newest message, as the full read says; a page read in SQL (keyset
// in id order) has the same values.
func TestListEntriesAgreeWithTheFullRead(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		st := env.Study()
		var pids []int64
		for i := range 4 {
			pids = append(pids, must[domain.Patient](t)(st.Enrol(doctor(), storetest.Numbered(t, i))).ID)
			env.Clock.Advance(time.Hour)
		}
		inst := must[domain.Installation](t)(st.InstallationOfPatient(doctor(), pids[1]))
		tickets := must[[]domain.Ticket](t)(st.Tickets(installer(), inst.ID))
		must[domain.Ticket](t)(st.CloseTicket(installer(), tickets[0].ID)) // working
		env.Clock.Advance(3 * time.Hour)
		must[domain.Ticket](t)(st.OpenTicket(installer(), inst.ID, domain.CategoryMaintenance, "sensor off")) // maintenance, newer message
		if err := st.Withdraw(doctor(), pids[2]); err != nil {
			t.Fatal(err)
		}
		all := must[[]domain.ListEntry](t)(env.DB.ListEntries(doctor(), domain.ListFilter{}))
		// A page, read in SQL, has the same values.
		paged := must[[]domain.ListEntry](t)(env.DB.ListEntries(doctor(), domain.ListFilter{After: &domain.ListEntry{PatientID: pids[0]}, Limit: 2}))
		if len(paged) != 2 || paged[0].PatientID != pids[1] || paged[1].PatientID != pids[2] {
			t.Fatalf("page of 2 after patient %d: %+v", pids[0], paged)
		}
		for _, p := range paged {
			for _, e := range all {
				if e.PatientID == p.PatientID && (e.Status != p.Status || (e.LastActivityAt == nil) != (p.LastActivityAt == nil) ||
					e.LastActivityAt != nil && !e.LastActivityAt.Equal(*p.LastActivityAt)) {
					t.Errorf("patient %d: page activity %s %v, whole list's %s %v", p.PatientID, p.Status, p.LastActivityAt, e.Status, e.LastActivityAt)
				}
			}
		}
		for _, e := range all {
			full := must[domain.Installation](t)(st.Installation(doctor(), e.InstallationID))
			if e.Status != full.Status {
				t.Errorf("patient %d: entry status %s, installation %s", e.PatientID, e.Status, full.Status)
			}
			var newest *time.Time
			for _, tk := range must[[]domain.Ticket](t)(st.Tickets(doctor(), e.InstallationID)) {
				for _, m := range tk.Messages {
					if newest == nil || m.CreatedAt.After(*newest) {
						newest = &m.CreatedAt
					}
				}
			}
			if (newest == nil) != (e.LastActivity() == nil) || newest != nil && !newest.Equal(*e.LastActivity()) {
				t.Errorf("patient %d: last activity %v, newest message %v", e.PatientID, e.LastActivity(), newest)
			}
			if e.Withdrawn != (e.PatientID == pids[2]) {
				t.Errorf("patient %d: withdrawn = %v", e.PatientID, e.Withdrawn)
			}
		}
	})
}
