package api_test

import (
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// linkageAllowList names the fields that may join two roles' exports,
// and why (mirrored in docs/design.md, "Linkage between roles"). Each is
// content the access matrix grants to both roles: hiding it from one of
// them would take away what its job needs, so the link it makes is
// accepted and said, not hidden.
var linkageAllowList = []allowedLink{
	{roles: [2]string{"iit", "imt"}, fields: []string{"installation.context."},
		reason: "both read and write the home context (matrix: installation details RW); it describes one home"},
	{roles: [2]string{"iit", "unimi"}, fields: []string{"installation.context."},
		reason: "the researcher's job includes the installation context the installers wrote (matrix: installation details R)"},
	{roles: [2]string{"imt", "unimi"}, fields: []string{"installation.context."},
		reason: "both are granted the installation context (matrix: installation details)"},
	{roles: [2]string{"iit", "imt"}, fields: documentFields, reason: "both are granted the documents themselves; a file's bytes, length, type and name are the file"},
	{roles: [2]string{"iit", "unimi"}, fields: documentFields, reason: "both are granted the documents themselves; a file's bytes, length, type and name are the file"},
	{roles: [2]string{"imt", "unimi"}, fields: documentFields, reason: "both are granted the documents themselves; a file's bytes, length, type and name are the file"},
	{roles: [2]string{"iit", "imt"}, fields: coworkFields,
		reason: "installers and the monitoring team work the same tickets on the same homes (matrix: tickets and installation details RW for both): " +
			"the thread is what they write to each other and links their exports by itself; the hour of a ticket and the day of a visit are what they coordinate on"},
}

// coworkFields are what iit and imt share as co-workers: tickets with
// their threads, and the dates of the installations they look after.
var coworkFields = []string{"ticket.", "installation.created_at", "installation.updated_at",
	"installation.collection_start", "installation.collection_end", "document.created_at",
	// The installations list's enrolment date (to the day) and last
	// activity (the newest message of the thread, to the hour).
	"installation.date_join", "installation.last_activity",
	// The history of collection-date corrections, read like a thread.
	"correction."}

var documentFields = []string{"document.name", "document.size", "document.content_type", "document-file."}

// TestLinkageAcrossRolesExports takes the full output of iit, imt,
// unimi and admin on the demo study (every write their roles allow, then
// every list, every resource the lists name, every document, the whole
// audit trail) and joins every pair of exports on every field and on list
// order (SPEC §4: a leaked export of one role cannot be joined to
// another's).
func TestLinkageAcrossRolesExports(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			checkLinkage(t, apptest.Start(t, apptest.Options{Backend: backend, Demo: true}))
		})
	}
}

// TestLinkageAcrossRolesExportsOfAStudySpreadOverTime is the same on a
// study whose records were written over a year, the store's clock moving
// about two days at each write, as a real study's are spread: timestamps
// that all fall on the seeding day join nothing, these would.
func TestLinkageAcrossRolesExportsOfAStudySpreadOverTime(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			clock := &steppingClock{now: time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC), step: linkageClockStep}
			checkLinkage(t, apptest.Start(t, apptest.Options{Backend: backend, Demo: true,
				Edit: func(c *app.Config) { c.StoreClock = clock.Now }}))
		})
	}
}

// linkageClockStep is how far the store's clock moves at each reading.
const linkageClockStep = 53*time.Hour + 17*time.Minute + 3*time.Second + 12345*time.Nanosecond

// steppingClock moves forward by step every time it is read.
type steppingClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// checkLinkage exports what each role gets and joins every pair.
func checkLinkage(t *testing.T, s *apptest.Server) {
	var exporters []*exporter
	for _, user := range []string{demo.Installer, demo.Monitoring, demo.Researcher, demo.Admin} {
		exporters = append(exporters, newExporter(t, s, loginDemo(t, s, user)))
	}
	for _, e := range exporters {
		e.work() // first, so that every walk sees what the writes made
	}
	var exports []*roleExport
	for _, e := range exporters {
		exports = append(exports, e.walk())
	}
	checkExports(t, exports)
	for i, a := range exports {
		for _, b := range exports[i+1:] {
			t.Run(a.name+" with "+b.name, func(t *testing.T) {
				// The allow-listed home context joins these two: a join that
				// found nothing would prove nothing.
				if found := checkPair(t, a, b); found == 0 && a.name == "iit" && b.name == "unimi" {
					t.Fatal("no field joined iit and unimi, not even the home context both are granted: the joins do not work")
				}
			})
		}
	}
}

// checkExports makes sure the walk saw enough for the joins to mean
// something: every role a good share of the study, with timestamps.
func checkExports(t *testing.T, exports []*roleExport) {
	t.Helper()
	want := map[string]string{"iit": "installation.created_at", "imt": "ticket.opened_at", "unimi": "screening.age_class", "admin": "audit.time"}
	for _, x := range exports {
		if n := len(x.patients()); n < 15 {
			t.Fatalf("%s's export covers %d patients: too few to join", x.name, n)
		}
		if len(x.fields()[want[x.name]]) == 0 {
			t.Fatalf("%s's export has no %s", x.name, want[x.name])
		}
	}
}

// checkPair joins two exports on every pair of fields and on the order
// of every pair of lists; found is how many joins linked more than
// maxJoinShare, allowed or not.
func checkPair(t *testing.T, a, b *roleExport) (found int) {
	n := common(a, b)
	if n == 0 {
		t.Fatalf("%s and %s share no patient", a.name, b.name)
	}
	var worst join
	for _, j := range joins(a, b) {
		share := float64(j.net()) / float64(n)
		if _, ok := allowed(a.name, b.name, j); !ok && (worst.linked == nil || j.net() > worst.net()) {
			worst = j
		}
		if share <= maxJoinShare {
			continue
		}
		found++
		if reason, ok := allowed(a.name, b.name, j); ok {
			t.Logf("allowed: %s: net %.0f%% of %d: %s", j, 100*share, n, reason)
			continue
		}
		t.Errorf("%s: net %.0f%% of the %d patients both see", j, 100*share, n)
	}
	if worst.linked != nil {
		t.Logf("the strongest join not on the allow-list: %s, of %d patients", worst, n)
	}
	for _, la := range sortedKeys(a.lists) {
		for _, lb := range sortedKeys(b.lists) {
			c, m := concordance(a.lists[la], b.lists[lb])
			if m < 8 {
				continue
			}
			t.Logf("order of %s's %s and %s's %s: %.2f of pairs of %d patients agree", a.name, la, b.name, lb, c, m)
			if c > maxConcordance {
				t.Errorf("%s's %s and %s's %s list %d patients in orders that agree on %.0f%% of pairs: row order joins them",
					a.name, la, b.name, lb, m, 100*c)
			}
		}
	}
	return found
}
