package domain

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

var (
	t0     = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	t0End  = t0.AddDate(0, CollectionMonths, 0)
	later  = t0.AddDate(0, 3, 0)
	allCat = []TicketCategory{CategoryInstallation, CategoryMaintenance, CategoryUninstallation}
)

func started() Home {
	return Home{CollectionStart: &t0, CollectionEnd: &t0End}
}

func TestTicketStateMachine(t *testing.T) {
	// Each row: the home, then whether installation, maintenance and
	// uninstallation may be opened. Written out by hand, not from the table.
	notStarted := Home{Status: StatusToInstall}
	cases := []struct {
		name string
		home Home
		want [3]bool
	}{
		{"no ticket yet: only installation", Home{Status: StatusUnknown}, [3]bool{true, false, false}},
		{"to install: nothing (one installation ticket, nothing to service or retrieve)", notStarted, [3]bool{false, false, false}},
		{"working: maintenance or uninstallation, never a second installation", withStatus(started(), StatusWorking), [3]bool{false, true, true}},
		{"maintenance: uninstallation only", withStatus(started(), StatusMaintenance), [3]bool{false, false, true}},
		{"uninstalling: nothing", withStatus(started(), StatusUninstalling), [3]bool{false, false, false}},
		{"inactive: nothing", withStatus(started(), StatusInactive), [3]bool{false, false, false}},
		{"unknown status but collection started: no installation", withStatus(started(), StatusUnknown), [3]bool{false, false, false}},
		{"withdrawn and working (legacy data): nothing", Home{Status: StatusWorking, Withdrawn: true, CollectionStart: &t0, CollectionEnd: &later}, [3]bool{false, false, false}},
		{"withdrawn and uninstalling: nothing", Home{Status: StatusUninstalling, Withdrawn: true}, [3]bool{false, false, false}},
	}
	for _, c := range cases {
		for i, cat := range allCat {
			t.Run(fmt.Sprintf("%s/%s", c.name, cat), func(t *testing.T) {
				err := CanOpenTicket(c.home, cat)
				if allowed := err == nil; allowed != c.want[i] {
					t.Fatalf("CanOpenTicket = %v, want allowed=%t", err, c.want[i])
				}
				if err != nil && (KindOf(err) != KindConflict || !strings.Contains(err.Error(), "no "+string(cat)+" ticket can be opened now: ")) {
					t.Errorf("refusal %q is not a conflict saying why", err)
				}
			})
		}
	}
}

func withStatus(h Home, s InstallationStatus) Home {
	h.Status = s
	return h
}

func TestEveryStatusHasARow(t *testing.T) {
	for _, s := range []InstallationStatus{StatusUnknown, StatusToInstall, StatusWorking, StatusMaintenance, StatusUninstalling, StatusInactive} {
		if _, ok := ticketOpenRefusals[s]; !ok {
			t.Errorf("status %s has no row in the ticket state machine", s)
		}
	}
}

func TestClosingTicketsSetsCollectionDates(t *testing.T) {
	s, e, err := CollectionOnClose(Home{Status: StatusToInstall}, CategoryInstallation, t0)
	if err != nil || !s.Equal(t0) || !e.Equal(t0End) {
		t.Errorf("installation: %v – %v, %v; want %v – %v", s, e, err, t0, t0End)
	}
	h := Home{Status: StatusUninstalling, CollectionStart: s, CollectionEnd: e}
	s2, e2, err := CollectionOnClose(h, CategoryUninstallation, later)
	if err != nil || !s2.Equal(t0) || !e2.Equal(later) {
		t.Errorf("uninstallation: %v – %v, %v; want %v – %v", s2, e2, err, t0, later)
	}
	s3, e3, err := CollectionOnClose(withStatus(h, StatusMaintenance), CategoryMaintenance, later)
	if err != nil || s3 != s || e3 != e {
		t.Error("maintenance changed the dates")
	}
}

