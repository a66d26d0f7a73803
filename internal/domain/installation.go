package domain

import (
	"time"
)

// HomeContext describes the patient's home as the installers found it.
// Free text about a home can identify its inhabitants, so it is stored
// encrypted under the patient's data key.
type HomeContext struct {
	ApartmentType   string `json:"apartment_type"`
	InternetType    string `json:"internet_type"`
	Flatmates       string `json:"flatmates"`
	Pets            string `json:"pets"`
	Visitors        string `json:"visitors"`
	SmartphoneModel string `json:"smartphone_model"`
	Appliances      string `json:"appliances"`
	IssueNotes      string `json:"issue_notes"`
	HabitNotes      string `json:"habit_notes"`
	OtherNotes      string `json:"other_notes"`
}

// Validate cleans each free-text field under the text policy: the kind
// of flat, of internet access and the phone model are single-line, the
// rest may run over several lines.
func (h *HomeContext) Validate() error {
	return cleanAll(h.textFields())
}

// textFields names each field as the API does, with its text rule.
func (h *HomeContext) textFields() []textField {
	return []textField{
		{"apartment_type", &h.ApartmentType, HomeLineText}, {"internet_type", &h.InternetType, HomeLineText},
		{"flatmates", &h.Flatmates, HomeNotesText}, {"pets", &h.Pets, HomeNotesText}, {"visitors", &h.Visitors, HomeNotesText},
		{"smartphone_model", &h.SmartphoneModel, HomeLineText}, {"appliances", &h.Appliances, HomeNotesText},
		{"issue_notes", &h.IssueNotes, HomeNotesText}, {"habit_notes", &h.HabitNotes, HomeNotesText}, {"other_notes", &h.OtherNotes, HomeNotesText},
	}
}

// Installation is the sensor kit in one patient's home.
type Installation struct {
	ID        int64
	PatientID int64
	Context   HomeContext
	// WrittenBlind names the fields of Context last written by an author
	// who does not see identity (see AuthoredContext).
	WrittenBlind    []string
	CollectionStart *time.Time
	CollectionEnd   *time.Time
	Status          InstallationStatus // derived from the tickets, never stored
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// InstallationStatus is derived from the installation's tickets.
type InstallationStatus string

const (
	StatusToInstall    InstallationStatus = "to_install"
	StatusWorking      InstallationStatus = "working"
	StatusMaintenance  InstallationStatus = "maintenance"
	StatusUninstalling InstallationStatus = "uninstalling"
	StatusInactive     InstallationStatus = "inactive"
	StatusUnknown      InstallationStatus = "unknown"
)

// InstallationStatuses are all the statuses DeriveStatus gives, in the
// order of an installation's life (unknown: no ticket yet).
var InstallationStatuses = []InstallationStatus{StatusToInstall, StatusWorking, StatusMaintenance, StatusUninstalling, StatusInactive, StatusUnknown}

// DeriveStatus computes an installation's status from its tickets (SPEC
// §3). An open ticket decides, in the order uninstallation, installation,
// maintenance (an uninstall in progress matters most); with no open
// ticket, a closed uninstallation means inactive, a closed installation
// means working.
func DeriveStatus(tickets []Ticket) InstallationStatus {
	open := map[TicketCategory]bool{}
	closed := map[TicketCategory]bool{}
	for _, t := range tickets {
		if t.Open() {
			open[t.Category] = true
		} else {
			closed[t.Category] = true
		}
	}
	switch {
	case open[CategoryUninstallation]:
		return StatusUninstalling
	case open[CategoryInstallation]:
		return StatusToInstall
	case open[CategoryMaintenance]:
		return StatusMaintenance
	case closed[CategoryUninstallation]:
		return StatusInactive
	case closed[CategoryInstallation]:
		return StatusWorking
	}
	return StatusUnknown
}
