// Package resource is the one table of the kinds of entity a reference
// can name. Pseudonym kinds, the resource type of audit entries, the
// lookup of a resource's patient and the tests' walks over references
// all derive from it: adding a kind of entity is adding one row here.
package resource

import "fmt"

// Kind is a kind of entity that callers name by reference (an id for
// doctors, a per-role pseudonym for the other roles).
type Kind struct {
	// Name is the kind in the audit trail and in "no such …" answers.
	Name string
	// Code is the byte that opens the kind's pseudonyms: two kinds never
	// share one, so one kind's pseudonym never decodes as another's.
	Code byte
	// Table holds the kind's rows; its name is also the audit resource
	// type of the kind's collection routes.
	Table string
	// Parent is the kind this one belongs to, by a <parent>_id column;
	// "" for the patient, the root every resource's audit entry names.
	Parent string
}

// The rows of the table, one per kind. A new kind is one more line.
var (
	Patient      = add(Kind{Name: "patient", Code: 'P', Table: "patients"})
	Installation = add(Kind{Name: "installation", Code: 'I', Table: "installations", Parent: "patient"})
	Ticket       = add(Kind{Name: "ticket", Code: 'T', Table: "tickets", Parent: "installation"})
	Document     = add(Kind{Name: "document", Code: 'D', Table: "documents", Parent: "installation"})
	Contact      = add(Kind{Name: "contact", Code: 'C', Table: "contacts", Parent: "patient"})
	// IngestToken is a gateway's ingest token of an installation (the
	// token itself is shown once; this names its row).
	IngestToken = add(Kind{Name: "token", Code: 'K', Table: "ingest_tokens", Parent: "installation"})
	// Stream is one sensor channel of an installation (SPEC §7).
	Stream = add(Kind{Name: "stream", Code: 'S', Table: "streams", Parent: "installation"})
)

var kinds []Kind

// add registers a row, refusing a second use of a name or code: the
// table is checked when the program starts, not when a pseudonym clashes.
func add(k Kind) Kind {
	for _, o := range kinds {
		if o.Name == k.Name || o.Code == k.Code || o.Table == k.Table {
			panic(fmt.Sprintf("resource: kind %q clashes with %q", k.Name, o.Name))
		}
	}
	kinds = append(kinds, k)
	return k
}

// All lists every kind, in the table's order.
func All() []Kind { return append([]Kind(nil), kinds...) }

// ByName is the kind with that name.
func ByName(name string) (Kind, bool) {
	for _, k := range kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Lineage is the chain of kinds from k up to the patient (k first): the
// joins that find the patient a resource belongs to. It panics on a
// table whose parents do not end at a root, which the tests walk.
func (k Kind) Lineage() []Kind {
	chain := []Kind{k}
	for cur := k; cur.Parent != ""; {
		next, ok := ByName(cur.Parent)
		if !ok || len(chain) > len(kinds) {
			panic(fmt.Sprintf("resource: kind %q has no root", k.Name))
		}
		chain, cur = append(chain, next), next
	}
	return chain
}

// Type is what an audit entry says a request was about: a kind (the
// resource its path named), a kind's collection, or one of the few
// targets that are not entities.
type Type string

// Type is the audit resource type of a route that names one k.
func (k Kind) Type() Type { return Type(k.Name) }

// Collection is the audit resource type of a route over every k (a
// list, or a creation before the new resource has a reference).
func (k Kind) Collection() Type { return Type(k.Table) }

// Targets that are not kinds of entity.
const (
	Screening Type = "screening" // the pseudonymised screening list
	Trail     Type = "audit"     // the audit trail itself
	Account   Type = "accounts"  // the local accounts (the admin's list)
	Self      Type = "auth"      // the caller's own principal (who am I)
	Session   Type = "session"   // a login
)
