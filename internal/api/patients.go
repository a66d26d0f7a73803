package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/view"
)

// IdentityInput is the identity and medical record a doctor types.
type IdentityInput struct {
	FirstName      string                `json:"first_name"`
	LastName       string                `json:"last_name"`
	CodiceFiscale  string                `json:"codice_fiscale" doc:"Italian tax code; sex, birth date and place are derived from it."`
	Address        string                `json:"address"`
	MedicalNotes   string                `json:"medical_notes,omitempty"`
	Diagnosis      string                `json:"diagnosis,omitempty" doc:"Free-text neurological diagnosis."`
	DiagnosisClass domain.DiagnosisClass `json:"diagnosis_class,omitempty" enum:"mci,alzheimer,parkinson,lewy-body,vascular,ftd,other,unspecified"`
	BirthYear      int                   `json:"birth_year,omitempty" doc:"The doctor's confirmation of the birth year, needed only where the codice fiscale's two-digit year leaves two plausible centuries for an adult (the 422 names them); otherwise it must be the year the code gives. On a replacement, omit it to keep the year confirmed before while the codice fiscale is unchanged."`
}

func (in IdentityInput) domain() domain.Identity {
	return domain.Identity{FirstName: in.FirstName, LastName: in.LastName, CodiceFiscale: in.CodiceFiscale, Address: in.Address,
		MedicalNotes: in.MedicalNotes, Diagnosis: in.Diagnosis, DiagnosisClass: in.DiagnosisClass, BirthYear: in.BirthYear}
}

