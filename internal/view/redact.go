package api

import (
	"context"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/redact"
)

// viewerOf is the caller's viewer for one patient's resources: it knows
// the patient's nickname, which must avoid the patient's own names, and
// for roles that may not see identity it cleans free text (ticket
// messages, document names, home notes). Staff write what they see —
// "called Mrs Rossi's daughter" — so the patient's names, codice
// fiscale, address and contacts are replaced by the nickname
// (internal/redact). It is a safety net, not a licence: free text should
// not name patients in the first place.
func (a *API) viewerOf(ctx context.Context, patientID int64) (viewer, error) {
	notePatient(ctx, patientID) // the response is about this patient
	v := a.viewer(ctx)
	if v.doctor {
		return v, nil // sees names, has no nicknames
	}
	patient, err := a.deps.Study.Patient(ctx, patientID)
	if err != nil {
		return v, err
	}
	v.know([]domain.Patient{patient}, !a.seesIdentity(ctx))
	return v, nil
}

// viewerOfAll is viewerOf for lists that span every patient.
func (a *API) viewerOfAll(ctx context.Context) (viewer, error) {
	v := a.viewer(ctx)
	if v.doctor {
		return v, nil
	}
	patients, err := a.deps.Study.Patients(ctx)
	if err != nil {
		return v, err
	}
	v.know(patients, !a.seesIdentity(ctx))
	return v, nil
}

// know records the patients' nicknames and, when redact is set, their
// redactors.
func (v *viewer) know(patients []domain.Patient, redact bool) {
	v.nicknames = make(map[int64]string, len(patients))
	if redact {
		v.redact = make(map[int64]func(string) string, len(patients))
	}
	for _, p := range patients {
		n := v.nicknameOf(p)
		v.nicknames[p.ID] = n
		if redact {
			v.redact[p.ID] = newRedactor(p, n)
		}
	}
}

// seesIdentity reports whether the caller may read patients' names.
func (a *API) seesIdentity(ctx context.Context) bool {
	p, _ := domain.PrincipalFrom(ctx)
	return access.Allows(p.Roles, access.ContactSheetRead)
}

// newRedactor replaces the patient's identifying strings by the
// nickname, matching them however they are written (internal/redact).
func newRedactor(p domain.Patient, nickname string) func(string) string {
	if nickname == "" {
		nickname = "the patient"
	}
	return redact.New(p, nickname).Redact
}
