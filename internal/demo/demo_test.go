package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"serenade/internal/codicefiscale"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/pgtest"
	"serenade/internal/testsupport/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func as(username string) context.Context {
	a, ok := demo.AccountNamed(username)
	if !ok {
		panic("no demo account " + username)
	}
	return domain.WithPrincipal(context.Background(), a.Principal())
}

func seed(t *testing.T, env *storetest.Env) demo.Result {
	t.Helper()
	res, err := demo.Seed(context.Background(), env.Study(), env.Clock.Now)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return res
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

func TestAccountsHaveOneAccountPerRole(t *testing.T) {
	var roles []domain.Role
	for _, a := range demo.Accounts {
		if a.Username == "" || a.Password == "" || len(a.Roles) != 1 {
			t.Errorf("account %+v: want a username, a password and one role", a)
		}
		if got, ok := demo.AccountNamed(a.Username); !ok || got.Username != a.Username {
			t.Errorf("AccountNamed(%q) = %+v, %v", a.Username, got, ok)
		}
		roles = append(roles, a.Roles...)
	}
	slices.Sort(roles)
	want := slices.Clone(domain.AllRoles)
	slices.Sort(want)
	if !slices.Equal(roles, want) {
		t.Errorf("roles = %v, want each of %v once", roles, want)
	}
}

func TestSeedShowsEveryStatusAndTicketState(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		res := seed(t, env)
		ps := must[[]domain.Patient](t)(env.DB.Patients(as(demo.Doctor)))
		if len(ps) < 18 || len(ps) > 22 || len(ps) != len(res.PatientIDs) {
			t.Errorf("patients = %d, result lists %d, want about 20", len(ps), len(res.PatientIDs))
		}
		checkPatients(t, ps)
		insts := must[[]domain.Installation](t)(env.DB.Installations(as(demo.Doctor)))
		checkStatuses(t, insts)
		checkTickets(t, env, insts)
		checkDocuments(t, env, insts, len(res.DocumentIDs))
	})
}

func checkPatients(t *testing.T, ps []domain.Patient) {
	t.Helper()
	classes := map[domain.DiagnosisClass]bool{}
	sexes := map[string]int{}
	for _, p := range ps {
		info, err := codicefiscale.Parse(p.Identity.CodiceFiscale)
		if err != nil {
			t.Errorf("patient %d: codice fiscale: %v", p.ID, err)
			continue
		}
		if y := info.BirthDate.Year(); y < 1935 || y > 1958 {
			t.Errorf("patient %d born in %d, want 1935-1958", p.ID, y)
		}
		if len(p.Contacts) < 1 || len(p.Contacts) > 3 {
			t.Errorf("patient %d has %d contacts, want 1-3", p.ID, len(p.Contacts))
		}
		classes[p.Identity.DiagnosisClass] = true
		sexes[info.Sex]++
	}
	for _, c := range domain.DiagnosisClasses {
		if !classes[c] {
			t.Errorf("no patient with diagnosis class %s", c)
		}
	}
	if sexes["M"] < 5 || sexes["F"] < 5 {
		t.Errorf("sexes = %v, want a mix", sexes)
	}
}

func checkStatuses(t *testing.T, insts []domain.Installation) {
	t.Helper()
	count := map[domain.InstallationStatus]int{}
	for _, in := range insts {
		count[in.Status]++
	}
	for _, s := range []domain.InstallationStatus{domain.StatusToInstall, domain.StatusWorking,
		domain.StatusMaintenance, domain.StatusUninstalling, domain.StatusInactive} {
		if count[s] == 0 {
			t.Errorf("no installation is %s (statuses: %v)", s, count)
		}
	}
	if count[domain.StatusUnknown] > 0 {
		t.Errorf("%d installations have an unknown status", count[domain.StatusUnknown])
	}
	for _, in := range insts {
		checkCollectionDates(t, in)
	}
}

