package domain

import (
	"strings"
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

// Validate bounds each free-text field.
func (h *HomeContext) Validate() error {
	fields := []struct {
		name string
		v    *string
	}{
		{"apartment_type", &h.ApartmentType}, {"internet_type", &h.InternetType},
		{"flatmates", &h.Flatmates}, {"pets", &h.Pets}, {"visitors", &h.Visitors},
		{"smartphone_model", &h.SmartphoneModel}, {"appliances", &h.Appliances},
		{"issue_notes", &h.IssueNotes}, {"habit_notes", &h.HabitNotes}, {"other_notes", &h.OtherNotes},
	}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		if len(*f.v) > 5000 {
			return Invalid(f.name, "must be at most 5000 characters")
		}
	}
	return nil
}

// Installation is the sensor kit in one patient's home.
type Installation struct {
	ID              int64
	PatientID       int64
	Context         HomeContext
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
