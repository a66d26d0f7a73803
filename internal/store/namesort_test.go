package store_test

import (
	"cmp"
	"slices"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/page"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/textfold"
)

// byNamePages pages the list by name, three entries a page, and returns
// the ids in the order read; every entry's key is its folded names and id.
func byNamePages(t *testing.T, db *store.DB, f domain.ListFilter) []int64 {
	t.Helper()
	f.NameKeys, f.Limit = true, 3
	var ids []int64
	for range 100 {
		es := must[[]domain.ListEntry](t)(db.ListEntries(doctor(), f))
		for _, e := range es {
			ids = append(ids, e.PatientID)
			if len(e.Key) != 3 || e.Key[2] != page.Int(e.PatientID) {
				t.Fatalf("key of patient %d = %q", e.PatientID, e.Key)
			}
		}
		if len(es) < f.Limit {
			return ids
		}
		f.AfterKey = es[len(es)-1].Key
	}
	t.Fatal("the pages do not end")
	return nil
}

// openedOrder is the order by name made by opening every identity the
// filter keeps, as the list did before it cached names.
func openedOrder(t *testing.T, db *store.DB, f domain.ListFilter) []int64 {
	t.Helper()
	var ids []int64
	for _, e := range must[[]domain.ListEntry](t)(db.ListEntries(doctor(), f)) {
		ids = append(ids, e.PatientID)
	}
	ps := must[[]domain.Patient](t)(db.PatientsByID(doctor(), ids))
	slices.SortFunc(ps, func(a, b domain.Patient) int {
		return cmp.Or(cmp.Compare(textfold.Fold(a.Identity.LastName), textfold.Fold(b.Identity.LastName)),
			cmp.Compare(textfold.Fold(a.Identity.FirstName), textfold.Fold(b.Identity.FirstName)), cmp.Compare(a.ID, b.ID))
	})
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// TestOrderByNameFollowsIdentityWrites, on both backends: the list by
// name, read from the names the store keeps, is the order of every
// identity opened, for the whole study and a search, after an
// enrolment, a rename, a withdrawal (its identity re-sealed), and a rename and an
// enrolment written through another store on the same database (another
// server process): the first store's names follow at its next list.
func TestOrderByNameFollowsIdentityWrites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		people := []struct{ surname, first string }{
			{"Rossi", "Mario"}, {"Bianchi", "Nicolò"}, {"De Rossi", "Anna"}, {"D'Amico", "Lucia"},
			{"Rossi", "Anna"}, {"Verdi", "Giulia"}, {"Àlberti", "Carla"}, {"Rossi", "Mario"},
		}
		var ids []int64
		for i, p := range people {
			ids = append(ids, must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Person(t, p.surname, p.first, i, domain.DiagnosisMCI))).ID)
		}
		check := func(step string, db *store.DB) {
			t.Helper()
			for _, f := range []domain.ListFilter{{}, {Search: "rossi"}} {
				want := openedOrder(t, db, f)
				if got := byNamePages(t, db, f); !slices.Equal(got, want) {
					t.Errorf("%s, search %q: order %v, want %v", step, f.Search, got, want)
				}
			}
		}
		check("enrolled", env.DB)
		if got, want := byNamePages(t, env.DB, domain.ListFilter{})[:3], []int64{ids[6], ids[1], ids[3]}; !slices.Equal(got, want) {
			t.Errorf("first three: %v, want Alberti, Bianchi, D'Amico %v", got, want)
		}

		ids = append(ids, must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Person(t, "Abate", "Zeno", 8, domain.DiagnosisMCI))).ID)
		check("after an enrolment", env.DB)
		if got := byNamePages(t, env.DB, domain.ListFilter{})[0]; got != ids[8] {
			t.Errorf("Abate is not first: %d", got)
		}

		rename := func(st *service.Study, id int64, n int, surname, first string) {
			t.Helper()
			cur := must[domain.Patient](t)(env.DB.Patient(doctor(), id)).Identity
			next := storetest.Person(t, surname, first, n, cur.DiagnosisClass).Identity
			cur.LastName, cur.FirstName, cur.CodiceFiscale = next.LastName, next.FirstName, next.CodiceFiscale
			must[domain.Patient](t)(st.UpdateIdentity(doctor(), id, cur))
		}
		rename(env.Study(), ids[5], 5, "Zanetti", "Giulia")
		check("after a rename", env.DB)

		if err := env.Study().Withdraw(doctor(), ids[0]); err != nil {
			t.Fatal(err)
		}
		check("after a withdrawal", env.DB)

		other, err := env.TryOpen(keyring.FileSource{Path: env.KeyFile})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		check("the other store", other)
		rename(service.New(other), ids[1], 1, "Zucchi", "Nicolò")
		must[domain.Patient](t)(service.New(other).Enrol(doctor(), storetest.Person(t, "Rossa", "Bice", 9, domain.DiagnosisMCI)))
		check("after writes through another store", env.DB)
		got := byNamePages(t, env.DB, domain.ListFilter{})
		if got[len(got)-1] != ids[1] {
			t.Errorf("renamed by the other store to Zucchi, patient %d is not last: %v", ids[1], got)
		}
	})
}
