package store_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// planCase is one order of one list as a caller reads it: f without its
// limit and cursor.
type planCase struct {
	name    string
	list    *domain.ListFilter
	tickets *domain.TicketFilter
}

// planCases are every order of every list: for callers who see ids (the
// stored columns, exact times) and for a role that does not (its stored
// heads, at every precision a head is kept at), each with the filters
// the lists always apply (installed, not withdrawn, open tickets).
func planCases() []planCase {
	var cs []planCase
	orders := []domain.ListOrder{domain.OrderID, domain.OrderDateJoin, domain.OrderDateJoinDesc, domain.OrderLastActivity, domain.OrderStatus}
	cuts := []domain.TimeCut{domain.CutHour, domain.CutDay, domain.CutQuarter, domain.CutYear}
	for _, o := range orders {
		for _, inst := range []bool{false, true} {
			cs = append(cs, planCase{name: fmt.Sprintf("ids %q installations=%v", o, inst),
				list: &domain.ListFilter{Order: o, ByInstallation: inst, Installed: inst}})
			for _, c := range cuts {
				cs = append(cs, planCase{name: fmt.Sprintf("role %q at %s installations=%v", o, c, inst),
					list: &domain.ListFilter{Order: o, ByInstallation: inst, Installed: inst, Active: !inst, Role: domain.RoleMonitoring, HeadCut: c}})
			}
		}
	}
	// The screening list filtered to the patients of a page of
	// installations (the web's research list): by id and in a role's
	// order, a few of the study's patients spread over it.
	some := []int64{3, 9, 17, 26, 29, 31, 33, 35, 37, 38, 39, 40}
	cs = append(cs, planCase{name: "ids by patients", list: &domain.ListFilter{Order: domain.OrderID, Active: true, Patients: some}})
	for _, c := range cuts {
		cs = append(cs, planCase{name: fmt.Sprintf("role by patients at %s", c),
			list: &domain.ListFilter{Order: domain.OrderID, Active: true, Patients: some, Role: domain.RoleResearcher, HeadCut: c}})
	}
	open := true
	for _, opening := range []bool{false, true} {
		cs = append(cs, planCase{name: fmt.Sprintf("queue ids opening=%v", opening), tickets: &domain.TicketFilter{ByOpening: opening, Open: &open}})
		for _, c := range cuts {
			cs = append(cs, planCase{name: fmt.Sprintf("queue role at %s opening=%v", c, opening),
				tickets: &domain.TicketFilter{ByOpening: opening, Open: &open, Role: domain.RoleInstaller, HeadCut: c}})
		}
	}
	return cs
}

// planLimit is the page size of the plans; the cursor is planAfter rows
// in, so that a page read by filtering from the list's start reads
// several times the page.
const planLimit, planAfter = 5, 24

// TestEveryListPageIsAnIndexRange, on both backends: the query that
// reads a page of every list order of every caller (the page of ids,
// for the orders read in two steps), after a cursor well into the list,
// is an index range. On PostgreSQL, with sorts and sequential scans
// disabled and run (EXPLAIN ANALYZE), the plan has no sort and no node
// reads more than twice the page (rows returned plus rows its filter
// removed): an order by an expression needs a sort, and a cursor that is
// not an index condition is a filter over every row before it. On
// SQLite the plan has no temporary B-tree (a sort), and its first table
// is searched by an index range on the cursor's key.
func TestEveryListPageIsAnIndexRange(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		planStudy(t, env)
		fault := func(plan string) string {
			if env.Backend == "postgres" {
				return pgPlanFault(t, plan)
			}
			return sqlitePlanFault(plan)
		}
		for _, c := range planCases() {
			check := fault
			if c.list != nil && c.list.Patients != nil {
				check = func(plan string) string { return askedPlanFault(t, env.Backend, plan, len(c.list.Patients)) }
			}
			if plan := casePlan(t, env, c); check(plan) != "" {
				t.Errorf("%s: %s", c.name, check(plan))
				t.Log(plan)
			}
		}
		// The check finds the fault out: a role's order at a cut no head
		// is stored at (exact) falls back to an expression over every row.
		for _, c := range []planCase{
			{name: "role at an exact time", list: &domain.ListFilter{Order: domain.OrderLastActivity, Role: domain.RoleMonitoring}},
			{name: "queue role at an exact time", tickets: &domain.TicketFilter{Role: domain.RoleInstaller}},
		} {
			if fault(casePlan(t, env, c)) == "" {
				t.Errorf("%s: the order by an expression was not found out", c.name)
			}
		}
	})
}

