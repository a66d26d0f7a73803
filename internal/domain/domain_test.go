package domain

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func ticket(c TicketCategory, open bool) Ticket {
	t := Ticket{Category: c}
	if !open {
		now := time.Now()
		t.ClosedAt = &now
	}
	return t
}

func TestStatusIsDerivedFromTickets(t *testing.T) {
	cases := []struct {
		name    string
		tickets []Ticket
		want    InstallationStatus
	}{
		{"no ticket is unknown", nil, StatusUnknown},
		{"an open installation ticket is to install", []Ticket{ticket(CategoryInstallation, true)}, StatusToInstall},
		{"a closed installation ticket is working", []Ticket{ticket(CategoryInstallation, false)}, StatusWorking},
		{"an open maintenance ticket is maintenance", []Ticket{ticket(CategoryInstallation, false), ticket(CategoryMaintenance, true)}, StatusMaintenance},
		{"a closed maintenance ticket is working again", []Ticket{ticket(CategoryInstallation, false), ticket(CategoryMaintenance, false)}, StatusWorking},
		{"an open uninstallation wins over maintenance", []Ticket{ticket(CategoryInstallation, false), ticket(CategoryMaintenance, true), ticket(CategoryUninstallation, true)}, StatusUninstalling},
		{"a closed uninstallation is inactive", []Ticket{ticket(CategoryInstallation, false), ticket(CategoryUninstallation, false)}, StatusInactive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DeriveStatus(c.tickets); got != c.want {
				t.Errorf("DeriveStatus = %s, want %s", got, c.want)
			}
		})
	}
}

func TestDocumentNamesAreCleaned(t *testing.T) {
	cases := map[string]string{
		`C:\scans\consenso.pdf`:      "consenso.pdf",
		"../../etc/passwd":           "passwd",
		"foto \"casa\".jpg":          "foto casa.jpg",
		"  planimetria piano 3.png ": "planimetria piano 3.png",
	}
	for in, want := range cases {
		if got, err := CleanDocumentName(in); err != nil || got != want {
			t.Errorf("CleanDocumentName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "/", ".", "..", "foto\x00.jpg", "foto\r\n.jpg", "foto\u202Egpj.exe", "fo\u200Bto.jpg", "foto\xff.jpg"} {
		if _, err := CleanDocumentName(bad); !isInvalid(err, "file") {
			t.Errorf("CleanDocumentName(%q): err = %v, want invalid file", bad, err)
		}
	}
}

func TestIdentityValidationNamesTheField(t *testing.T) {
	base := Identity{FirstName: "Mario", LastName: "Rossi", CodiceFiscale: "RSSMRA45T10A562I", Address: "Via Roma 1, Milano"}
	cases := []struct {
		edit  func(*Identity)
		field string
	}{
		{func(i *Identity) { i.FirstName = "" }, "first_name"},
		{func(i *Identity) { i.LastName = " " }, "last_name"},
		{func(i *Identity) { i.CodiceFiscale = "RSSMRA45Z10A562I" }, "codice_fiscale"},
		{func(i *Identity) { i.DiagnosisClass = "cold" }, "diagnosis_class"},
	}
	for _, c := range cases {
		id := base
		c.edit(&id)
		err := ValidateIdentity(&id, testRule)
		if de, ok := err.(*Error); !ok || de.Kind != KindInvalid || de.Field != c.field {
			t.Errorf("want invalid %s, got %v", c.field, err)
		}
	}
	ok := base
	if err := ValidateIdentity(&ok, testRule); err != nil || ok.DiagnosisClass != DiagnosisUnspecified {
		t.Errorf("valid identity: %v, class %q", err, ok.DiagnosisClass)
	}
}

// TestUsernameRuleSaysTheLimit keeps the words of UsernameRule in step
// with the limit the pattern is built from.
func TestUsernameRuleSaysTheLimit(t *testing.T) {
	if !strings.Contains(UsernameRule, "1 to "+strconv.Itoa(UsernameMaxLength)+" characters") {
		t.Errorf("UsernameRule %q does not say the limit %d", UsernameRule, UsernameMaxLength)
	}
	if _, err := ValidateUsername(strings.Repeat("a", UsernameMaxLength)); err != nil {
		t.Errorf("a username of %d characters: %v", UsernameMaxLength, err)
	}
	if _, err := ValidateUsername(strings.Repeat("a", UsernameMaxLength+1)); KindOf(err) != KindInvalid {
		t.Errorf("a username of %d characters: %v, want invalid", UsernameMaxLength+1, err)
	}
}
