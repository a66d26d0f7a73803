package store_test

import (
	"database/sql"
	"slices"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/textfold"
)

// nordic is enrolled with letters the first Fold left as they were.
func nordic() domain.NewPatient {
	p := storetest.Mario()
	p.Identity.FirstName, p.Identity.LastName, p.Identity.CodiceFiscale = "Łukasz", "Øvergård", "VRGLSZ47C03F205L"
	return p
}

// TestFoldedNamesAreFoundInEverySpelling, on both backends: a patient
// whose names have letters that do not decompose is found by the names
// as written, in plain letters and in the two-letter spelling.
func TestFoldedNamesAreFoundInEverySpelling(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		id := must[domain.Patient](t)(env.Study().Enrol(doctor(), nordic())).ID
		for _, q := range []string{"Øvergård", "Overgard", "OVERGARD", "Overgaard", "Lukasz", "Łukasz", "lukasz overgard"} {
			if got := found(t, env, domain.ListFilter{Search: q}); !slices.Equal(got, []int64{id}) {
				t.Errorf("search %q: %v, want [%d]", q, got, id)
			}
		}
	})
}

// TestDerivedValuesOfOldRulesAreRecomputedAtOpen, on both backends: a
// patient whose search tokens were computed by the first Fold ("Øvergård"
// folded to "øvergard", "Łukasz" to "łukasz") and whose sort keys hold a
// nickname of another list is, once the store opens again, found by the
// plain spellings and listed under its current nickname; the versions
// recorded are the code's, so the next open recomputes nothing.
func TestDerivedValuesOfOldRulesAreRecomputedAtOpen(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		id := must[domain.Patient](t)(env.Study().Enrol(doctor(), nordic())).ID
		raw := env.Raw(t)
		// The rows as the code before the letter table wrote them.
		old := [][2]string{{store.TokenWord, "øvergard"}, {store.TokenName, "øvergard"}, {store.TokenWord, "łukasz"}, {store.TokenName, "łukasz"}}
		rawExec(t, raw, `DELETE FROM patient_tokens WHERE patient_id = $1`, id)
		for _, o := range old {
			rawExec(t, raw, `INSERT INTO patient_tokens (token, patient_id) VALUES ($1, $2)`, env.DB.BlindToken(o[0], o[1]), id)
		}
		nickname := func() string {
			var nick string
			if err := raw.QueryRow(`SELECT nickname FROM sort_keys WHERE patient_id = $1 AND role = $2 AND kind = 'patient'`,
				id, string(domain.RoleMonitoring)).Scan(&nick); err != nil {
				t.Fatal(err)
			}
			return nick
		}
		current := nickname()
		rawExec(t, raw, `UPDATE sort_keys SET nickname = 'stale' WHERE patient_id = $1`, id)
		rawExec(t, raw, `UPDATE derived_versions SET version = 'fold 1'`)
		if got := found(t, env, domain.ListFilter{Search: "Overgard"}); len(got) != 0 {
			t.Fatalf("the old tokens already find the plain spelling: %v", got)
		}

		env.Reopen(t)
		for _, q := range []string{"Overgard", "Lukasz", "Øvergård", "Overgaard"} {
			if got := found(t, env, domain.ListFilter{Search: q}); !slices.Equal(got, []int64{id}) {
				t.Errorf("after the recompute, search %q: %v, want [%d]", q, got, id)
			}
		}
		if nick := nickname(); nick != current {
			t.Errorf("sort key nickname after the recompute: %q, want %q", nick, current)
		}
		var versions []string
		rows, err := raw.Query(`SELECT name || '=' || version FROM derived_versions ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			versions = append(versions, v)
		}
		rows.Close()
		want := []string{"search_tokens=fold " + textfold.Version, "sort_keys=" + pseudonym.NicknameVersion()}
		if !slices.Equal(versions, want) {
			t.Errorf("versions recorded: %q, want %q", versions, want)
		}
	})
}

// rawExec runs one statement on the raw database, failing the test on error.
func rawExec(t *testing.T, raw *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