// ContactInput is a contact to add or replace.
type ContactInput struct {
	Alias string `json:"alias"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

func (c ContactInput) domain() domain.Contact {
	return domain.Contact{Alias: c.Alias, Phone: c.Phone, Email: c.Email}
}

type enrolInput struct {
	Body struct {
		IdentityInput
		DateJoin string         `json:"date_join,omitempty" format:"date" doc:"Enrolment date, from 2000-01-01 to tomorrow (UTC); today when omitted."`
		Contacts []ContactInput `json:"contacts,omitempty"`
		// HomeContext is what the doctor learnt about the home at
		// enrolment; the installers complete it at the visit.
		HomeContext *homeContextInput `json:"home_context,omitempty" doc:"The home context known at enrolment; installers complete it at the visit."`
	}
}

// homeContextInput is the home context of an enrolment: the fields of
// view.HomeContext, each optional.
type homeContextInput struct {
	ApartmentType   string `json:"apartment_type,omitempty"`
	InternetType    string `json:"internet_type,omitempty"`
	Flatmates       string `json:"flatmates,omitempty"`
	Pets            string `json:"pets,omitempty"`
	Visitors        string `json:"visitors,omitempty"`
	SmartphoneModel string `json:"smartphone_model,omitempty"`
	Appliances      string `json:"appliances,omitempty"`
	IssueNotes      string `json:"issue_notes,omitempty"`
	HabitNotes      string `json:"habit_notes,omitempty"`
	OtherNotes      string `json:"other_notes,omitempty"`
}

// PatientRef is the {patient} path parameter. The ref types are exported
// because huma ignores embedded structs of unexported types: embedded in
// an input with a body, an unexported ref would never be filled in.
type PatientRef struct {
	Patient string `path:"patient" doc:"Patient id (doctors) or the caller's pseudonym of the patient."`
	id      int64  // resolved before the handler runs (refs.go)
}

type dateJoinInput struct {
	PatientRef
	Body struct {
		DateJoin string `json:"date_join" format:"date" doc:"The corrected enrolment date, from 2000-01-01 to tomorrow (UTC), not after the first day of data collection."`
	}
}

type updatePatientInput struct {
	PatientRef
	Body IdentityInput
}

type recordOutput struct{ Body view.PatientRecord }

type patientListOutput struct {
	listed
	Body struct {
		Patients []view.PatientSummary `json:"patients"`
		Next     string                `json:"next,omitempty" doc:"Pass as cursor= for the next page; absent on the last page."`
	}
}

func (a *API) registerPatients() {
	tags := []string{"patients"}
	register(a, access.PatientList, huma.Operation{OperationID: "list-patients", Method: http.MethodGet, Path: "/patients", Tags: tags,
		Summary: "List patients with identity, paged, sorted, filtered and searched", Errors: []int{http.StatusUnprocessableEntity},
		Description: "Keyset pages (limit, cursor). Sorted by id (enrolment order) unless sort says otherwise; last_name sorts at most " +
			"2,000 matching patients (narrow with q, status or diagnosis_class first). q finds a codice fiscale exactly, or patients " +
			"whose first or last name has every word typed (case, accents and apostrophes do not matter), or a whole name typed without its spaces.",
		Metadata: map[string]any{metaResource: resource.Patient.Collection()}}, a.listPatients)
	register(a, access.PatientCreate, huma.Operation{OperationID: "enrol-patient", Method: http.MethodPost, Path: "/patients", Tags: tags,
		Metadata: map[string]any{metaResource: resource.Patient.Collection(), metaLocation: "/patients/{id}"},
		Summary:  "Enrol a patient", DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity},
		Description: "Creates the patient, the installation in their home and the installation ticket. An invalid codice fiscale is a 422 saying what is wrong; " +
			"so is a first or last name that does not give the code's letters (the error names the field, never the value), " +
			"and a code whose two-digit year leaves two plausible centuries without birth_year (the error names the years). A duplicate is a 409."},
		a.enrolPatient)
	register(a, access.PatientRead, huma.Operation{OperationID: "get-patient", Method: http.MethodGet, Path: "/patients/{patient}", Tags: tags,
		Summary: "Read a patient's identity and medical record", Errors: []int{http.StatusNotFound}}, a.getPatient)
	register(a, access.PatientUpdate, huma.Operation{OperationID: "update-patient", Method: http.MethodPut, Path: "/patients/{patient}", Tags: tags,
		Summary: "Replace a patient's identity and medical record", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}},
		a.updatePatient)
	register(a, access.PatientUpdate, huma.Operation{OperationID: "correct-date-join", Method: http.MethodPut, Path: "/patients/{patient}/date-join", Tags: tags,
		Summary: "Correct a patient's enrolment date", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Description: "The rule of an enrolment applies (2000-01-01 to tomorrow, UTC), and the date may not fall after the first day of " +
			"data collection once it started. A withdrawn patient's date is not corrected (409). Audited as an update of the patient."},
		a.correctDateJoin)
	register(a, access.PatientWithdraw, huma.Operation{OperationID: "withdraw-patient", Method: http.MethodDelete, Path: "/patients/{patient}", Tags: tags,
		Summary: "Withdraw a patient", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Stops data collection now (collection end = the withdrawal), closes open installation and maintenance tickets " +
			"with a system message and opens an uninstallation ticket so the kit comes home. The codice fiscale, medical data, " +
			"documents and household notes are erased at once; names, address, contacts, the practical home context and the " +
			"ticket threads stay for the retrieval visit and are shredded when the uninstallation ticket is closed (at once if " +
			"the kit is already home). Earlier backups open none of it (crypto-shredding and master key rotation)."},
		a.withdrawPatient)
}

func (a *API) enrolPatient(ctx context.Context, in *enrolInput) (*recordOutput, error) {
	np := domain.NewPatient{Identity: in.Body.IdentityInput.domain()}
	if in.Body.DateJoin != "" {
		d, err := time.Parse(view.DateLayout, in.Body.DateJoin)
		if err != nil {
			return nil, domain.Invalid("date_join", "must be a date (YYYY-MM-DD)")
		}
		np.DateJoin = d
	}
	for _, c := range in.Body.Contacts {
		np.Contacts = append(np.Contacts, c.domain())
	}
	if in.Body.HomeContext != nil {
		np.Context = domain.HomeContext(*in.Body.HomeContext)
	}
	p, err := a.deps.Study.Enrol(ctx, np)
	if err != nil {
		return nil, err
	}
	return a.recordOf(ctx, p)
}

func (a *API) recordOf(ctx context.Context, p domain.Patient) (*recordOutput, error) {
	inst, err := a.deps.Study.InstallationOfPatient(ctx, p.ID)
	if err != nil && domain.KindOf(err) != domain.KindNotFound {
		return nil, err
	}
	return &recordOutput{Body: a.viewer(ctx).Record(p, inst, a.deps.Now())}, nil
}

// getPatient reads the patient and the installation in one statement
// (the hot read path, see Study.PatientRecord).
func (a *API) getPatient(ctx context.Context, in *PatientRef) (*recordOutput, error) {
	p, inst, err := a.deps.Study.PatientRecord(ctx, in.id)
	if err != nil {
		return nil, err
	}
	return &recordOutput{Body: a.viewer(ctx).Record(p, inst, a.deps.Now())}, nil
}

func (a *API) updatePatient(ctx context.Context, in *updatePatientInput) (*recordOutput, error) {
	p, err := a.deps.Study.UpdateIdentity(ctx, in.id, in.Body.domain())
	if err != nil {
		return nil, err
	}
	return a.recordOf(ctx, p)
}

func (a *API) correctDateJoin(ctx context.Context, in *dateJoinInput) (*recordOutput, error) {
	d, err := time.Parse(view.DateLayout, in.Body.DateJoin)
	if err != nil {
		return nil, domain.Invalid("date_join", "must be a date (YYYY-MM-DD)")
	}
	p, err := a.deps.Study.CorrectDateJoin(ctx, in.id, d)
	if err != nil {
		return nil, err
	}
	return a.recordOf(ctx, p)
}

func (a *API) withdrawPatient(ctx context.Context, in *PatientRef) (*struct{}, error) {
	return nil, a.tookEffect(ctx, a.deps.Study.Withdraw(ctx, in.id))
}
