package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

func monitoring() context.Context {
	return domain.WithPrincipal(context.Background(), domain.Principal{Subject: "3", Username: "imt-vincenzo", Roles: []domain.Role{domain.RoleMonitoring}})
}

// home is an enrolled patient's installation, driven through its tickets.
type home struct {
	t       *testing.T
	env     *storetest.Env
	patient int64
	inst    int64
}

func enrolHome(t *testing.T, env *storetest.Env) *home {
	t.Helper()
	p := must[domain.Patient](t)(env.Study().Enrol(doctor(), mario()))
	inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID))
	return &home{t: t, env: env, patient: p.ID, inst: inst.ID}
}

func (h *home) installation() domain.Installation {
	h.t.Helper()
	return must[domain.Installation](h.t)(h.env.DB.Installation(doctor(), h.inst))
}

func (h *home) tickets() []domain.Ticket {
	h.t.Helper()
	return must[[]domain.Ticket](h.t)(h.env.DB.Tickets(doctor(), h.inst))
}

// open returns the open ticket of category c, or fails.
func (h *home) open(c domain.TicketCategory) domain.Ticket {
	h.t.Helper()
	var found []domain.Ticket
	for _, t := range h.tickets() {
		if t.Open() && t.Category == c {
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("%d open %s tickets, want 1: %+v", len(found), c, h.tickets())
	}
	return found[0]
}

// install closes the installation ticket: the home is then working.
func (h *home) install() {
	h.t.Helper()
	must[domain.Ticket](h.t)(h.env.Study().CloseTicket(installer(), h.open(domain.CategoryInstallation).ID))
}

func (h *home) withdraw() time.Time {
	h.t.Helper()
	h.env.Clock.Advance(24 * time.Hour)
	at := h.env.Clock.Now()
	if err := h.env.Study().Withdraw(doctor(), h.patient); err != nil {
		h.t.Fatal(err)
	}
	return at
}

func wantConflict(t *testing.T, err error, what string) {
	t.Helper()
	var de *domain.Error
	if domain.KindOf(err) != domain.KindConflict || !errors.As(err, &de) || de.Message == "" {
		t.Fatalf("%s: err = %v, want a conflict saying why", what, err)
	}
}

// wantSystemClosed checks a ticket was closed by Serenade at at, with a
// last message saying why.
func wantSystemClosed(t *testing.T, tk domain.Ticket, at time.Time) {
	t.Helper()
	if tk.Open() || tk.ClosedBy != domain.SystemSender || !tk.ClosedAt.Equal(at) {
		t.Fatalf("%s ticket = open %t, closed by %q at %v; want closed by %s at %v", tk.Category, tk.Open(), tk.ClosedBy, tk.ClosedAt, domain.SystemSender, at)
	}
	last := tk.Messages[len(tk.Messages)-1]
	if last.Sender != domain.SystemSender || last.Body != domain.MessageClosedByWithdrawal {
		t.Errorf("last message = %+v, want the system's withdrawal message", last)
	}
}

func TestWithdrawalDuringInstallationStopsCollectionBeforeItStarts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		first := h.open(domain.CategoryInstallation)
		at := h.withdraw()

		tk := must[domain.Ticket](t)(env.DB.Ticket(doctor(), first.ID))
		wantSystemClosed(t, tk, at)
		env.Clock.Advance(time.Hour)
		_, err := env.Study().CloseTicket(installer(), first.ID)
		wantConflict(t, err, "installer closes the installation ticket after the withdrawal")

		inst := h.installation()
		if inst.Status != domain.StatusUninstalling {
			t.Errorf("status = %s, want uninstalling", inst.Status)
		}
		if inst.CollectionStart != nil || inst.CollectionEnd == nil || !inst.CollectionEnd.Equal(at) {
			t.Errorf("collection %v – %v, want never started, ended at the withdrawal %v", inst.CollectionStart, inst.CollectionEnd, at)
		}
		for _, when := range []time.Time{at.Add(-time.Hour), at, at.Add(time.Hour), at.AddDate(0, 6, 0)} {
			if inst.CollectingAt(when) {
				t.Errorf("a reading at %v would be accepted", when)
			}
		}
		un := h.open(domain.CategoryUninstallation)
		if un.OpenedBy != domain.SystemSender || un.Messages[0].Body != domain.MessageOpenedByWithdrawal {
			t.Errorf("uninstallation ticket = %+v, want opened by the system with its message", un)
		}
		for _, c := range []domain.TicketCategory{domain.CategoryInstallation, domain.CategoryMaintenance, domain.CategoryUninstallation} {
			_, err := env.Study().OpenTicket(monitoring(), h.inst, c, "one more")
			wantConflict(t, err, "opening a "+string(c)+" ticket after the withdrawal")
		}
	})
}

