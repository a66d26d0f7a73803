// Package demo holds the demo accounts and seeds an empty study with
// fictitious but realistic patients, installations, tickets and
// documents, so that every screen of the platform has something to show.
// Seeding is deterministic: the same study comes out every time.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
)

// Account is a demo login.
type Account struct {
	Username, Password string
	Roles              []domain.Role
}

// Principal is the account acting on the study.
func (a Account) Principal() domain.Principal {
	return domain.Principal{Subject: a.Username, Username: a.Username, Roles: slices.Clone(a.Roles)}
}

// Usernames of the demo accounts that act in the seeded data.
const (
	Doctor     = "dottore-alice"
	Installer  = "iit-gennaro"
	Monitoring = "imt-vincenzo"
	Researcher = "ricercatore-stefano"
	Admin      = "admin-anna"
)

// Accounts are the demo accounts, one per role.
var Accounts = []Account{
	{Username: Doctor, Password: "alice", Roles: []domain.Role{domain.RoleDoctor}},
	{Username: Installer, Password: "gennaro", Roles: []domain.Role{domain.RoleInstaller}},
	{Username: Monitoring, Password: "vincenzo", Roles: []domain.Role{domain.RoleMonitoring}},
	{Username: Researcher, Password: "stefano", Roles: []domain.Role{domain.RoleResearcher}},
	{Username: Admin, Password: "anna", Roles: []domain.Role{domain.RoleAdmin}},
}

// AccountNamed returns the demo account with that username.
func AccountNamed(username string) (Account, bool) {
	i := slices.IndexFunc(Accounts, func(a Account) bool { return a.Username == username })
	if i < 0 {
		return Account{}, false
	}
	return Accounts[i], true
}

// Result is what Seed created.
type Result struct {
	PatientIDs      []int64
	InstallationIDs []int64
	TicketIDs       []int64
	DocumentIDs     []int64
	// Sensitive lists every identifying or medical string written to the
	// study (names, codici fiscali, addresses, contacts, notes, home
	// contexts, document names, message bodies), each at least
	// MinSensitiveLen bytes long, so that tests can search raw bytes for
	// plaintext leaks.
	Sensitive []string
}

// MinSensitiveLen is the shortest string listed in Result.Sensitive.
const MinSensitiveLen = 6

// seed makes the demo the same on every run.
const seed1, seed2 = 20260302, 1935

// Seed fills an empty study with the demo patients, acting as the demo
// users as the access matrix allows: the doctor enrols, installers and
// the monitoring team open tickets and write on them, installers close
// tickets, describe homes and upload documents. clock dates the
// enrolments (nil means time.Now); tickets and documents are dated by the
// study itself. Seed does not create accounts: see Accounts.
func Seed(ctx context.Context, study domain.Study, clock func() time.Time) (Result, error) {
	if clock == nil {
		clock = time.Now
	}
	s := &seeder{ctx: ctx, study: study, now: clock(), rng: rand.New(rand.NewPCG(seed1, seed2))}
	if err := s.ensureEmpty(); err != nil {
		return Result{}, err
	}
	for i, p := range patients() {
		if err := s.patient(p); err != nil {
			return Result{}, fmt.Errorf("demo patient %d: %w", i+1, err)
		}
	}
	return s.res, nil
}

type seeder struct {
	ctx   context.Context
	study domain.Study
	now   time.Time
	rng   *rand.Rand
	res   Result
}

// as returns the context of a demo user.
func (s *seeder) as(username string) context.Context {
	a, ok := AccountNamed(username)
	if !ok {
		panic("demo: unknown account " + username)
	}
	return domain.WithPrincipal(s.ctx, a.Principal())
}

func (s *seeder) ensureEmpty() error {
	ps, err := s.study.Patients(s.as(Doctor))
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return domain.Conflict("the study already has patients: demo data goes only into an empty study")
	}
	return nil
}

// patient enrols one patient and plays its installation's history.
func (s *seeder) patient(spec patientSpec) error {
	in, err := s.newPatient(spec)
	if err != nil {
		return err
	}
	p, err := s.study.Enrol(s.as(Doctor), in)
	if err != nil {
		return err
	}
	inst, err := s.study.InstallationOfPatient(s.as(Doctor), p.ID)
	if err != nil {
		return err
	}
	s.res.PatientIDs = append(s.res.PatientIDs, p.ID)
	s.res.InstallationIDs = append(s.res.InstallationIDs, inst.ID)
	s.remember(sensitiveOf(in)...)
	if err := s.homeContext(inst.ID, spec.home); err != nil {
		return err
	}
	if err := s.tickets(inst.ID, spec.tickets); err != nil {
		return err
	}
	if err := s.backdate(inst.ID, in.DateJoin); err != nil {
		return err
	}
	return s.documents(inst.ID, spec)
}

// backdate moves an installed home's data collection back to a few days
// after the enrolment, as the monitoring team corrects the dates of a kit
// installed before its ticket was closed: the tickets are played today,
// but the demo's homes have been collecting for weeks (and get sensor
// data for them). A running collection keeps its 12 months.
func (s *seeder) backdate(instID int64, joined time.Time) error {
	inst, err := s.study.Installation(s.as(Monitoring), instID)
	if err != nil || inst.CollectionStart == nil {
		return err
	}
	start := joined.Add(time.Duration(3*24+s.rng.IntN(7*24)) * time.Hour)
	end := inst.CollectionEnd
	if end.Equal(inst.CollectionStart.AddDate(0, domain.CollectionMonths, 0)) { // still running
		e := start.AddDate(0, domain.CollectionMonths, 0)
		end = &e
	} else if earliest := end.AddDate(0, -domain.CollectionMonths, 0); start.Before(earliest) {
		start = earliest // an ended collection lasted at most its months
	}
	if !start.Before(*inst.CollectionStart) {
		return nil // enrolled in the last days: installed today
	}
	reason := fmt.Sprintf("Kit installed on %s; the visit's ticket was closed later.", start.Format(time.DateOnly))
	_, err = s.study.CorrectCollection(s.as(Monitoring), instID, &start, end, reason, nil)
	return err
}

