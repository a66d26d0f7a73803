package pseudonym

// Key separation of pseudonyms: each role (and the audit trail) has its
// own key derived from the server's, so a pseudonym seen by one role says
// nothing to another and is refused there. A derivation that ignored the
// role would still round-trip and pass every per-role test.

import (
	"testing"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/resource"
)

func everyRole() []domain.Role {
	return append(append([]domain.Role(nil), domain.AllRoles...), AuditRole)
}

// TestEachRoleHasItsOwnKey: for many ids, no two roles (the audit trail
// included) give the same pseudonym, and one role's pseudonym decodes
// under no other role.
func TestEachRoleHasItsOwnKey(t *testing.T) {
	c := codec(t)
	for id := int64(1); id <= 200; id++ {
		owner := map[string]domain.Role{}
		for _, r := range everyRole() {
			p := c.Encode(r, resource.Patient, id)
			if o, dup := owner[p]; dup {
				t.Fatalf("id %d: roles %s and %s share the pseudonym %s", id, o, r, p)
			}
			owner[p] = r
			for _, other := range everyRole() {
				if got, ok := c.Decode(other, resource.Patient, p); other != r && ok {
					t.Fatalf("id %d: %s's pseudonym decodes under %s as %d", id, r, other, got)
				}
			}
		}
	}
}

// TestRoleKeysDependOnTheServerKey: two servers' codecs share no
// pseudonym for any role, and a server key one bit away gives other
// pseudonyms, so the role keys are derived from the secret, not fixed.
func TestRoleKeysDependOnTheServerKey(t *testing.T) {
	k := keyring.Key{1}
	near := k
	near[keyring.KeySize-1] ^= 1 // the last byte: a derivation reading only a prefix is caught too
	a, b := New(k), New(near)
	for _, r := range everyRole() {
		for id := int64(1); id <= 50; id++ {
			p := a.Encode(r, resource.Patient, id)
			if p == b.Encode(r, resource.Patient, id) {
				t.Fatalf("%s: server keys one bit apart give the same pseudonym of %d", r, id)
			}
			if _, ok := b.Decode(r, resource.Patient, p); ok {
				t.Fatalf("%s: another server decodes the pseudonym of %d", r, id)
			}
		}
	}
}