func TestWithdrawingAWorkingHomeEndsCollectionNow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		env.Clock.Advance(48 * time.Hour)
		h.install()
		start := env.Clock.Now()
		env.Clock.Advance(30 * 24 * time.Hour)
		at := h.withdraw()

		inst := h.installation()
		if inst.Status != domain.StatusUninstalling {
			t.Errorf("status = %s, want uninstalling", inst.Status)
		}
		if !inst.CollectionStart.Equal(start) || !inst.CollectionEnd.Equal(at) {
			t.Errorf("collection %v – %v, want %v – %v (the withdrawal)", inst.CollectionStart, inst.CollectionEnd, start, at)
		}
		if !inst.CollectingAt(at.Add(-time.Minute)) || inst.CollectingAt(at) || inst.CollectingAt(at.Add(time.Minute)) {
			t.Error("readings before the withdrawal must be kept and readings from it on refused")
		}
		un := h.open(domain.CategoryUninstallation)
		if un.OpenedBy != domain.SystemSender || !un.OpenedAt.Equal(at) {
			t.Errorf("uninstallation ticket opened by %q at %v", un.OpenedBy, un.OpenedAt)
		}
	})
}

func TestWithdrawalDuringMaintenanceClosesIt(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		h.install()
		maint := must[domain.Ticket](t)(env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryMaintenance, "Kitchen sensor silent"))
		at := h.withdraw()
		wantSystemClosed(t, must[domain.Ticket](t)(env.DB.Ticket(doctor(), maint.ID)), at)
		if s := h.installation().Status; s != domain.StatusUninstalling {
			t.Errorf("status = %s, want uninstalling", s)
		}
	})
}

func TestWithdrawalWhileUninstallingAddsToTheOpenTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		h.install()
		un := must[domain.Ticket](t)(env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryUninstallation, "End of the study"))
		h.withdraw()
		tickets := h.tickets()
		if len(tickets) != 2 {
			t.Fatalf("%d tickets, want 2 (no second uninstallation ticket)", len(tickets))
		}
		got := h.open(domain.CategoryUninstallation)
		if got.ID != un.ID || got.Messages[len(got.Messages)-1].Body != domain.MessageWithdrawalNote {
			t.Errorf("open uninstallation ticket = %+v, want the existing one with the withdrawal note", got)
		}
	})
}

func TestOpeningTicketsFollowsTheStateMachine(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		_, err := env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryUninstallation, "remove it")
		wantConflict(t, err, "uninstallation before the kit is installed")
		_, err = env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryMaintenance, "fix it")
		wantConflict(t, err, "maintenance before the kit is installed")

		h.install()
		start := h.installation().CollectionStart
		_, err = env.Study().OpenTicket(installer(), h.inst, domain.CategoryInstallation, "install again")
		wantConflict(t, err, "second installation ticket on a working home")

		// Uninstallation is accepted on a working home, and during
		// maintenance, which it closes.
		maint := must[domain.Ticket](t)(env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryMaintenance, "Door contact silent"))
		un := must[domain.Ticket](t)(env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryUninstallation, "End of the study"))
		if m := must[domain.Ticket](t)(env.DB.Ticket(doctor(), maint.ID)); m.Open() || m.ClosedBy != domain.SystemSender ||
			m.Messages[len(m.Messages)-1].Body != domain.MessageSuperseded {
			t.Errorf("maintenance ticket after the uninstallation opened: %+v", m)
		}
		env.Clock.Advance(time.Hour)
		must[domain.Ticket](t)(env.Study().CloseTicket(installer(), un.ID))
		inst := h.installation()
		if inst.Status != domain.StatusInactive || !inst.CollectionEnd.Equal(env.Clock.Now()) || !inst.CollectionStart.Equal(*start) {
			t.Errorf("after the uninstallation: %s, %v – %v", inst.Status, inst.CollectionStart, inst.CollectionEnd)
		}
		for _, c := range []domain.TicketCategory{domain.CategoryInstallation, domain.CategoryMaintenance, domain.CategoryUninstallation} {
			_, err := env.Study().OpenTicket(installer(), h.inst, c, "again")
			wantConflict(t, err, string(c)+" ticket on an inactive home")
		}
		if after := h.installation(); !after.CollectionStart.Equal(*start) || !after.CollectionEnd.Equal(*inst.CollectionEnd) {
			t.Errorf("refused tickets changed the dates: %v – %v", after.CollectionStart, after.CollectionEnd)
		}
	})
}

