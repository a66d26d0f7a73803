package view

import (
	"context"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/redact"
)

// Of is the caller's viewer for one patient's resources: it knows the
// patient's nickname, which must avoid the patient's own names, and for
// roles that may not see identity it cleans free text (ticket messages,
// document names, home notes). Staff write what they see — "called Mrs
// Rossi's daughter" — so the patient's names are replaced by the
// nickname, and the codice fiscale, address, phones, e-mails and
// contacts' names by placeholders of their kind (internal/redact). It is
// a safety net, not a licence: free text should not name patients in the
// first place.
func (vs Viewers) Of(ctx context.Context, p domain.Principal, patientID int64) (Viewer, error) {
	v := vs.For(p)
	if v.ids {
		return v, nil // sees names, has no nicknames
	}
	patient, err := vs.Patients.Patient(ctx, patientID)
	if err != nil {
		return v, err
	}
	v.know([]domain.Patient{patient}, !access.SeesIdentity(p.Roles))
	return v, nil
}

// know records the patients' nicknames and, when redact is set, their
// redactors.
func (v *Viewer) know(patients []domain.Patient, redact bool) {
	v.nicknames = make(map[int64]string, len(patients))
	if redact {
		v.redact = make(map[int64]func(string) string, len(patients))
	}
	for _, p := range patients {
		n := v.NicknameOf(p)
		v.nicknames[p.ID] = n
		if redact {
			v.redact[p.ID] = newRedactor(p, n)
		}
	}
}

// newRedactor replaces the patient's names by the nickname and their
// other identifying strings by placeholders, matching them however they
// are written (internal/redact).
func newRedactor(p domain.Patient, nickname string) func(string) string {
	if nickname == "" {
		nickname = "the patient"
	}
	return redact.New(p, nickname).Redact
}

// Text passes free text about a patient through the viewer's redaction.
func (v Viewer) Text(patientID int64, s string) string {
	if v.redact == nil {
		return s
	}
	if r, ok := v.redact[patientID]; ok {
		return r(s)
	}
	return "" // unknown patient: show nothing rather than unredacted text
}

// Shown is the redaction the viewer is shown of a patient's text that
// was not written blind; nil when the viewer sees identity.
func (v Viewer) Shown(patientID int64) func(string) string {
	if v.redact == nil {
		return nil
	}
	return func(s string) string { return v.Text(patientID, s) }
}

// authored passes free text through the viewer's redaction unless it was
// written blind (by a role that does not see identity): such text is
// shown as written, so what a blind author reads back never depends on
// the patient's identity (domain.AuthoredContext).
func (v Viewer) authored(patientID int64, s string, blind bool) string {
	if blind {
		return s
	}
	return v.Text(patientID, s)
}

// redacts reports whether the viewer is shown text of that authorship
// redacted (authored): so a client knows which text holds the API's
// placeholders, and which is shown exactly as written.
func (v Viewer) redacts(blind bool) bool {
	return v.redact != nil && !blind
}

// NicknameOf is the friendly name of a patient's pseudonym, never one of
// the patient's own names; callers who see ids, and so names, get none.
// It is the one place a nickname is computed: the views, the redaction
// and every list show a patient under this one name. (There is no second
// exported nickname function: one that took only an id answered "" for
// a patient the viewer had not loaded, so one patient could be shown
// under two names.)
func (v Viewer) NicknameOf(p domain.Patient) string {
	if v.ids || len(v.roles) == 0 {
		return ""
	}
	return v.codec.Nickname(v.roles[0], p.ID, p.Identity.FirstName, p.Identity.LastName)
}

// knownNickname is NicknameOf of a patient the viewer was built for (Of,
// ForList), for views that carry only the patient's id; none for any other.
func (v Viewer) knownNickname(patientID int64) string {
	return v.nicknames[patientID]
}
