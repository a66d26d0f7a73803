package service_test

import (
	"context"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

func TestEnrolmentCreatesPatientInstallationAndTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := doctor()
		p := must[domain.Patient](t)(env.Study().Enrol(ctx, mario()))
		if p.Identity.CodiceFiscale != "RSSMRA45T10A562I" || p.Identity.LastName != "Rossi" {
			t.Errorf("identity not normalised and read back: %+v", p.Identity)
		}
		if len(p.Contacts) != 1 || p.Contacts[0].Phone != "+39 333 1234567" {
			t.Errorf("contacts = %+v", p.Contacts)
		}
		if !p.DateJoin.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("date_join = %v, want the enrolment day", p.DateJoin)
		}
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(ctx, p.ID))
		if inst.Status != domain.StatusToInstall {
			t.Errorf("status = %s, want to_install", inst.Status)
		}
		tickets := must[[]domain.Ticket](t)(env.DB.Tickets(ctx, inst.ID))
		if len(tickets) != 1 || tickets[0].Category != domain.CategoryInstallation || !tickets[0].Open() {
			t.Fatalf("tickets = %+v", tickets)
		}
		if m := tickets[0].Messages; len(m) != 1 || m[0].Sender != domain.SystemSender || m[0].Body == "" {
			t.Errorf("first message = %+v", m)
		}
	})
}

// The home context given at enrolment is stored, cleaned, with the new
// installation; an enrolment without one leaves it empty.
func TestEnrolmentCarriesTheHomeContext(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		in := mario()
		in.Context = domain.HomeContext{ApartmentType: "  flat, third floor ", Pets: "a cat", Flatmates: "wife Maddalena"}
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), in))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID))
		want := domain.HomeContext{ApartmentType: "flat, third floor", Pets: "a cat", Flatmates: "wife Maddalena"}
		if inst.Context != want || len(inst.WrittenBlind) != 0 {
			t.Errorf("context = %+v (blind %v), want %+v written by the doctor", inst.Context, inst.WrittenBlind, want)
		}
		other := mario()
		other.Identity.CodiceFiscale, other.Identity.FirstName = "RSSLGU45T10A562X", "Luigi"
		fixCF(t, &other.Identity)
		q := must[domain.Patient](t)(env.Study().Enrol(doctor(), other))
		if inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), q.ID)); inst.Context != (domain.HomeContext{}) {
			t.Errorf("an enrolment without context stored %+v", inst.Context)
		}
	})
}

func TestEnrolmentRejectsBadInput(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		cases := []struct {
			name  string
			edit  func(*domain.NewPatient)
			kind  domain.Kind
			field string
		}{
			{"a codice fiscale with a wrong check character is invalid", func(p *domain.NewPatient) { p.Identity.CodiceFiscale = "RSSMRA45T10A562T" }, domain.KindInvalid, "codice_fiscale"},
			{"a missing first name is invalid", func(p *domain.NewPatient) { p.Identity.FirstName = " " }, domain.KindInvalid, "first_name"},
			{"an unknown diagnosis class is invalid", func(p *domain.NewPatient) { p.Identity.DiagnosisClass = "flu" }, domain.KindInvalid, "diagnosis_class"},
			{"a contact without phone or e-mail is invalid", func(p *domain.NewPatient) { p.Contacts[0].Phone, p.Contacts[0].Email = "", "" }, domain.KindInvalid, "contacts[0].phone"},
			{"a home context line with a line break is invalid", func(p *domain.NewPatient) { p.Context.ApartmentType = "flat\nthird floor" }, domain.KindInvalid, "home_context.apartment_type"},
			{"a home context note with a control character is invalid", func(p *domain.NewPatient) { p.Context.Pets = "a cat\x07" }, domain.KindInvalid, "home_context.pets"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := mario()
				c.edit(&in)
				_, err := env.Study().Enrol(doctor(), in)
				var de *domain.Error
				if domain.KindOf(err) != c.kind || !asError(err, &de) || de.Field != c.field {
					t.Fatalf("err = %v, want %v on %s", err, c.kind, c.field)
				}
			})
		}
		must[domain.Patient](t)(env.Study().Enrol(doctor(), mario()))
		t.Run("a duplicate codice fiscale is a conflict, also with omocodia-free case changes", func(t *testing.T) {
			in := mario()
			in.Identity.CodiceFiscale = "RSSMRA45T10A562I"
			if _, err := env.Study().Enrol(doctor(), in); domain.KindOf(err) != domain.KindConflict {
				t.Fatalf("err = %v, want conflict", err)
			}
		})
		t.Run("a failed enrolment leaves nothing half-written", func(t *testing.T) {
			ps := must[[]domain.Patient](t)(env.DB.Patients(doctor()))
			is := must[[]domain.Installation](t)(env.DB.Installations(doctor()))
			if len(ps) != 1 || len(is) != 1 {
				t.Fatalf("patients = %d, installations = %d, want 1 and 1", len(ps), len(is))
			}
		})
	})
}

