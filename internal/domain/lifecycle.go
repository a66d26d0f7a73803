package domain

import "time"

// Home is what the ticket rules look at: an installation's derived
// status, whether its patient withdrew, and its data-collection dates.
type Home struct {
	Status          InstallationStatus
	Withdrawn       bool
	CollectionStart *time.Time
	CollectionEnd   *time.Time
	// DateJoin is the patient's enrolment date (midnight UTC), when the
	// rules need it: collection cannot start before the enrolment.
	DateJoin time.Time
}

// HomeOf is the rules' view of an installation and its tickets.
func HomeOf(inst Installation, tickets []Ticket, withdrawn bool) Home {
	return Home{Status: DeriveStatus(tickets), Withdrawn: withdrawn,
		CollectionStart: inst.CollectionStart, CollectionEnd: inst.CollectionEnd}
}

// ticketOpenRefusals is the ticket state machine (SPEC §3): for each
// installation status, the categories that may NOT be opened and why.
// A category absent from a status's row may be opened. The kit goes in
// once (installation while nothing is installed), is serviced while it
// works (maintenance), and comes home once (uninstallation from working
// or maintenance; a withdrawal opens it from any status but inactive).
// docs/design.md shows this table; a test keeps the two equal.
var ticketOpenRefusals = map[InstallationStatus]map[TicketCategory]string{
	StatusUnknown: {
		CategoryMaintenance:    "nothing is installed yet",
		CategoryUninstallation: "nothing is installed yet",
	},
	StatusToInstall: {
		CategoryInstallation:   "the installation ticket is already open",
		CategoryMaintenance:    "the kit is not installed yet: write on the installation ticket",
		CategoryUninstallation: "the kit is not installed yet: close the installation ticket, or withdraw the patient",
	},
	StatusWorking: {
		CategoryInstallation: "the kit is already installed: open a maintenance ticket",
	},
	StatusMaintenance: {
		CategoryInstallation: "the kit is already installed",
		CategoryMaintenance:  "a maintenance ticket is already open",
	},
	StatusUninstalling: {
		CategoryInstallation:   "the kit is being uninstalled",
		CategoryMaintenance:    "the kit is being uninstalled: write on the uninstallation ticket",
		CategoryUninstallation: "an uninstallation ticket is already open",
	},
	StatusInactive: {
		CategoryInstallation:   "the kit was uninstalled: the installation is inactive",
		CategoryMaintenance:    "the kit was uninstalled: the installation is inactive",
		CategoryUninstallation: "the kit was uninstalled: the installation is inactive",
	},
}

// TicketOpenRefusal says why a ticket of category c may not be opened on
// h, or "" when it may. Of a withdrawn patient, it points to the
// uninstallation ticket only while one is open: a kit that was already
// home at the withdrawal, or has come home since, has none.
func TicketOpenRefusal(h Home, c TicketCategory) string {
	switch {
	case h.Withdrawn && h.Status == StatusUninstalling:
		return "the patient has withdrawn from the study: only the kit's retrieval continues, on the uninstallation ticket"
	case h.Withdrawn && h.Status == StatusInactive:
		return "the patient has withdrawn from the study and the kit is no longer in the home: nothing is left to do"
	case h.Withdrawn:
		return "the patient has withdrawn from the study"
	case c == CategoryInstallation && (h.CollectionStart != nil || h.CollectionEnd != nil):
		return "data collection has already started: the kit is installed once"
	}
	return ticketOpenRefusals[h.Status][c]
}

// CanOpenTicket returns a conflict saying why a ticket of category c may
// not be opened on h, or nil.
func CanOpenTicket(h Home, c TicketCategory) error {
	if why := TicketOpenRefusal(h, c); why != "" {
		return Conflict("no %s ticket can be opened now: %s", c, why)
	}
	return nil
}

// SupersededOnOpen lists the categories of open tickets that opening a
// ticket of category c closes: once the kit is coming home, maintenance
// has nothing left to do (and would otherwise outlive the uninstall).
func SupersededOnOpen(c TicketCategory) []TicketCategory {
	if c == CategoryUninstallation {
		return []TicketCategory{CategoryMaintenance}
	}
	return nil
}