// newPatient builds the enrolment input, with a codice fiscale computed
// from the patient's data and checked by decoding it back.
func (s *seeder) newPatient(spec patientSpec) (domain.NewPatient, error) {
	cf, err := codiceFiscale(spec)
	if err != nil {
		return domain.NewPatient{}, err
	}
	days := 3 + s.rng.IntN(25)
	if installed(spec) {
		days += 60 + s.rng.IntN(240)
	}
	return domain.NewPatient{
		Identity: domain.Identity{
			FirstName: spec.first, LastName: spec.last, CodiceFiscale: cf, Address: spec.address,
			MedicalNotes: spec.notes, Diagnosis: spec.diagnosis, DiagnosisClass: spec.class,
		},
		DateJoin: s.now.AddDate(0, 0, -days),
		Contacts: slices.Clone(spec.contacts),
	}, nil
}

func codiceFiscale(spec patientSpec) (string, error) {
	cf, err := codicefiscale.Build(spec.last, spec.first, spec.sex, spec.born, spec.place)
	if err != nil {
		return "", err
	}
	info, err := codicefiscale.Parse(cf)
	if err != nil {
		return "", err
	}
	if info.Sex != spec.sex || !info.BirthDate.Equal(spec.born) || info.Place.Code != spec.place {
		return "", fmt.Errorf("codice fiscale does not decode back to the patient's data")
	}
	return cf, nil
}

// installed reports whether the patient's installation ticket gets closed.
func installed(spec patientSpec) bool {
	return len(spec.tickets) > 0 && spec.tickets[0].closedBy != ""
}

func (s *seeder) homeContext(instID int64, hc *domain.HomeContext) error {
	if hc == nil {
		return nil
	}
	if _, err := s.study.UpdateHomeContext(s.as(Installer), instID, *hc, nil); err != nil {
		return err
	}
	s.remember(hc.ApartmentType, hc.InternetType, hc.Flatmates, hc.Pets, hc.Visitors,
		hc.SmartphoneModel, hc.Appliances, hc.IssueNotes, hc.HabitNotes, hc.OtherNotes)
	return nil
}

// tickets plays the ticket history. The installation ticket, opened at
// enrolment, must come first.
func (s *seeder) tickets(instID int64, specs []ticketSpec) error {
	if len(specs) == 0 || specs[0].category != domain.CategoryInstallation {
		return fmt.Errorf("the history must start with the installation ticket")
	}
	existing, err := s.study.Tickets(s.as(Installer), instID)
	if err != nil {
		return err
	}
	if len(existing) != 1 {
		return fmt.Errorf("enrolment opened %d tickets, want 1", len(existing))
	}
	if err := s.playTicket(existing[0].ID, specs[0].thread, specs[0].closedBy); err != nil {
		return err
	}
	for _, t := range specs[1:] {
		if err := s.openTicket(instID, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) openTicket(instID int64, t ticketSpec) error {
	if len(t.thread) == 0 {
		return fmt.Errorf("a %s ticket needs an opening message", t.category)
	}
	first := t.thread[0]
	tk, err := s.study.OpenTicket(s.as(first.by), instID, t.category, first.body)
	if err != nil {
		return err
	}
	s.remember(first.body)
	return s.playTicket(tk.ID, t.thread[1:], t.closedBy)
}

// playTicket adds the thread to an open ticket, then closes it if asked.
func (s *seeder) playTicket(id int64, thread []message, closedBy string) error {
	s.res.TicketIDs = append(s.res.TicketIDs, id)
	for _, m := range thread {
		if _, err := s.study.AddMessage(s.as(m.by), id, m.body); err != nil {
			return err
		}
		s.remember(m.body)
	}
	if closedBy == "" {
		return nil
	}
	_, err := s.study.CloseTicket(s.as(closedBy), id)
	return err
}

func (s *seeder) documents(instID int64, spec patientSpec) error {
	for _, d := range spec.docs {
		content, err := d.kind.render(s.rng, d)
		if err != nil {
			return err
		}
		doc, err := s.study.AddDocument(s.as(Installer), instID, d.kind.docType(), d.name, content)
		if err != nil {
			return err
		}
		s.res.DocumentIDs = append(s.res.DocumentIDs, doc.ID)
		s.remember(d.name)
	}
	return nil
}

// sensitiveOf lists the identifying and medical strings of an enrolment.
func sensitiveOf(in domain.NewPatient) []string {
	id := in.Identity
	out := []string{id.FirstName, id.LastName, id.CodiceFiscale, id.Address, id.MedicalNotes, id.Diagnosis}
	for _, c := range in.Contacts {
		out = append(out, c.Alias, c.Phone, c.Email)
	}
	return out
}

// remember adds strings to the sensitive list, skipping empty ones and
// duplicates. Strings too short to search for are a bug in the data.
func (s *seeder) remember(values ...string) {
	for _, v := range values {
		if v == "" || slices.Contains(s.res.Sensitive, v) {
			continue
		}
		if len(v) < MinSensitiveLen {
			panic(fmt.Sprintf("demo: sensitive value of %d bytes is too short to search for", len(v)))
		}
		s.res.Sensitive = append(s.res.Sensitive, v)
	}
}
