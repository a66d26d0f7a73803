package service_test

import (
	"errors"
	"fmt"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// TestEnrolmentBoundsContactsByTheTable: the contacts bound of the limits
// table holds on every path in, not only in the API's schema.
func TestEnrolmentBoundsContactsByTheTable(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		in := mario()
		in.Contacts = nil
		for i := range domain.MaxContacts + 1 {
			in.Contacts = append(in.Contacts, domain.Contact{Alias: fmt.Sprintf("neighbour %c", 'a'+i), Phone: fmt.Sprintf("+39 333 %07d", i)})
		}
		_, err := env.Study().Enrol(doctor(), in)
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.KindInvalid || de.Field != "contacts" {
			t.Fatalf("%d contacts: %v, want invalid contacts", len(in.Contacts), err)
		}
		in.Contacts = in.Contacts[:domain.MaxContacts]
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), in))
		if len(p.Contacts) != domain.MaxContacts {
			t.Errorf("%d contacts stored, want %d", len(p.Contacts), domain.MaxContacts)
		}
	})
}
