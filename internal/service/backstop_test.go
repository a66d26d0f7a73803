package service_test

import (
	"testing"

	"serenade/internal/domain"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// TestOneOpenTicketPerCategoryIsHeldByTheStore writes, for every ticket
// category, a second open ticket of that category straight through the
// store's primitive, past the service's rules: the unique index refuses
// it as a conflict and nothing of the workflow is written.
func TestOneOpenTicketPerCategoryIsHeldByTheStore(t *testing.T) {
	// Each category's setup leaves exactly one ticket of it open.
	setups := map[domain.TicketCategory]func(h *home){
		domain.CategoryInstallation: func(h *home) {},
		domain.CategoryMaintenance: func(h *home) {
			h.install()
			must[domain.Ticket](h.t)(h.env.Study().OpenTicket(installer(), h.inst, domain.CategoryMaintenance, "Hub offline."))
		},
		domain.CategoryUninstallation: func(h *home) {
			h.install()
			must[domain.Ticket](h.t)(h.env.Study().OpenTicket(installer(), h.inst, domain.CategoryUninstallation, "Kit to collect."))
		},
	}
	for c, setup := range setups {
		t.Run(string(c), func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
				h := enrolHome(t, env)
				setup(h)
				before := h.tickets()
				// The service refuses it by its rule…
				if _, err := env.Study().OpenTicket(installer(), h.inst, c, "Again."); domain.KindOf(err) != domain.KindConflict {
					t.Fatalf("%s: the service let a second open ticket through: %v", c, err)
				}
				// …and the store by its index, whatever plan a caller hands it.
				_, err := env.DB.UpdateHome(installer(), store.HomeOf{InstallationID: h.inst}, func(store.LockedHome) (store.HomeChange, error) {
					return store.HomeChange{
						Messages: []store.NewMessage{{TicketID: before[0].ID, Sender: "iit-gennaro", Body: "written before the refusal"}},
						Open:     &store.NewTicket{Category: c, By: "iit-gennaro", Message: "A second one."},
					}, nil
				})
				wantConflict(t, err, string(c)+" opened twice through the store")
				after := h.tickets()
				if len(after) != len(before) || len(after[0].Messages) != len(before[0].Messages) {
					t.Errorf("%s: the refused change was partly written: %d tickets (was %d), %d messages (was %d)",
						c, len(after), len(before), len(after[0].Messages), len(before[0].Messages))
				}
			})
		})
	}
}
