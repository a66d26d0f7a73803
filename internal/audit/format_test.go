package audit

import (
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"
)

// oldEntry is an entry as the version before list reads named their
// patients wrote it.
func oldEntry() Entry {
	return Entry{Time: time.Date(2026, 3, 2, 10, 0, 0, 123456000, time.UTC), ActorSubject: "local:dottore-rossi", ActorUsername: "dottore-rossi",
		Roles: []string{"dottore"}, Action: "patient.read", Operation: "get-patient", ResourceType: "patient", ResourceRef: "PAT-x", ResourceAudit: "PAT-x",
		Patient: "PAT-x", Outcome: "ok", Status: 200, RequestID: "r1", TraceID: "t1", ClientAddr: "127.0.0.1"}
}

// TestFormatV1IsTheOldEncoding: an entry stored as format 1 hashes
// exactly as entries did before format 2 existed. The expected hash was
// computed by that version's code (Link(41, 010203, oldEntry())).
func TestFormatV1IsTheOldEncoding(t *testing.T) {
	e := oldEntry()
	e.Seq, e.Format = 42, FormatV1
	const want = "fd218e510e3db22f52ee97dd8f7115a065894c6809543345fc77a25e88ce9874"
	if got := hex.EncodeToString(ComputeHash([]byte{1, 2, 3}, e)); got != want {
		t.Errorf("format 1 hash = %s, want %s (the old encoding changed: old entries would no longer verify)", got, want)
	}
}

// listEntry is a list read of three patients, linked after old.
func listEntry(old Entry) Entry {
	e := Entry{Time: old.Time.Add(time.Second), ActorUsername: "dottore-rossi", Action: "patient.list", Operation: "list-patients",
		ResourceType: "patients", Outcome: OutcomeOK, Status: 200, Patients: []string{"PAT-c", "PAT-a", "PAT-b", "PAT-a"}}
	Link(old.Seq, old.Hash, &e)
	return e
}

func TestLinkWritesTheCurrentFormatWithASortedSetOfPatients(t *testing.T) {
	e := listEntry(Entry{})
	if e.Format != FormatCurrent || !slices.Equal(e.Patients, []string{"PAT-a", "PAT-b", "PAT-c"}) {
		t.Errorf("linked: format %d, patients %v; want %d, [PAT-a PAT-b PAT-c]", e.Format, e.Patients, FormatCurrent)
	}
	// Stored rows come back in any order: the hash is the same.
	shuffled := e
	shuffled.Patients = []string{"PAT-c", "PAT-a", "PAT-b"}
	if string(ComputeHash(nil, shuffled)) != string(e.Hash) {
		t.Error("the order patients are read back in changes the hash")
	}
}

func TestEveryPatientOfAListIsCoveredByTheHash(t *testing.T) {
	e := listEntry(Entry{})
	edits := map[string][]string{
		"a patient removed":  {"PAT-a", "PAT-b"},
		"a patient added":    {"PAT-a", "PAT-b", "PAT-c", "PAT-d"},
		"a patient replaced": {"PAT-a", "PAT-b", "PAT-z"},
		"a patient repeated": {"PAT-a", "PAT-b", "PAT-c", "PAT-c"},
		"all removed":        nil,
	}
	for name, ps := range edits {
		c := e
		c.Patients = ps
		if string(ComputeHash(nil, c)) == string(e.Hash) {
			t.Errorf("%s keeps the hash", name)
		}
	}
	// Field boundaries hold between the patients too.
	a, b := e, e
	a.Patients, b.Patients = []string{"PAT-ab", "PAT-c", "X"}, []string{"PAT-a", "PAT-bc", "X"}
	if string(ComputeHash(nil, a)) == string(ComputeHash(nil, b)) {
		t.Error("patient boundaries are not part of the encoding")
	}
}

// TestAChainOfOldAndNewEntriesVerifies: format 1 entries followed by
// format 2 ones verify; relabelling an entry's format, giving an old
// entry patients or naming an unknown format is a problem at that entry.
func TestAChainOfOldAndNewEntriesVerifies(t *testing.T) {
	old := oldEntry()
	old.Seq, old.Format, old.PrevHash = 1, FormatV1, []byte{}
	old.Hash = ComputeHash(nil, old)
	list := listEntry(old)
	single := oldEntry()
	Link(list.Seq, list.Hash, &single)
	chain := []Entry{old, list, single}
	if err := verifyAll(chain); err != nil {
		t.Fatalf("verify = %v", err)
	}
	tampered := map[string]func([]Entry) int64{
		"new entry relabelled format 1": func(c []Entry) int64 { c[2].Format = FormatV1; return 3 },
		"old entry relabelled format 2": func(c []Entry) int64 { c[0].Format = FormatV2; return 1 },
		"old entry given a patient":     func(c []Entry) int64 { c[0].Patients = []string{"PAT-a"}; return 1 },
		"unknown format":                func(c []Entry) int64 { c[1].Format = 3; return 2 },
		"list entry lost a patient":     func(c []Entry) int64 { c[1].Patients = c[1].Patients[1:]; return 2 },
	}
	for name, edit := range tampered {
		c := slices.Clone(chain)
		at := edit(c)
		var p *Problem
		if err := verifyAll(c); !errors.As(err, &p) || p.Seq != at {
			t.Errorf("%s: verify = %v, want a problem at entry %d", name, err, at)
		}
	}
}

func verifyAll(entries []Entry) error {
	var v Verifier
	for _, e := range entries {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	last := entries[len(entries)-1]
	return v.Finish(last.Seq, last.Hash)
}