// checkCollectionDates checks a home's collection dates agree with its
// status: nothing before installation, a 12-month period once installed,
// ended early once uninstalled.
func checkCollectionDates(t *testing.T, in domain.Installation) {
	t.Helper()
	start, end := in.CollectionStart, in.CollectionEnd
	switch in.Status {
	case domain.StatusToInstall:
		if start != nil || end != nil {
			t.Errorf("installation %d to install has collection dates %v – %v", in.ID, start, end)
		}
	case domain.StatusWorking, domain.StatusMaintenance, domain.StatusUninstalling:
		if start == nil || end == nil || !end.Equal(start.AddDate(0, domain.CollectionMonths, 0)) || !in.CollectingAt(*start) {
			t.Errorf("installation %d (%s) has collection dates %v – %v, want a running 12-month period", in.ID, in.Status, start, end)
		}
	case domain.StatusInactive:
		if start == nil || end == nil || end.Before(*start) || end.After(start.AddDate(0, domain.CollectionMonths, 0)) || in.CollectingAt(*end) {
			t.Errorf("inactive installation %d has collection dates %v – %v, want an ended period", in.ID, start, end)
		}
	}
}

func checkTickets(t *testing.T, env *storetest.Env, insts []domain.Installation) {
	t.Helper()
	states := map[string]bool{}
	senders := map[string]bool{}
	for _, in := range insts {
		for _, tk := range must[[]domain.Ticket](t)(env.DB.Tickets(as(demo.Installer), in.ID)) {
			states[fmt.Sprintf("%s/open=%v", tk.Category, tk.Open())] = true
			checkAuthors(t, tk)
			for _, m := range tk.Messages {
				senders[m.Sender] = true
			}
		}
	}
	for _, c := range []domain.TicketCategory{domain.CategoryInstallation, domain.CategoryMaintenance, domain.CategoryUninstallation} {
		for _, open := range []bool{true, false} {
			if k := fmt.Sprintf("%s/open=%v", c, open); !states[k] {
				t.Errorf("no %s ticket", k)
			}
		}
	}
	for _, u := range []string{demo.Installer, demo.Monitoring, domain.SystemSender} {
		if !senders[u] {
			t.Errorf("no message written by %s (senders: %v)", u, senders)
		}
	}
}

// checkAuthors checks that the demo acts as the access matrix allows:
// installers and the monitoring team open and write on tickets (besides
// the system at enrolment), only installers close them.
func checkAuthors(t *testing.T, tk domain.Ticket) {
	t.Helper()
	writers := []string{domain.SystemSender, demo.Installer, demo.Monitoring}
	if !slices.Contains(writers, tk.OpenedBy) {
		t.Errorf("ticket %d opened by %s", tk.ID, tk.OpenedBy)
	}
	if !tk.Open() && tk.ClosedBy != demo.Installer {
		t.Errorf("ticket %d closed by %s", tk.ID, tk.ClosedBy)
	}
	for _, m := range tk.Messages {
		if !slices.Contains(writers, m.Sender) {
			t.Errorf("ticket %d: message by %s", tk.ID, m.Sender)
		}
	}
}

