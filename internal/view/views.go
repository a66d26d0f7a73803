package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
)

// The views below are what each role may see of a resource (SPEC §2).
// Their names say who gets them; the OpenAPI document lists their fields
// (the struct tags are read by the API's schema generator).

// PatientRecord is a patient's identity and medical record: dottore only.
type PatientRecord struct {
	ID             string                    `json:"id" doc:"Internal patient id (doctors only)."`
	FirstName      string                    `json:"first_name"`
	LastName       string                    `json:"last_name"`
	CodiceFiscale  string                    `json:"codice_fiscale"`
	Sex            string                    `json:"sex,omitempty" enum:"M,F" doc:"Derived from the codice fiscale."`
	BirthDate      string                    `json:"birth_date,omitempty" format:"date" doc:"Derived from the codice fiscale."`
	BirthPlace     *BirthPlace               `json:"birth_place,omitempty" doc:"Derived from the codice fiscale."`
	Age            int                       `json:"age,omitempty" doc:"Derived from the codice fiscale."`
	AgeClass       string                    `json:"age_class,omitempty" enum:"<75,75-85,85+"`
	Address        string                    `json:"address"`
	MedicalNotes   string                    `json:"medical_notes"`
	Diagnosis      string                    `json:"diagnosis"`
	DiagnosisClass domain.DiagnosisClass     `json:"diagnosis_class"`
	DateJoin       string                    `json:"date_join" format:"date" doc:"Enrolment date."`
	Contacts       []ContactView             `json:"contacts"`
	Installation   string                    `json:"installation,omitempty" doc:"Id of the installation in the patient's home."`
	Status         domain.InstallationStatus `json:"status,omitempty" doc:"Derived status of the installation."`
	WithdrawnAt    *time.Time                `json:"withdrawn_at,omitempty" doc:"Set once the patient withdrew: codice fiscale and medical data are erased; names, address and contacts stay until the kit is back."`
}

// BirthPlace is a municipality with its province, or a foreign country.
type BirthPlace struct {
	Code     string `json:"code" doc:"Belfiore code."`
	Name     string `json:"name"`
	Province string `json:"province,omitempty"`
	Foreign  bool   `json:"foreign"`
}

// PatientSummary is a row of the doctors' patient list.
type PatientSummary struct {
	ID             string                    `json:"id"`
	FirstName      string                    `json:"first_name"`
	LastName       string                    `json:"last_name"`
	Diagnosis      string                    `json:"diagnosis"`
	DiagnosisClass domain.DiagnosisClass     `json:"diagnosis_class"`
	Status         domain.InstallationStatus `json:"status"`
	DateJoin       string                    `json:"date_join" format:"date"`
	Withdrawn      bool                      `json:"withdrawn"`
}

