// Package view is what each role is shown of the study's data: the
// per-role views of SPEC §2, references (ids or per-role pseudonyms,
// SPEC §4), nicknames, free-text redaction, timestamp precision and list
// order. It knows no transport: the REST API renders these views as
// JSON, and the web UI renders the very same views as HTML, so both show
// a role exactly the same. Who sees what is decided by internal/access;
// this package only applies its answers.
package view

import (
	"context"
	"strconv"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
)

// Patients reads the patients a viewer needs to know (domain.Study).
type Patients interface {
	Patient(ctx context.Context, id int64) (domain.Patient, error)
	Patients(ctx context.Context) ([]domain.Patient, error)
	PatientsByID(ctx context.Context, ids []int64) ([]domain.Patient, error)
}

// Viewers builds viewers for callers.
type Viewers struct {
	Codec    *pseudonym.Codec
	Patients Patients
	// Nicknames caches the nicknames lists sort by (nil: none cached).
	Nicknames *NicknameCache
}

// Viewer is one caller as the views see them: callers who see internal
// ids address resources by id, every other caller by the pseudonyms of
// its first pseudonym role (access.PseudonymRoles).
type Viewer struct {
	ids   bool          // sees internal ids (access.SeeInternalIDs)
	all   []domain.Role // every role, for timestamp precision
	roles []domain.Role // pseudonym roles, in the role order; roles[0] names resources
	codec *pseudonym.Codec
	// redact, per patient, cleans free text about them for roles without
	// identity; nil when the caller may see identity.
	redact map[int64]func(string) string
	// nicknames, per patient the viewer was built for (Of, ForList).
	nicknames map[int64]string
}

// For is the caller's viewer, knowing no patient: enough for references
// and for views that carry no free text.
func (vs Viewers) For(p domain.Principal) Viewer {
	return Viewer{ids: access.Has(p.Roles, access.SeeInternalIDs), all: p.Roles,
		roles: access.PseudonymRoles(p.Roles), codec: vs.Codec}
}

// Ref is how the viewer is shown a resource's id.
func (v Viewer) Ref(kind resource.Kind, id int64) string {
	switch {
	case v.ids:
		return strconv.FormatInt(id, 10)
	case len(v.roles) == 0:
		return "" // no role to name it with: show nothing rather than an id
	}
	return v.codec.Encode(v.roles[0], kind, id)
}

// Resolve turns the viewer's reference back into an id. A raw id from a
// caller who does not see ids, or another role's pseudonym, is simply
// not found. Only the canonical spelling of a reference names a
// resource: an id is written in decimal as Ref writes it ("14", never
// "014", "+14" or " 14"), just as a pseudonym is accepted only in its
// one canonical spelling; any other spelling is not found, so one
// resource never has two names in the audit trail.
func (v Viewer) Resolve(kind resource.Kind, ref string) (int64, error) {
	if v.ids {
		if id, ok := canonicalID(ref); ok {
			return id, nil
		}
	}
	for _, r := range v.roles {
		if id, ok := v.codec.Decode(r, kind, ref); ok {
			return id, nil
		}
	}
	return 0, domain.NotFound("no such %s", kind.Name)
}

// canonicalID parses a positive id written exactly as FormatInt writes it.
func canonicalID(ref string) (int64, bool) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != ref {
		return 0, false
	}
	return id, true
}

// SeesIDs reports whether the viewer is shown internal ids (and so no
// nicknames, and the store's order).
func (v Viewer) SeesIDs() bool { return v.ids }