func checkDocuments(t *testing.T, env *storetest.Env, insts []domain.Installation, seeded int) {
	t.Helper()
	types := map[string]int{}
	for _, in := range insts {
		for _, d := range must[[]domain.Document](t)(env.DB.Documents(as(demo.Installer), in.ID)) {
			doc, content, err := env.DB.DocumentContent(as(demo.Installer), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if doc.UploadedBy != demo.Installer {
				t.Errorf("document %d uploaded by %s", doc.ID, doc.UploadedBy)
			}
			types[doc.ContentType]++
			checkContent(t, doc, content)
		}
	}
	if n := types["application/pdf"] + types["image/png"] + types["image/jpeg"]; n != seeded {
		t.Errorf("documents by type = %v, want %d PDF, PNG or JPEG documents", types, seeded)
	}
	for _, ct := range []string{"application/pdf", "image/png", "image/jpeg"} {
		if types[ct] == 0 {
			t.Errorf("no %s document (types: %v)", ct, types)
		}
	}
}

func checkContent(t *testing.T, doc domain.Document, content []byte) {
	t.Helper()
	switch doc.ContentType {
	case "application/pdf":
		if err := checkPDF(content); err != nil {
			t.Errorf("document %d: %v", doc.ID, err)
		}
	case "image/png", "image/jpeg":
		_, format, err := image.Decode(bytes.NewReader(content))
		if err != nil || "image/"+format != doc.ContentType {
			t.Errorf("document %d (%s) decodes as %q: %v", doc.ID, doc.ContentType, format, err)
		}
	}
}

// checkPDF checks the header, the trailer and that every cross-reference
// entry points at the object it numbers.
func checkPDF(b []byte) error {
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		return fmt.Errorf("no PDF header or trailer")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(b)
	if m == nil {
		return fmt.Errorf("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n")) {
		return fmt.Errorf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(b[xref:], -1)
	if len(entries) < 5 {
		return fmt.Errorf("%d objects in the xref table, want at least 5", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(b[off:], []byte(want)) {
			return fmt.Errorf("xref entry %d points at %q", i+1, b[off:min(off+10, len(b))])
		}
	}
	return nil
}

func TestSeedRefusesANonEmptyStudy(t *testing.T) {
	env := storetest.Open(t, "sqlite")
	seed(t, env)
	if _, err := demo.Seed(context.Background(), env.Study(), env.Clock.Now); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("second seed: err = %v, want a conflict", err)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	a, b := storetest.Open(t, "sqlite"), storetest.Open(t, "sqlite")
	ra, rb := seed(t, a), seed(t, b)
	if !slices.Equal(ra.Sensitive, rb.Sensitive) {
		t.Error("two seeds wrote different sensitive data")
	}
	if len(ra.DocumentIDs) != len(rb.DocumentIDs) {
		t.Fatalf("documents: %d and %d", len(ra.DocumentIDs), len(rb.DocumentIDs))
	}
	for i := range ra.DocumentIDs {
		da, ca := must2(t, a, ra.DocumentIDs[i])
		db, cb := must2(t, b, rb.DocumentIDs[i])
		if da.Name != db.Name || !bytes.Equal(ca, cb) {
			t.Errorf("document %d differs between two seeds (%q, %q)", i, da.Name, db.Name)
		}
	}
	pa := must[[]domain.Patient](t)(a.DB.Patients(as(demo.Doctor)))
	pb := must[[]domain.Patient](t)(b.DB.Patients(as(demo.Doctor)))
	for i := range pa {
		if !pa[i].DateJoin.Equal(pb[i].DateJoin) {
			t.Errorf("patient %d joined on %v and on %v", i, pa[i].DateJoin, pb[i].DateJoin)
		}
	}
}

func must2(t *testing.T, env *storetest.Env, id int64) (domain.Document, []byte) {
	t.Helper()
	d, c, err := env.DB.DocumentContent(as(demo.Installer), id)
	if err != nil {
		t.Fatal(err)
	}
	return d, c
}

func TestSensitiveStringsAreSearchableAndNeverStoredInPlaintext(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		res := seed(t, env)
		if len(res.Sensitive) < 20*5 {
			t.Errorf("only %d sensitive strings listed", len(res.Sensitive))
		}
		for _, s := range res.Sensitive {
			if len(s) < demo.MinSensitiveLen {
				t.Errorf("%q is too short to search for", s)
			}
		}
		raw := rawDatabase(t, env)
		if !bytes.Contains(raw, []byte(demo.Installer)) {
			t.Fatal("the raw database lacks the plaintext ticket authors: the search would find nothing")
		}
		for _, s := range res.Sensitive {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%q is stored in plaintext", s)
			}
		}
	})
}

// rawDatabase returns the bytes the database wrote: the SQLite files, or
// a PostgreSQL dump.
func rawDatabase(t *testing.T, env *storetest.Env) []byte {
	t.Helper()
	if env.Backend == "postgres" {
		return pgtest.DumpDatabase(t, env.URL)
	}
	var all []byte
	for _, suffix := range []string{"", "-wal", "-journal"} {
		b, err := os.ReadFile(env.URL + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatal("no database file found")
	}
	return all
}