func TestClosingAnInstallationTicketNeverRestartsCollection(t *testing.T) {
	withdrawnAt := t0.AddDate(0, 1, 0)
	cases := []struct {
		name       string
		home       Home
		start, end *time.Time
		conflict   bool
	}{
		{"already started: dates unchanged", withStatus(started(), StatusToInstall), &t0, &t0End, false},
		{"ended without starting (withdrawn before installation): unchanged", Home{Status: StatusToInstall, CollectionEnd: &withdrawnAt}, nil, &withdrawnAt, false},
		{"withdrawn patient: refused", Home{Status: StatusToInstall, Withdrawn: true, CollectionEnd: &withdrawnAt}, nil, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, e, err := CollectionOnClose(c.home, CategoryInstallation, later)
			if c.conflict {
				if KindOf(err) != KindConflict {
					t.Fatalf("err = %v, want a conflict", err)
				}
				return
			}
			if err != nil || !sameTime(s, c.start) || !sameTime(e, c.end) {
				t.Fatalf("dates %v – %v (%v), want %v – %v", s, e, err, c.start, c.end)
			}
		})
	}
}

func TestUninstallationKeepsAnEarlierEnd(t *testing.T) {
	withdrawnAt := t0.AddDate(0, 2, 0)
	h := Home{Status: StatusUninstalling, Withdrawn: true, CollectionStart: &t0, CollectionEnd: &withdrawnAt}
	s, e, err := CollectionOnClose(h, CategoryUninstallation, later)
	if err != nil || !s.Equal(t0) || !e.Equal(withdrawnAt) {
		t.Errorf("dates %v – %v (%v), want %v – %v (the withdrawal's end)", s, e, err, t0, withdrawnAt)
	}
	never := Home{Status: StatusUninstalling, Withdrawn: true, CollectionEnd: &withdrawnAt}
	if s, e, _ := CollectionOnClose(never, CategoryUninstallation, later); s != nil || !e.Equal(withdrawnAt) {
		t.Errorf("a collection that never started started: %v – %v", s, e)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestCollectingAt(t *testing.T) {
	withdrawnAt := t0.AddDate(0, 2, 0)
	inst := Installation{CollectionStart: &t0, CollectionEnd: &withdrawnAt}
	cases := []struct {
		at   time.Time
		want bool
	}{
		{t0.Add(-time.Second), false},
		{t0, true},
		{withdrawnAt.Add(-time.Nanosecond), true},
		{withdrawnAt, false}, // the withdrawal's instant: refused
		{withdrawnAt.Add(time.Hour), false},
		{t0End, false},
	}
	for _, c := range cases {
		if got := inst.CollectingAt(c.at); got != c.want {
			t.Errorf("CollectingAt(%v) = %t, want %t", c.at, got, c.want)
		}
	}
	if (Installation{}).CollectingAt(t0) {
		t.Error("an installation never started collects")
	}
	if (Installation{CollectionEnd: &withdrawnAt}).CollectingAt(t0) {
		t.Error("an installation withdrawn before it started collects")
	}
}

func numbered(id int64, c TicketCategory, open bool) Ticket {
	t := Ticket{ID: id, Category: c}
	if !open {
		t.ClosedAt = &t0
	}
	return t
}

func TestPlanWithdrawal(t *testing.T) {
	cases := []struct {
		name      string
		tickets   []Ticket
		close     []int64
		open      bool
		noteOn    int64
		kitHome   bool
		newStatus InstallationStatus
	}{
		{"to install: the installation ticket closes, an uninstallation opens",
			[]Ticket{numbered(1, CategoryInstallation, true)}, []int64{1}, true, 0, false, StatusUninstalling},
		{"working: an uninstallation opens",
			[]Ticket{numbered(1, CategoryInstallation, false)}, nil, true, 0, false, StatusUninstalling},
		{"maintenance: the maintenance ticket closes, an uninstallation opens",
			[]Ticket{numbered(1, CategoryInstallation, false), numbered(2, CategoryMaintenance, true)}, []int64{2}, true, 0, false, StatusUninstalling},
		{"uninstalling: the open uninstallation ticket gets a note",
			[]Ticket{numbered(1, CategoryInstallation, false), numbered(2, CategoryUninstallation, true)}, nil, false, 2, false, StatusUninstalling},
		{"inactive: the kit is home, nothing opens",
			[]Ticket{numbered(1, CategoryInstallation, false), numbered(2, CategoryUninstallation, false)}, nil, false, 0, true, StatusInactive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := PlanWithdrawal(c.tickets)
			var closed []int64
			for _, tk := range w.Close {
				closed = append(closed, tk.ID)
			}
			if fmt.Sprint(closed) != fmt.Sprint(c.close) || w.OpenUninstallation != c.open || w.KitHome != c.kitHome {
				t.Fatalf("plan = close %v, open %t, kit home %t; want %v, %t, %t", closed, w.OpenUninstallation, w.KitHome, c.close, c.open, c.kitHome)
			}
			if (w.Uninstallation == nil) != (c.noteOn == 0) || (w.Uninstallation != nil && w.Uninstallation.ID != c.noteOn) {
				t.Errorf("note on %+v, want ticket %d", w.Uninstallation, c.noteOn)
			}
			// Applied, the plan leaves the status the withdrawal promises.
			after := applyPlan(c.tickets, w)
			if got := DeriveStatus(after); got != c.newStatus {
				t.Errorf("status after withdrawal = %s, want %s", got, c.newStatus)
			}
		})
	}
}

func applyPlan(tickets []Ticket, w Withdrawal) []Ticket {
	out := append([]Ticket(nil), tickets...)
	for i := range out {
		for _, c := range w.Close {
			if out[i].ID == c.ID {
				out[i].ClosedAt = &later
			}
		}
	}
	if w.OpenUninstallation {
		out = append(out, numbered(99, CategoryUninstallation, true))
	}
	return out
}

func TestRetrievalKeepsOnlyWhatTheVisitNeeds(t *testing.T) {
	id := Identity{FirstName: "Mario", LastName: "Rossi", CodiceFiscale: "RSSMRA45T10A562I", Address: "Via Roma 12",
		MedicalNotes: "notes", Diagnosis: "MCI", DiagnosisClass: DiagnosisMCI}
	if got := id.RetrievalIdentity(); got != (Identity{FirstName: "Mario", LastName: "Rossi", Address: "Via Roma 12"}) {
		t.Errorf("RetrievalIdentity = %+v", got)
	}
	hc := HomeContext{ApartmentType: "flat", InternetType: "fibre", Flatmates: "wife", Pets: "dog", Visitors: "son",
		SmartphoneModel: "A5", Appliances: "TV", IssueNotes: "router behind sofa", HabitNotes: "naps", OtherNotes: "other"}
	want := HomeContext{ApartmentType: "flat", InternetType: "fibre", Pets: "dog", Appliances: "TV", IssueNotes: "router behind sofa"}
	if got := hc.RetrievalContext(); got != want {
		t.Errorf("RetrievalContext = %+v, want %+v", got, want)
	}
}

// TestDesignDocShowsTheStateMachine keeps the table in docs/design.md
// equal to the rule the code applies.
func TestDesignDocShowsTheStateMachine(t *testing.T) {
	doc, err := os.ReadFile("../../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []InstallationStatus{StatusUnknown, StatusToInstall, StatusWorking, StatusMaintenance, StatusUninstalling, StatusInactive} {
		row := "| `" + string(s) + "` |"
		for _, c := range allCat {
			cell := "allowed"
			if why := ticketOpenRefusals[s][c]; why != "" {
				cell = "409: " + why
			}
			row += " " + cell + " |"
		}
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/design.md lacks the row\n%s", row)
		}
	}
}

// A withdrawn patient's refusals point to the uninstallation ticket only
// while one is open.
func TestWithdrawnRefusalsNameTheUninstallationTicketOnlyWhenOpen(t *testing.T) {
	for _, st := range []InstallationStatus{StatusUnknown, StatusToInstall, StatusWorking, StatusMaintenance, StatusUninstalling, StatusInactive} {
		for _, c := range []TicketCategory{CategoryInstallation, CategoryMaintenance, CategoryUninstallation} {
			why := TicketOpenRefusal(Home{Status: st, Withdrawn: true}, c)
			if why == "" {
				t.Errorf("%s, %s: a withdrawn patient's home accepts a ticket", st, c)
			}
			if names := strings.Contains(why, "uninstallation ticket"); names != (st == StatusUninstalling) {
				t.Errorf("%s, %s: %q names the uninstallation ticket: %v", st, c, why, names)
			}
		}
	}
}