func asError(err error, target **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*target = e
	return ok
}

func TestTicketLifecycleDrivesStatusAndDates(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := doctor()
		p := must[domain.Patient](t)(env.Study().Enrol(ctx, mario()))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(ctx, p.ID))
		status := func() domain.InstallationStatus {
			return must[domain.Installation](t)(env.DB.Installation(ctx, inst.ID)).Status
		}
		first := must[[]domain.Ticket](t)(env.DB.Tickets(ctx, inst.ID))[0]

		env.Clock.Advance(24 * time.Hour)
		closed := must[domain.Ticket](t)(env.Study().CloseTicket(installer(), first.ID))
		if closed.Open() || closed.ClosedBy != "iit-gennaro" {
			t.Fatalf("closed ticket = %+v", closed)
		}
		got := must[domain.Installation](t)(env.DB.Installation(ctx, inst.ID))
		start := env.Clock.Now()
		if got.Status != domain.StatusWorking || !got.CollectionStart.Equal(start) || !got.CollectionEnd.Equal(start.AddDate(0, 12, 0)) {
			t.Fatalf("after installation: %+v", got)
		}
		if _, err := env.Study().CloseTicket(installer(), first.ID); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("closing twice: err = %v, want conflict", err)
		}
		if _, err := env.Study().AddMessage(installer(), first.ID, "late"); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("writing on a closed ticket: err = %v, want conflict", err)
		}

		maint := must[domain.Ticket](t)(env.Study().OpenTicket(installer(), inst.ID, domain.CategoryMaintenance, "Kitchen motion sensor silent"))
		if status() != domain.StatusMaintenance {
			t.Errorf("status = %s, want maintenance", status())
		}
		if _, err := env.Study().OpenTicket(installer(), inst.ID, domain.CategoryMaintenance, "again"); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("second open maintenance ticket: err = %v, want conflict", err)
		}
		msg := must[domain.Message](t)(env.Study().AddMessage(installer(), maint.ID, "Battery replaced"))
		if msg.Sender != "iit-gennaro" || msg.Body != "Battery replaced" {
			t.Errorf("message = %+v", msg)
		}
		must[domain.Ticket](t)(env.Study().CloseTicket(installer(), maint.ID))
		if status() != domain.StatusWorking {
			t.Errorf("status = %s, want working", status())
		}

		un := must[domain.Ticket](t)(env.Study().OpenTicket(installer(), inst.ID, domain.CategoryUninstallation, "End of study"))
		if status() != domain.StatusUninstalling {
			t.Errorf("status = %s, want uninstalling", status())
		}
		env.Clock.Advance(48 * time.Hour)
		must[domain.Ticket](t)(env.Study().CloseTicket(installer(), un.ID))
		got = must[domain.Installation](t)(env.DB.Installation(ctx, inst.ID))
		if got.Status != domain.StatusInactive || !got.CollectionEnd.Equal(env.Clock.Now()) || !got.CollectionStart.Equal(start) {
			t.Errorf("after uninstallation: %+v", got)
		}
	})
}

