package view

import (
	"context"
	"sync"

	"serenade/internal/access"
	"serenade/internal/domain"
)

// NicknameCache keeps the nicknames a process computed, by role, patient
// and identity version (domain.ListEntry.IdentityVersion): a nickname
// avoids the patient's own names, so computing it opens the identity,
// and a list sorted by nickname over 10,000 patients would open 10,000
// identities per page. The version changes whenever the identity is
// sealed again, so an entry never outlives the names it was computed
// from; nicknames are not identity (they are what roles without identity
// are shown). The cache holds at most nicknameCacheMax entries and
// starts afresh beyond: a bound, not an eviction policy, since a study
// has far fewer patients × roles.
type NicknameCache struct {
	mu sync.Mutex
	m  map[nickKey]string
}

type nickKey struct {
	role    domain.Role
	id      int64
	version string
}

const nicknameCacheMax = 1 << 18

// NewNicknameCache returns an empty cache.
func NewNicknameCache() *NicknameCache { return &NicknameCache{m: map[nickKey]string{}} }

func (c *NicknameCache) get(k nickKey) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[k]
	return n, ok
}

func (c *NicknameCache) put(k nickKey, n string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= nicknameCacheMax {
		c.m = map[nickKey]string{}
	}
	c.m[k] = n
}

// ForList is the caller's viewer for a list whose rows belong to the
// patients of versions (patient id → identity version): it knows every
// listed patient's nickname, so the list can be ordered by it, and opens
// only the identities whose nickname is not cached under their current
// version. Free text of the page's patients is redacted after Load.
func (vs Viewers) ForList(ctx context.Context, p domain.Principal, versions map[int64]string) (Viewer, error) {
	v := vs.For(p)
	if v.ids || len(v.roles) == 0 {
		return v, nil
	}
	v.nicknames = make(map[int64]string, len(versions))
	var missing []int64
	for id, ver := range versions {
		if n, ok := vs.Nicknames.get(nickKey{v.roles[0], id, ver}); ok {
			v.nicknames[id] = n
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return v, nil
	}
	patients, err := vs.Patients.PatientsByID(ctx, missing)
	if err != nil {
		return v, err
	}
	for _, pt := range patients {
		n := v.NicknameOf(pt)
		v.nicknames[pt.ID] = n
		vs.Nicknames.put(nickKey{v.roles[0], pt.ID, versions[pt.ID]}, n)
	}
	return v, nil
}

// Load makes the viewer redact free text about these patients (a page's)
// for callers who do not see identity, under the nicknames it knows.
func (v *Viewer) Load(patients []domain.Patient) {
	if !v.Redacts() {
		return
	}
	if v.redact == nil {
		v.redact = make(map[int64]func(string) string, len(patients))
	}
	for _, p := range patients {
		v.redact[p.ID] = newRedactor(p, v.nicknames[p.ID])
	}
}

// Redacts reports whether the viewer redacts free text about patients
// (callers who do not see identity), so that Load is needed.
func (v Viewer) Redacts() bool { return !v.ids && !access.SeesIdentity(v.all) }