// ContactView is a way to reach a patient's home.
type ContactView struct {
	ID    string `json:"id"`
	Alias string `json:"alias"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// ContactSheet is what installers see of a home: dottore and iit.
type ContactSheet struct {
	Installation string        `json:"installation"`
	Nickname     string        `json:"nickname,omitempty" doc:"Friendly name derived from the caller's pseudonym (non-doctors)."`
	FirstName    string        `json:"first_name"`
	LastName     string        `json:"last_name"`
	Address      string        `json:"address"`
	Contacts     []ContactView `json:"contacts"`
}

// Screening is the pseudonymised screening data: dottore and unimi.
type Screening struct {
	Patient        string                `json:"patient" doc:"Patient id (doctors) or the caller's pseudonym of the patient."`
	Nickname       string                `json:"nickname,omitempty"`
	DiagnosisClass domain.DiagnosisClass `json:"diagnosis_class"`
	AgeClass       string                `json:"age_class" enum:"<75,75-85,85+"`
}

// HomeContext describes the home as the installers found it.
type HomeContext struct {
	ApartmentType   string `json:"apartment_type"`
	InternetType    string `json:"internet_type"`
	Flatmates       string `json:"flatmates"`
	Pets            string `json:"pets"`
	Visitors        string `json:"visitors"`
	SmartphoneModel string `json:"smartphone_model"`
	Appliances      string `json:"appliances"`
	IssueNotes      string `json:"issue_notes"`
	HabitNotes      string `json:"habit_notes"`
	OtherNotes      string `json:"other_notes"`
}

// InstallationView is an installation: every role but admin.
type InstallationView struct {
	ID              string                    `json:"id"`
	Patient         string                    `json:"patient" doc:"Patient id (doctors) or the caller's pseudonym of the patient."`
	Nickname        string                    `json:"nickname,omitempty"`
	Status          domain.InstallationStatus `json:"status"`
	CollectionStart *time.Time                `json:"collection_start,omitempty" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
	CollectionEnd   *time.Time                `json:"collection_end,omitempty" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
	Context         HomeContext               `json:"context"`
	ContextRedacted []string                  `json:"context_redacted,omitempty" doc:"For roles without identity: the context fields, of those not empty, shown redacted (written by a role that sees identity), whose placeholders ([contact], [phone], …) are the API's. Fields not listed are shown as written. Absent for roles that see identity."`
	CreatedAt       time.Time                 `json:"created_at" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
	UpdatedAt       time.Time                 `json:"updated_at" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
	DateJoin        string                    `json:"date_join,omitempty" format:"date" doc:"The patient's enrolment date; to the day for installers and monitoring, to the year (January 1st) for researchers."`
	LastActivity    *time.Time                `json:"last_activity,omitempty" doc:"The newest of the installation's newest ticket message and newest stored reading; exact for doctors, to the hour for installers and monitoring, to the year for researchers. Absent when nothing happened yet."`

	LastSeen *time.Time           `json:"last_seen,omitempty" doc:"Time of the latest sensor reading (installers: to the hour; see Device health in the API docs)."`
	Health   domain.HealthSummary `json:"health,omitempty" enum:"ok,silent,no_data,not_collecting" doc:"Device health in one word (see Device health in the API docs)."`
}

// TicketView is a ticket with its thread: dottore, iit, imt.
type TicketView struct {
	ID           string                `json:"id"`
	Installation string                `json:"installation"`
	Category     domain.TicketCategory `json:"category" enum:"installation,maintenance,uninstallation"`
	Open         bool                  `json:"open"`
	OpenedBy     string                `json:"opened_by"`
	OpenedAt     time.Time             `json:"opened_at" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
	ClosedBy     string                `json:"closed_by,omitempty"`
	ClosedAt     *time.Time            `json:"closed_at,omitempty" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
	Messages     []MessageView         `json:"messages"`
}

// MessageView is one message of a ticket's thread.
type MessageView struct {
	Sender    string    `json:"sender"`
	Body      string    `json:"body"`
	Redacted  bool      `json:"redacted,omitempty" doc:"Set for roles without identity when the body is shown redacted (written by a role that sees identity or by Serenade): its placeholders ([contact], [phone], …) are the API's. Absent when the body is shown as written."`
	CreatedAt time.Time `json:"created_at" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
}

// DocumentView is a document's metadata.
type DocumentView struct {
	ID           string    `json:"id"`
	Installation string    `json:"installation"`
	Name         string    `json:"name"`
	ContentType  string    `json:"content_type" doc:"Sniffed from the content."`
	Type         string    `json:"type" enum:"map,signed-form,photo,other" doc:"What the document is, chosen at upload (other when none was given)."`
	Size         int64     `json:"size"`
	UploadedBy   string    `json:"uploaded_by"`
	CreatedAt    time.Time `json:"created_at" doc:"Exact for doctors; for other roles cut to their precision (see Timestamps and order in the API docs)."`
}

// DateLayout is how dates (not instants) are written.
const DateLayout = "2006-01-02"

func (v Viewer) Contacts(cs []domain.Contact) []ContactView {
	out := make([]ContactView, len(cs))
	for i, c := range cs {
		out[i] = ContactView{ID: v.Ref(resource.Contact, c.ID), Alias: c.Alias, Phone: c.Phone, Email: c.Email}
	}
	return out
}

func (v Viewer) Installation(i domain.Installation) InstallationView {
	out := InstallationView{
		ID: v.Ref(resource.Installation, i.ID), Patient: v.Ref(resource.Patient, i.PatientID), Nickname: v.knownNickname(i.PatientID),
		Status: i.Status, CollectionStart: v.AtPtr(access.CollectionTimes, i.CollectionStart), CollectionEnd: v.AtPtr(access.CollectionTimes, i.CollectionEnd),
		CreatedAt: v.At(access.RecordTimes, i.CreatedAt), UpdatedAt: v.At(access.RecordTimes, i.UpdatedAt),
	}
	out.Context, out.ContextRedacted = v.homeContext(i)
	return out
}

// homeContext is free text about a home: redacted like messages, each
// field by who last wrote it; redacted names the fields, of those not
// empty, shown redacted.
func (v Viewer) homeContext(i domain.Installation) (ctx HomeContext, redacted []string) {
	stored := domain.AuthoredContext{HomeContext: i.Context, WrittenBlind: i.WrittenBlind}
	ctx = HomeContext(stored.Map(func(field, s string) string {
		blind := stored.IsBlind(field)
		if s != "" && v.redacts(blind) {
			redacted = append(redacted, field)
		}
		return v.authored(i.PatientID, s, blind)
	}))
	return ctx, redacted
}

