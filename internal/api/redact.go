package api

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"serenade/internal/access"
	"serenade/internal/domain"
)

// viewerOf is the caller's viewer for one patient's free text (ticket
// messages, document names). Staff write what they see — "called Mrs
// Rossi's daughter" — so for roles that may not see identity the
// patient's names, codice fiscale, address and contacts are replaced by
// the nickname. It is a safety net, not a licence: free text should not
// name patients in the first place.
func (a *API) viewerOf(ctx context.Context, patientID int64) (viewer, error) {
	notePatient(ctx, patientID) // the response is about this patient
	v := a.viewer(ctx)
	if a.seesIdentity(ctx) {
		return v, nil
	}
	patient, err := a.deps.Study.Patient(ctx, patientID)
	if err != nil {
		return v, err
	}
	v.redact = map[int64]func(string) string{patientID: newRedactor(patient, v.nickname(patientID))}
	return v, nil
}

// viewerOfAll is viewerOf for lists that span every patient.
func (a *API) viewerOfAll(ctx context.Context) (viewer, error) {
	v := a.viewer(ctx)
	if a.seesIdentity(ctx) {
		return v, nil
	}
	patients, err := a.deps.Study.Patients(ctx)
	if err != nil {
		return v, err
	}
	v.redact = make(map[int64]func(string) string, len(patients))
	for _, p := range patients {
		v.redact[p.ID] = newRedactor(p, v.nickname(p.ID))
	}
	return v, nil
}

// seesIdentity reports whether the caller may read patients' names.
func (a *API) seesIdentity(ctx context.Context) bool {
	p, _ := domain.PrincipalFrom(ctx)
	return access.Allows(p.Roles, access.ContactSheetRead)
}

// newRedactor replaces, case-insensitively, every identifying string of
// the patient (longest first, so "Mario Rossi" goes before "Rossi").
func newRedactor(p domain.Patient, nickname string) func(string) string {
	id := p.Identity
	needles := []string{id.FirstName, id.LastName, id.FirstName + " " + id.LastName, id.LastName + " " + id.FirstName,
		id.CodiceFiscale, id.Address}
	for _, c := range p.Contacts {
		needles = append(needles, c.Alias, c.Phone, c.Email)
		needles = append(needles, strings.Fields(c.Alias)...)
	}
	var quoted []string
	for _, n := range needles {
		if n = strings.TrimSpace(n); len(n) >= 3 {
			quoted = append(quoted, regexp.QuoteMeta(n))
		}
	}
	if len(quoted) == 0 {
		return func(s string) string { return s }
	}
	slices.SortFunc(quoted, func(a, b string) int { return len(b) - len(a) })
	re := regexp.MustCompile(`(?i)` + strings.Join(slices.Compact(quoted), "|"))
	if nickname == "" {
		nickname = "the patient"
	}
	return func(s string) string { return re.ReplaceAllLiteralString(s, nickname) }
}