func TestWithdrawalKeepsOnlyWhatTheRetrievalNeeds(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		hc := domain.HomeContext{ApartmentType: "flat, 3rd floor", Pets: "a nervous dog", HabitNotes: "naps after lunch", Visitors: "son on Sundays"}
		must[domain.Installation](t)(env.Study().UpdateHomeContext(installer(), h.inst, hc, nil))
		must[domain.Document](t)(env.Study().AddDocument(installer(), h.inst, domain.DocumentOther, "consenso.txt", []byte("Signed by Mario Rossi")))
		must[domain.Message](t)(env.Study().AddMessage(installer(), h.open(domain.CategoryInstallation).ID, "Fridge plug behind the fridge"))
		h.install()
		before := env.Backup(t, h.patient)
		h.withdraw()

		p := must[domain.Patient](t)(env.DB.Patient(doctor(), h.patient))
		want := domain.Identity{FirstName: "Mario", LastName: "Rossi", Address: "Via Roma 12, 20121 Milano"}
		if !p.Withdrawn() || p.Identity != want {
			t.Errorf("identity during the retrieval = %+v, want only %+v", p.Identity, want)
		}
		if len(p.Contacts) != 1 || p.Contacts[0].Phone != "+39 333 1234567" {
			t.Errorf("contacts during the retrieval = %+v, want the daughter's", p.Contacts)
		}
		if got := h.installation().Context; got != (domain.HomeContext{ApartmentType: "flat, 3rd floor", Pets: "a nervous dog"}) {
			t.Errorf("home context during the retrieval = %+v", got)
		}
		if docs := must[[]domain.Document](t)(env.DB.Documents(doctor(), h.inst)); len(docs) != 0 {
			t.Errorf("documents survived the withdrawal: %+v", docs)
		}
		if msgs := h.tickets()[0].Messages; len(msgs) < 2 || msgs[1].Body != "Fridge plug behind the fridge" {
			t.Errorf("installation thread during the retrieval = %+v", msgs)
		}

		// Nothing new is recorded about the patient; the retrieval's
		// thread still takes messages.
		_, err := env.Study().UpdateHomeContext(installer(), h.inst, hc, nil)
		wantConflict(t, err, "home context after the withdrawal")
		_, err = env.Study().AddDocument(installer(), h.inst, domain.DocumentOther, "photo.txt", []byte("x"))
		wantConflict(t, err, "document after the withdrawal")
		_, err = env.Study().AddContact(installer(), h.patient, domain.Contact{Alias: "neighbour", Phone: "02 1234567"})
		wantConflict(t, err, "contact after the withdrawal")
		_, err = env.Study().UpdateAddress(installer(), h.patient, "Via Verdi 3")
		wantConflict(t, err, "address after the withdrawal")
		must[domain.Message](t)(env.Study().AddMessage(installer(), h.open(domain.CategoryUninstallation).ID, "Coming on Tuesday at 10"))

		// The data key of before the withdrawal is gone and the master
		// key rotated: a backup of before opens nothing, not even what
		// is kept for the visit.
		kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		if _, err := kr.Unwrap(before.Version, before.Wrapped); err == nil {
			t.Error("a backup taken before the withdrawal still opens")
		}
		if n := countRows(t, env, `SELECT COUNT(*) FROM data_keys WHERE purpose = 'patient'`); n != 1 {
			t.Errorf("%d patient data keys, want 1 (the fresh one)", n)
		}
		if cf := countRows(t, env, `SELECT COUNT(*) FROM patients WHERE cf_index IS NOT NULL`); cf != 0 {
			t.Errorf("the codice fiscale's blind index survived the withdrawal")
		}
		if again, err := env.Study().Enrol(doctor(), mario()); err != nil || again.ID == h.patient {
			t.Errorf("enrolling the same person again after the withdrawal: %v", err)
		}
	})
}