func (v Viewer) Ticket(t domain.Ticket) TicketView {
	out := TicketView{
		ID: v.Ref(resource.Ticket, t.ID), Installation: v.Ref(resource.Installation, t.InstallationID),
		Category: t.Category, Open: t.Open(), OpenedBy: t.OpenedBy, OpenedAt: v.At(access.TicketTimes, t.OpenedAt), ClosedBy: t.ClosedBy,
		ClosedAt: v.AtPtr(access.TicketTimes, t.ClosedAt), Messages: make([]MessageView, len(t.Messages)),
	}
	for i, m := range t.Messages {
		out.Messages[i] = v.Message(t.PatientID, m)
	}
	return out
}

// message is one message of a patient's ticket thread.
func (v Viewer) Message(patientID int64, m domain.Message) MessageView {
	return MessageView{Sender: m.Sender, Body: v.authored(patientID, m.Body, m.WrittenBlind), Redacted: v.redacts(m.WrittenBlind),
		CreatedAt: v.At(access.TicketTimes, m.CreatedAt)}
}

func (v Viewer) Document(d domain.Document) DocumentView {
	return DocumentView{
		ID: v.Ref(resource.Document, d.ID), Installation: v.Ref(resource.Installation, d.InstallationID),
		Name: v.Text(d.PatientID, d.Name), ContentType: d.ContentType, Type: string(d.Type), Size: d.Size, UploadedBy: d.UploadedBy, CreatedAt: v.At(access.DocumentTimes, d.CreatedAt),
	}
}

// record is the doctor's view of a patient.
func (v Viewer) Record(p domain.Patient, inst domain.Installation, now time.Time) PatientRecord {
	id := p.Identity
	r := PatientRecord{
		ID: v.Ref(resource.Patient, p.ID), FirstName: id.FirstName, LastName: id.LastName, CodiceFiscale: id.CodiceFiscale,
		Address: id.Address, MedicalNotes: id.MedicalNotes, Diagnosis: id.Diagnosis, DiagnosisClass: id.DiagnosisClass,
		DateJoin: p.DateJoin.Format(DateLayout), Contacts: v.Contacts(p.Contacts), WithdrawnAt: p.WithdrawnAt,
	}
	if inst.ID != 0 {
		r.Installation, r.Status = v.Ref(resource.Installation, inst.ID), inst.Status
	}
	if d, err := id.Derive(now); err == nil {
		r.Sex, r.BirthDate, r.Age, r.AgeClass = d.Sex, d.BirthDate.Format(DateLayout), d.Age, d.AgeClass
		r.BirthPlace = &BirthPlace{Code: d.BirthPlace.Code, Name: d.BirthPlace.Name, Province: d.BirthPlace.Province, Foreign: d.BirthPlace.Foreign}
	}
	return r
}

// Summary is a row of the doctors' patient list; status is the derived
// status of the patient's installation.
func (v Viewer) Summary(p domain.Patient, status domain.InstallationStatus) PatientSummary {
	return PatientSummary{
		ID: v.Ref(resource.Patient, p.ID), FirstName: p.Identity.FirstName, LastName: p.Identity.LastName,
		Diagnosis: p.Identity.Diagnosis, DiagnosisClass: p.Identity.DiagnosisClass, Status: status,
		DateJoin: p.DateJoin.Format(DateLayout), Withdrawn: p.Withdrawn(),
	}
}

// ContactSheet is the contact sheet of the home of installation inst,
// whose patient is p.
func (v Viewer) ContactSheet(inst domain.Installation, p domain.Patient) ContactSheet {
	return ContactSheet{
		Installation: v.Ref(resource.Installation, inst.ID), Nickname: v.NicknameOf(p),
		FirstName: p.Identity.FirstName, LastName: p.Identity.LastName, Address: p.Identity.Address, Contacts: v.Contacts(p.Contacts),
	}
}

// Screening is a patient's screening data; the age class is taken at now.
func (v Viewer) Screening(p domain.Patient, now time.Time) Screening {
	s := Screening{Patient: v.Ref(resource.Patient, p.ID), Nickname: v.NicknameOf(p), DiagnosisClass: p.Identity.DiagnosisClass}
	if d, err := p.Identity.Derive(now); err == nil {
		s.AgeClass = d.AgeClass
	}
	return s
}