func TestPatientEditsAndContacts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := doctor()
		p := must[domain.Patient](t)(env.Study().Enrol(ctx, mario()))
		id := p.Identity
		id.MedicalNotes = "Follow-up in May."
		p = must[domain.Patient](t)(env.Study().UpdateIdentity(ctx, p.ID, id))
		if p.Identity.MedicalNotes != "Follow-up in May." {
			t.Errorf("notes = %q", p.Identity.MedicalNotes)
		}
		p = must[domain.Patient](t)(env.Study().UpdateAddress(installer(), p.ID, " Via Verdi 3, Milano "))
		if p.Identity.Address != "Via Verdi 3, Milano" || p.Identity.MedicalNotes != "Follow-up in May." {
			t.Errorf("address update touched other fields: %+v", p.Identity)
		}
		c := must[domain.Contact](t)(env.Study().AddContact(ctx, p.ID, domain.Contact{Alias: "neighbour", Phone: "02 1234567"}))
		c.Phone = "02 7654321"
		must[domain.Contact](t)(env.Study().UpdateContact(ctx, p.ID, c))
		if err := env.DB.DeleteContact(ctx, p.ID, p.Contacts[0].ID); err != nil {
			t.Fatal(err)
		}
		p = must[domain.Patient](t)(env.DB.Patient(ctx, p.ID))
		if len(p.Contacts) != 1 || p.Contacts[0].Phone != "02 7654321" {
			t.Errorf("contacts = %+v", p.Contacts)
		}
		if err := env.DB.DeleteContact(ctx, p.ID, 9999); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("deleting a missing contact: err = %v", err)
		}
		if _, err := env.DB.Patient(ctx, 9999); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("missing patient: err = %v", err)
		}
	})
}

func TestHomeContextAndDocuments(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := installer()
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), mario()))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(ctx, p.ID))
		hc := domain.HomeContext{ApartmentType: "flat, 3rd floor", Pets: "a cat", HabitNotes: "naps after lunch"}
		inst = must[domain.Installation](t)(env.Study().UpdateHomeContext(ctx, inst.ID, hc, nil))
		if inst.Context != hc {
			t.Errorf("context = %+v", inst.Context)
		}
		pdf := []byte("%PDF-1.4\n% consent form\n")
		d := must[domain.Document](t)(env.Study().AddDocument(ctx, inst.ID, domain.DocumentOther, `C:\scans\consenso "Rossi".pdf`, pdf))
		if d.Name != "consenso Rossi.pdf" || d.ContentType != "application/pdf" || d.Size != int64(len(pdf)) || d.UploadedBy != "iit-gennaro" {
			t.Errorf("document = %+v", d)
		}
		docs := must[[]domain.Document](t)(env.DB.Documents(ctx, inst.ID))
		if len(docs) != 1 || docs[0].Name != d.Name {
			t.Errorf("documents = %+v", docs)
		}
		meta, content, err := env.DB.DocumentContent(ctx, d.ID)
		if err != nil || string(content) != string(pdf) || meta.ID != d.ID {
			t.Fatalf("content = %q, %v", content, err)
		}
		if err := env.DB.DeleteDocument(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := env.DB.DocumentContent(ctx, d.ID); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("deleted document: err = %v", err)
		}
		if _, err := env.Study().AddDocument(ctx, 9999, domain.DocumentOther, "x.txt", []byte("x")); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("document on a missing installation: err = %v", err)
		}
	})
}

func TestAccounts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		a := must[domain.Account](t)(env.Accounts().CreateAccount(ctx, domain.Account{Username: "admin-anna", Roles: []domain.Role{domain.RoleAdmin}, PasswordHash: "$argon2id$x"}))
		if _, err := env.Accounts().CreateAccount(ctx, a); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("duplicate account: err = %v", err)
		}
		got := must[domain.Account](t)(env.DB.Account(ctx, "admin-anna"))
		if got.Roles[0] != domain.RoleAdmin || got.DisabledAt != nil {
			t.Errorf("account = %+v", got)
		}
		if err := env.DB.DisableAccount(ctx, "admin-anna"); err != nil {
			t.Fatal(err)
		}
		if got := must[domain.Account](t)(env.DB.Account(ctx, "admin-anna")); got.DisabledAt == nil {
			t.Error("account not disabled")
		}
		if err := env.DB.DisableAccount(ctx, "nobody"); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("disabling a missing account: err = %v", err)
		}
	})
}