func countRows(t *testing.T, env *storetest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Raw(t).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestClosingTheUninstallationAfterWithdrawalShredsTheRest(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		must[domain.Installation](t)(env.Study().UpdateHomeContext(installer(), h.inst, domain.HomeContext{Pets: "a nervous dog"}, nil))
		h.install()
		at := h.withdraw()
		window := env.Backup(t, h.patient)
		un := h.open(domain.CategoryUninstallation)

		env.Clock.Advance(72 * time.Hour)
		closed := must[domain.Ticket](t)(env.Study().CloseTicket(installer(), un.ID))
		if closed.Open() || closed.ClosedBy != "iit-gennaro" || len(closed.Messages) != 0 {
			t.Errorf("closed ticket = %+v, want closed by the installer, its thread shredded", closed)
		}
		inst := h.installation()
		if inst.Status != domain.StatusInactive || !inst.CollectionEnd.Equal(at) {
			t.Errorf("after the kit came back: %s, end %v; want inactive, end at the withdrawal %v", inst.Status, inst.CollectionEnd, at)
		}
		if inst.Context != (domain.HomeContext{}) {
			t.Errorf("home context survived: %+v", inst.Context)
		}
		p := must[domain.Patient](t)(env.DB.Patient(doctor(), h.patient))
		if !p.Withdrawn() || p.Identity != (domain.Identity{}) || len(p.Contacts) != 0 {
			t.Errorf("identity survived the kit's return: %+v", p)
		}
		for _, tk := range h.tickets() {
			if len(tk.Messages) != 0 {
				t.Errorf("%s ticket thread survived: %+v", tk.Category, tk.Messages)
			}
		}
		// The raw database holds nothing of the patient, not even sealed.
		for query, want := range map[string]int{
			`SELECT COUNT(*) FROM patients WHERE sealed IS NOT NULL OR data_key_id IS NOT NULL OR cf_index IS NOT NULL`: 0,
			`SELECT COUNT(*) FROM contacts`:                                0,
			`SELECT COUNT(*) FROM ticket_messages`:                         0,
			`SELECT COUNT(*) FROM documents`:                               0,
			`SELECT COUNT(*) FROM installations WHERE sealed IS NOT NULL`:  0,
			`SELECT COUNT(*) FROM data_keys WHERE purpose = 'patient'`:     0,
			`SELECT COUNT(*) FROM tickets WHERE closed_at IS NULL`:         0,
			`SELECT COUNT(*) FROM patients WHERE withdrawn_at IS NOT NULL`: 1,
		} {
			if n := countRows(t, env, query); n != want {
				t.Errorf("%s = %d, want %d", query, n, want)
			}
		}
		raw := env.RawBytes(t)
		for _, s := range []string{"Mario", "Rossi", "RSSMRA45T10A562I", "Via Roma", "nervous dog", "giulia@example.it"} {
			if strings.Contains(string(raw), s) {
				t.Errorf("%q is in the raw database", s)
			}
		}
		kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		if _, err := kr.Unwrap(window.Version, window.Wrapped); err == nil {
			t.Error("a backup taken during the retrieval still opens after the kit came back")
		}
		_, err := env.Study().AddMessage(installer(), un.ID, "late")
		wantConflict(t, err, "writing on the closed uninstallation ticket")
		_, err = env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryMaintenance, "again")
		wantConflict(t, err, "a ticket on the withdrawn, inactive home")
	})
}

func TestEraseAllDeletesThePatientWhenTheKitIsBack(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		reopenWithPolicy(t, env, store.EraseAll)
		h := enrolHome(t, env)
		h.install()
		h.withdraw()
		if s := h.installation().Status; s != domain.StatusUninstalling {
			t.Fatalf("status = %s, want uninstalling: the home stays until the kit is back", s)
		}
		closed := must[domain.Ticket](t)(env.Study().CloseTicket(installer(), h.open(domain.CategoryUninstallation).ID))
		if closed.Open() {
			t.Error("the returned ticket is open")
		}
		if _, err := env.DB.Patient(doctor(), h.patient); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("patient after the kit came back: err = %v, want not found", err)
		}
		if _, err := env.DB.Installation(doctor(), h.inst); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("installation after the kit came back: err = %v, want not found", err)
		}
		for _, table := range []string{"patients", "installations", "tickets", "ticket_messages", "contacts"} {
			if n := countRows(t, env, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("%s holds %d rows, want 0", table, n)
			}
		}
	})
}

// reopenWithPolicy reopens the test's store under another withdrawal policy.
func reopenWithPolicy(t *testing.T, env *storetest.Env, policy store.WithdrawalPolicy) {
	t.Helper()
	env.DB.Close()
	kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
	db := must[*store.DB](t)(store.Open(context.Background(), store.Config{URL: env.URL, Keyring: kr, Withdrawal: policy, Now: env.Clock.Now}))
	t.Cleanup(func() { db.Close() })
	env.DB = db
}

