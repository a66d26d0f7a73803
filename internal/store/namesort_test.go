package store_test

import (
	"cmp"
	"errors"
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

// nameList is one page of up to 100 entries of the list by name: the
// ids in order, or the error.
func nameList(t *testing.T, db *store.DB, f domain.ListFilter) ([]int64, error) {
	t.Helper()
	f.NameKeys, f.Limit = true, 100
	es, err := db.ListEntries(doctor(), f)
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.PatientID)
	}
	return ids, err
}

// costSince is what the order by name cost db since before.
func costSince(db *store.DB, before store.NameCacheCost) store.NameCacheCost {
	now := db.NameCacheCost()
	return store.NameCacheCost{Counts: now.Counts - before.Counts, VersionReads: now.VersionReads - before.VersionReads,
		Opened: now.Opened - before.Opened}
}

// enrolPeople enrols n (at most 5) patients, Rossi among them, and returns their ids.
func enrolPeople(t *testing.T, env *storetest.Env, n int) []int64 {
	t.Helper()
	people := []struct{ surname, first string }{
		{"Rossi", "Mario"}, {"Bianchi", "Nicolò"}, {"Verdi", "Giulia"}, {"De Rossi", "Anna"},
		{"Àlberti", "Carla"},
	}
	var ids []int64
	for i, p := range people[:n] {
		ids = append(ids, must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Person(t, p.surname, p.first, i, domain.DiagnosisMCI))).ID)
	}
	return ids
}

// TestNameSortRefusalOpensNothing, on both backends: a list by name that
// keeps more patients than a list sorts (here 3 of 5) is refused
// without opening any identity or reading every identity version: the
// whole study after one count of the patients, remembered while the
// identity revision stays; a filtered list after reading its entries.
func TestNameSortRefusalOpensNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		env.DB.SetNameCacheLimits(0, 3)
		enrolPeople(t, env, 5)
		before := env.DB.NameCacheCost()
		refused := func(step string, f domain.ListFilter, want store.NameCacheCost) {
			t.Helper()
			if _, err := nameList(t, env.DB, f); !errors.Is(err, domain.ErrNameSortTooMany) {
				t.Fatalf("%s: err = %v, want ErrNameSortTooMany", step, err)
			}
			if got := costSince(env.DB, before); got != want {
				t.Errorf("%s: cost %+v, want %+v", step, got, want)
			}
		}
		refused("whole study", domain.ListFilter{}, store.NameCacheCost{Counts: 1})
		refused("whole study again", domain.ListFilter{}, store.NameCacheCost{Counts: 1})
		refused("active patients", domain.ListFilter{Active: true}, store.NameCacheCost{Counts: 1})

		f := domain.ListFilter{Search: "rossi"}
		got, err := nameList(t, env.DB, f)
		if want := openedOrder(t, env.DB, f); err != nil || !slices.Equal(got, want) {
			t.Fatalf("search: %v, %v, want %v", got, err, want)
		}
		if got, want := costSince(env.DB, before), (store.NameCacheCost{Counts: 1, VersionReads: 1, Opened: 5}); got != want {
			t.Errorf("search building the cache: cost %+v, want %+v", got, want)
		}
		refused("whole study with the cache", domain.ListFilter{}, store.NameCacheCost{Counts: 1, VersionReads: 1, Opened: 5})
	})
}

// TestNameCacheTooLargeIsRemembered, on both backends: in a study larger
// than the name cache (here 3 patients), lists by name open what they
// keep, but every identity version is read once, at the first list; a
// later list at the same identity revision reads none, and at the next
// revision a count finds the study still too large. Once the study fits
// (here the limit raised), the cache is built and nothing is opened.
func TestNameCacheTooLargeIsRemembered(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		env.DB.SetNameCacheLimits(3, 0)
		enrolPeople(t, env, 5)
		before := env.DB.NameCacheCost()
		list := func(step string, f domain.ListFilter, want store.NameCacheCost) {
			t.Helper()
			got, err := nameList(t, env.DB, f)
			if want := openedOrder(t, env.DB, f); err != nil || !slices.Equal(got, want) {
				t.Fatalf("%s: %v, %v, want %v", step, got, err, want)
			}
			if got := costSince(env.DB, before); got != want {
				t.Errorf("%s: cost %+v, want %+v", step, got, want)
			}
		}
		active := domain.ListFilter{Active: true}
		list("first list", active, store.NameCacheCost{VersionReads: 1, Opened: 5})
		list("second list", active, store.NameCacheCost{VersionReads: 1, Opened: 10})
		list("whole study", domain.ListFilter{}, store.NameCacheCost{VersionReads: 1, Opened: 15})
		must[domain.Patient](t)(env.Study().Enrol(doctor(), storetest.Person(t, "Conte", "Luca", 5, domain.DiagnosisMCI)))
		list("after an enrolment", active, store.NameCacheCost{Counts: 1, VersionReads: 1, Opened: 21})
		list("whole study after it", domain.ListFilter{}, store.NameCacheCost{Counts: 1, VersionReads: 1, Opened: 27})

		env.DB.SetNameCacheLimits(20, 0)
		list("fitting", active, store.NameCacheCost{Counts: 1, VersionReads: 2, Opened: 33})
		list("cached", active, store.NameCacheCost{Counts: 1, VersionReads: 2, Opened: 33})
		list("cached, whole study", domain.ListFilter{}, store.NameCacheCost{Counts: 1, VersionReads: 2, Opened: 33})
	})
}