// askedPlanFault is what is wrong with the plan of a list filtered to
// asked patients, "" when nothing: no sort (no temporary B-tree), and
// every read bounded by the patients asked rather than the study. Either
// the asked rows are looked up by the primary key (in the id order, which
// is then the list's), or the list's index range after the cursor is
// read with the asked ids as a filter; on PostgreSQL no node reads more
// than twice the patients asked, on SQLite no table is scanned whole.
func askedPlanFault(t *testing.T, backend, plan string, asked int) string {
	if backend == "postgres" {
		var doc []struct{ Plan pgNode }
		if err := json.Unmarshal([]byte(plan), &doc); err != nil || len(doc) != 1 {
			t.Fatalf("plan %q: %v", plan, err)
		}
		var faults []string
		var walk func(n pgNode)
		walk = func(n pgNode) {
			if strings.Contains(n.Type, "Sort") {
				faults = append(faults, n.Type)
			}
			if read := (n.Rows + n.Removed) * n.Loops; strings.Contains(n.Type, "Scan") && read > float64(2*asked) {
				faults = append(faults, fmt.Sprintf("%s on %s reads %.0f rows", n.Type, n.Relation, read))
			}
			for _, c := range n.Plans {
				walk(c)
			}
		}
		walk(doc[0].Plan)
		return strings.Join(faults, "; ")
	}
	if strings.Contains(plan, "TEMP B-TREE") {
		return "a sort (temporary B-tree)"
	}
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "SCAN ") {
			return "a table is scanned: " + line
		}
	}
	if !strings.Contains(plan, "SEARCH ") {
		return "no table read"
	}
	return ""
}

// planStudy enrols 40 patients over days, answers some tickets and
// closes others, so that every order has distinct values.
func planStudy(t *testing.T, env *storetest.Env) {
	t.Helper()
	st := env.Study()
	for i := range 40 {
		p := must[domain.Patient](t)(st.Enrol(doctor(), storetest.Numbered(t, i)))
		env.Clock.Advance(7 * time.Hour)
		if i%3 == 0 {
			inst := must[domain.Installation](t)(st.InstallationOfPatient(doctor(), p.ID))
			tk := must[[]domain.Ticket](t)(st.Tickets(installer(), inst.ID))[0]
			must[domain.Message](t)(st.AddMessage(installer(), tk.ID, "visit planned"))
		}
	}
}

// casePlan reads the case's first planAfter rows, then the plan of the
// page after them.
func casePlan(t *testing.T, env *storetest.Env, c planCase) string {
	t.Helper()
	ctx := doctor()
	if c.tickets != nil {
		f := *c.tickets
		f.Limit = planAfter
		rows := must[[]domain.TicketEntry](t)(env.DB.TicketEntries(ctx, f))
		if len(rows) < planAfter {
			t.Fatalf("%s: %d rows", c.name, len(rows))
		}
		f.Limit, f.AfterKey = planLimit, rows[planAfter-1].Key
		return must[string](t)(env.DB.TicketPagePlan(ctx, f))
	}
	f := *c.list
	after := planAfter
	if f.Patients != nil {
		after = len(f.Patients) / 2
	}
	f.Limit = after
	rows := must[[]domain.ListEntry](t)(env.DB.ListEntries(ctx, f))
	if len(rows) < after {
		t.Fatalf("%s: %d rows", c.name, len(rows))
	}
	last := rows[after-1]
	f.Limit, f.AfterKey, f.After = planLimit, last.Key, &last
	if f.Role == "" {
		f.AfterKey = nil
	}
	return must[string](t)(env.DB.ListPagePlan(ctx, f))
}

// pgPlanFault is what is wrong with a PostgreSQL plan (EXPLAIN ANALYZE
// in JSON), "" when nothing.
func pgPlanFault(t *testing.T, plan string) string {
	var doc []struct{ Plan pgNode }
	if err := json.Unmarshal([]byte(plan), &doc); err != nil || len(doc) != 1 {
		t.Fatalf("plan %q: %v", plan, err)
	}
	var faults []string
	var walk func(n pgNode)
	walk = func(n pgNode) {
		if strings.Contains(n.Type, "Sort") {
			faults = append(faults, n.Type)
		}
		if read := (n.Rows + n.Removed) * n.Loops; strings.Contains(n.Type, "Scan") && read > 2*(planLimit+1) {
			faults = append(faults, fmt.Sprintf("%s on %s reads %.0f rows", n.Type, n.Relation, read))
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(doc[0].Plan)
	return strings.Join(faults, "; ")
}

// pgNode is a node of a PostgreSQL plan in JSON.
type pgNode struct {
	Type     string   `json:"Node Type"`
	Relation string   `json:"Relation Name"`
	Rows     float64  `json:"Actual Rows"`
	Loops    float64  `json:"Actual Loops"`
	Removed  float64  `json:"Rows Removed by Filter"`
	Plans    []pgNode `json:"Plans"`
}

// sqliteRange is a search of a table by an index range on a key: a
// comparison with the cursor's values (one or a row of several).
var sqliteRange = regexp.MustCompile(`SEARCH \w+ USING (COVERING )?(INDEX \w+|INTEGER PRIMARY KEY) \(.*[<>]\(?\?`)

// sqlitePlanFault is what is wrong with an SQLite plan (EXPLAIN QUERY
// PLAN's lines: id, parent, detail), "" when nothing.
func sqlitePlanFault(plan string) string {
	if strings.Contains(plan, "TEMP B-TREE") {
		return "a sort (temporary B-tree)"
	}
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "SCAN ") || strings.Contains(line, "SEARCH ") {
			if !sqliteRange.MatchString(line) {
				return "the first table is not read by an index range on the cursor"
			}
			return ""
		}
	}
	return "no table read"
}