func TestWithdrawingAnInactiveHomeShredsAtOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := enrolHome(t, env)
		h.install()
		un := must[domain.Ticket](t)(env.Study().OpenTicket(monitoring(), h.inst, domain.CategoryUninstallation, "End of the study"))
		must[domain.Ticket](t)(env.Study().CloseTicket(installer(), un.ID))
		ended := *h.installation().CollectionEnd
		h.withdraw()
		inst := h.installation()
		if inst.Status != domain.StatusInactive || !inst.CollectionEnd.Equal(ended) || len(h.tickets()) != 2 {
			t.Errorf("after withdrawing an inactive home: %s, end %v, %d tickets; want inactive, end %v, no new ticket",
				inst.Status, inst.CollectionEnd, len(h.tickets()), ended)
		}
		p := must[domain.Patient](t)(env.DB.Patient(doctor(), h.patient))
		if p.Identity != (domain.Identity{}) || len(p.Contacts) != 0 {
			t.Errorf("identity survived: %+v", p)
		}
		if n := countRows(t, env, `SELECT COUNT(*) FROM data_keys WHERE purpose = 'patient'`); n != 0 {
			t.Errorf("%d patient data keys left, want 0", n)
		}
		if err := env.Study().Withdraw(doctor(), h.patient); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("withdrawing twice: err = %v, want conflict", err)
		}
		if err := env.Study().Withdraw(doctor(), 9999); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("withdrawing a missing patient: err = %v, want not found", err)
		}
	})
}

// TestWithdrawalRacingTheInstallersClose runs a withdrawal and the close
// of the installation ticket at the same time, many times: whichever
// wins, collection never runs after the withdrawal, the home ends
// uninstalling, and the loser gets a conflict, never a deadlock or a
// half-written state.
func TestWithdrawalRacingTheInstallersClose(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		for i := range 6 {
			in := mario()
			in.Identity.CodiceFiscale = fixedCF(t, i)
			p := must[domain.Patient](t)(env.Study().Enrol(doctor(), in))
			h := &home{t: t, env: env, patient: p.ID, inst: must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID)).ID}
			first := h.open(domain.CategoryInstallation)
			errs := make(chan error, 2)
			go func() { errs <- env.Study().Withdraw(doctor(), p.ID) }()
			go func() { _, err := env.Study().CloseTicket(installer(), first.ID); errs <- err }()
			for range 2 {
				if err := <-errs; err != nil && domain.KindOf(err) != domain.KindConflict {
					t.Fatalf("round %d: %v", i, err)
				}
			}
			inst := h.installation()
			if inst.Status != domain.StatusUninstalling || inst.CollectionEnd == nil || inst.CollectingAt(*inst.CollectionEnd) ||
				inst.CollectingAt(inst.CollectionEnd.AddDate(0, 1, 0)) {
				t.Fatalf("round %d: %s, collection %v – %v", i, inst.Status, inst.CollectionStart, inst.CollectionEnd)
			}
		}
	})
}

// fixedCF is a valid codice fiscale for the i-th racing patient.
func fixedCF(t *testing.T, i int) string {
	t.Helper()
	id := mario().Identity
	id.CodiceFiscale = "RSSMRA45T1" + string(rune('0'+i)) + "A562X"
	fixCF(t, &id)
	return id.CodiceFiscale
}

// TestReadsDuringWithdrawalsNeverMixKeys: a withdrawal re-seals what it
// keeps under a fresh data key; readers listing patients meanwhile must
// see either the old rows with the old key or the new with the new, never
// a mix (bounded: the readers stop once the withdrawals are done).
func TestReadsDuringWithdrawalsNeverMixKeys(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		var ids []int64
		for i := range 6 {
			in := mario()
			in.Identity.CodiceFiscale = fixedCF(t, i)
			ids = append(ids, must[domain.Patient](t)(env.Study().Enrol(doctor(), in)).ID)
		}
		done := make(chan struct{})
		readErr := make(chan error, 2)
		for range 2 {
			go func() {
				for {
					select {
					case <-done:
						readErr <- nil
						return
					default:
					}
					if _, err := env.DB.Patients(doctor()); err != nil {
						readErr <- err
						return
					}
				}
			}()
		}
		for _, id := range ids[:4] {
			if err := env.Study().Withdraw(doctor(), id); err != nil {
				t.Fatal(err)
			}
		}
		close(done)
		for range 2 {
			if err := <-readErr; err != nil {
				t.Fatalf("a read during the withdrawals failed: %v", err)
			}
		}
	})
}