// CollectionOnClose returns the installation's data-collection dates
// after closing a ticket of category c on h at now (SPEC §3), or a
// conflict. Closing the installation ticket starts a 12-month collection,
// but only on a home whose collection never started or ended and whose
// patient is still in the study: a late close never (re)starts it.
// Closing the uninstallation ticket ends collection now, or keeps an
// earlier end (a withdrawal's). Maintenance changes nothing.
func CollectionOnClose(h Home, c TicketCategory, now time.Time) (start, end *time.Time, err error) {
	start, end = h.CollectionStart, h.CollectionEnd
	switch c {
	case CategoryInstallation:
		if h.Withdrawn {
			return nil, nil, Conflict("the installation ticket cannot be closed: the patient has withdrawn from the study")
		}
		if start != nil || end != nil {
			return start, end, nil
		}
		s, e := now, now.AddDate(0, CollectionMonths, 0)
		return &s, &e, nil
	case CategoryUninstallation:
		return start, EndBy(end, now), nil
	}
	return start, end, nil
}

// EndBy is a collection end no later than t: collection never runs
// longer than it was going to.
func EndBy(end *time.Time, t time.Time) *time.Time {
	if end != nil && end.Before(t) {
		return end
	}
	return &t
}

// CollectingAt reports whether the installation collects data at t, so
// whether a sensor reading taken at t belongs to the study: t must lie in
// [start, end). Readings before the installation, after the end, or
// after a withdrawal (whose time is the end) are refused.
func (i Installation) CollectingAt(t time.Time) bool {
	if i.CollectionStart == nil || t.Before(*i.CollectionStart) {
		return false
	}
	return i.CollectionEnd == nil || t.Before(*i.CollectionEnd)
}

// Withdrawal is what withdrawing a patient does to the installation's
// tickets (SPEC §3): open installation and maintenance tickets are closed
// by the system, and an uninstallation ticket brings the kit home unless
// it is home already.
type Withdrawal struct {
	Close              []Ticket // open installation and maintenance tickets
	OpenUninstallation bool     // no uninstallation ticket is open and the kit is not home
	Uninstallation     *Ticket  // the open uninstallation ticket, if any
	KitHome            bool     // an uninstallation was closed: nothing to retrieve
}

// PlanWithdrawal decides a withdrawal's ticket changes from the
// installation's tickets.
func PlanWithdrawal(tickets []Ticket) Withdrawal {
	var w Withdrawal
	uninstalled := false
	for i, t := range tickets {
		switch {
		case t.Open() && t.Category == CategoryUninstallation:
			w.Uninstallation = &tickets[i]
		case t.Open():
			w.Close = append(w.Close, t)
		case t.Category == CategoryUninstallation:
			uninstalled = true
		}
	}
	w.KitHome = uninstalled && w.Uninstallation == nil
	w.OpenUninstallation = !w.KitHome && w.Uninstallation == nil
	return w
}

// System messages of the withdrawal flow.
const (
	MessageClosedByWithdrawal = "Closed by Serenade: the patient withdrew from the study and data collection stopped."
	MessageOpenedByWithdrawal = "The patient withdrew from the study: data collection stopped. Please retrieve the sensor kit " +
		"(or close this ticket if none was installed); closing it erases what is left of the patient's data."
	MessageWithdrawalNote = "The patient withdrew from the study: data collection stopped. Closing this ticket erases what is left of the patient's data."
	MessageSuperseded     = "Closed by Serenade: an uninstallation ticket was opened, the kit is coming home."
)

// RetrievalIdentity is what stays of a withdrawn patient's identity
// until the kit is back: what installers need to get to the home and be
// let in (names on the doorbell, the address). The codice fiscale (and
// with it sex, birth date and place, age), the diagnosis and the medical
// notes are erased at withdrawal.
func (id Identity) RetrievalIdentity() Identity {
	return Identity{FirstName: id.FirstName, LastName: id.LastName, Address: id.Address}
}

// RetrievalContext is what stays of the home description until the kit
// is back: how to enter the home safely and find the devices. Notes on
// the household's life (flatmates, visitors, habits, smartphone, other
// notes) are erased at withdrawal.
func (h HomeContext) RetrievalContext() HomeContext {
	return HomeContext{ApartmentType: h.ApartmentType, InternetType: h.InternetType, Pets: h.Pets,
		Appliances: h.Appliances, IssueNotes: h.IssueNotes}
}
