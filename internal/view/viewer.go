package api

import (
	"context"
	"strconv"

	"serenade/internal/domain"
	"serenade/internal/pseudonym"
)

// viewer is the caller as the API sees them: doctors address resources
// by their internal ids, every other role by its own pseudonyms (SPEC §4).
type viewer struct {
	doctor bool
	roles  []domain.Role // non-doctor roles, in matrix order; roles[0] names resources
	codec  *pseudonym.Codec
	// redact, per patient, cleans free text about them for roles without
	// identity; nil when the caller may see identity.
	redact map[int64]func(string) string
	// nicknames, per patient loaded by viewerOf or viewerOfAll (non-doctors).
	nicknames map[int64]string
}

// text passes free text about a patient through the viewer's redaction.
func (v viewer) text(patientID int64, s string) string {
	if v.redact == nil {
		return s
	}
	if r, ok := v.redact[patientID]; ok {
		return r(s)
	}
	return "" // unknown patient: show nothing rather than unredacted text
}

// shown is the redaction the viewer is shown of a patient's text that
// was not written blind; nil when the viewer sees identity.
func (v viewer) shown(patientID int64) func(string) string {
	if v.redact == nil {
		return nil
	}
	return func(s string) string { return v.text(patientID, s) }
}

// authored passes free text through the viewer's redaction unless it was
// written blind (by a role that does not see identity): such text is
// shown as written, so what a blind author reads back never depends on
// the patient's identity (domain.AuthoredContext).
func (v viewer) authored(patientID int64, s string, blind bool) string {
	if blind {
		return s
	}
	return v.text(patientID, s)
}

func (a *API) viewer(ctx context.Context) viewer {
	p, _ := domain.PrincipalFrom(ctx)
	v := viewer{doctor: p.Has(domain.RoleDoctor), codec: a.deps.Pseudonyms}
	for _, r := range domain.AllRoles {
		if r != domain.RoleDoctor && p.Has(r) {
			v.roles = append(v.roles, r)
		}
	}
	return v
}

// ref is how the caller sees a resource id.
func (v viewer) ref(kind pseudonym.Kind, id int64) string {
	if v.doctor {
		return strconv.FormatInt(id, 10)
	}
	return v.codec.Encode(v.roles[0], kind, id)
}

// nicknameOf is the friendly name of a patient's pseudonym, never one of
// the patient's own names; doctors, who see names, get none.
func (v viewer) nicknameOf(p domain.Patient) string {
	if v.doctor {
		return ""
	}
	return v.codec.Nickname(v.roles[0], p.ID, p.Identity.FirstName, p.Identity.LastName)
}

// nickname is the nickname of a patient the viewer was built for
// (viewerOf, viewerOfAll); none for any other.
func (v viewer) nickname(patientID int64) string {
	return v.nicknames[patientID]
}

// resolve turns the caller's reference back into an id. A raw id from a
// non-doctor, or another role's pseudonym, is simply not found. Only the
// canonical spelling of a reference names a resource: an id is written in
// decimal as the API writes it ("14", never "014", "+14" or " 14"), just
// as a pseudonym is accepted only in its one canonical spelling; any
// other spelling is not found, so one resource never has two names in
// the audit trail.
func (v viewer) resolve(ctx context.Context, kind pseudonym.Kind, ref string) (int64, error) {
	if v.doctor {
		if id, ok := canonicalID(ref); ok {
			noteResource(ctx, kind, id)
			return id, nil
		}
	}
	for _, r := range v.roles {
		if id, ok := v.codec.Decode(r, kind, ref); ok {
			noteResource(ctx, kind, id)
			return id, nil
		}
	}
	return 0, domain.NotFound("no such %s", kindName(kind))
}

func kindName(k pseudonym.Kind) string {
	switch k {
	case pseudonym.Patient:
		return "patient"
	case pseudonym.Installation:
		return "installation"
	case pseudonym.Ticket:
		return "ticket"
	case pseudonym.Document:
		return "document"
	case pseudonym.Contact:
		return "contact"
	}
	return "resource"
}

// canonicalID parses a positive id written exactly as FormatInt writes it.
func canonicalID(ref string) (int64, bool) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != ref {
		return 0, false
	}
	return id, true
}
