package resource

import "testing"

// TestTheTableIsConsistent: names, codes and tables are unique (add
// refuses clashes, TestClashingRowsAreRefused), every kind is found by
// its name, and every lineage ends at the
// patient, which is what the audit trail's patient lookup joins.
func TestTheTableIsConsistent(t *testing.T) {
	all := All()
	if len(all) != 7 {
		t.Errorf("%d kinds: %v", len(all), all)
	}
	for _, k := range all {
		if got, ok := ByName(k.Name); !ok || got != k {
			t.Errorf("ByName(%q) = %v, %v", k.Name, got, ok)
		}
		chain := k.Lineage()
		if chain[0] != k || chain[len(chain)-1] != Patient {
			t.Errorf("%s: lineage %v does not run from it to the patient", k.Name, chain)
		}
		if k.Type() != Type(k.Name) || k.Collection() != Type(k.Table) {
			t.Errorf("%s: types %q, %q", k.Name, k.Type(), k.Collection())
		}
	}
	if _, ok := ByName("reading"); ok {
		t.Error("an unknown name is a kind")
	}
}

// TestLineagesOfTheTable pins the joins of each kind.
func TestLineagesOfTheTable(t *testing.T) {
	want := map[Kind][]Kind{
		Patient:      {Patient},
		Installation: {Installation, Patient},
		Ticket:       {Ticket, Installation, Patient},
		Document:     {Document, Installation, Patient},
		Contact:      {Contact, Patient},
		IngestToken:  {IngestToken, Installation, Patient},
		Stream:       {Stream, Installation, Patient},
	}
	for k, w := range want {
		got := k.Lineage()
		if len(got) != len(w) {
			t.Errorf("%s: %v, want %v", k.Name, got, w)
			continue
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("%s: %v, want %v", k.Name, got, w)
			}
		}
	}
}

// TestClashingRowsAreRefused: a second row with a used name, code or
// table panics when the program starts.
func TestClashingRowsAreRefused(t *testing.T) {
	for _, k := range []Kind{
		{Name: "patient", Code: 'X', Table: "xs"},
		{Name: "reading", Code: 'P', Table: "readings"},
		{Name: "reading", Code: 'R', Table: "tickets"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v was added", k)
				}
			}()
			add(k)
		}()
	}
	if len(All()) != 7 {
		t.Errorf("a refused row stayed: %v", All())
	}
}

// TestALineageWithoutRootPanics: a kind whose parent is not in the table
// is caught rather than followed for ever.
func TestALineageWithoutRootPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Kind{Name: "orphan", Parent: "nowhere"}.Lineage()
}
