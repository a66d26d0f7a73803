package audit

import (
	"bytes"
	"fmt"
)

// Problem describes the first entry where the chain breaks.
type Problem struct {
	Seq    int64 // the stored sequence number of the bad entry (0: the chain's end)
	Reason string
}

func (p *Problem) Error() string {
	if p.Seq == 0 {
		return "audit chain broken: " + p.Reason
	}
	return fmt.Sprintf("audit chain broken at entry %d: %s", p.Seq, p.Reason)
}

// Verifier checks entries fed in stored order.
type Verifier struct {
	n        int64
	prevHash []byte
}

// Next checks one entry; the first error is the first bad entry.
func (v *Verifier) Next(e Entry) error {
	want := v.n + 1
	switch {
	case e.Seq != want:
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf("sequence %d where %d was expected (an entry was deleted, inserted or reordered)", e.Seq, want)}
	case !KnownFormat(e.Format):
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf("unknown format %d (the entry was edited, or written by a newer version)", e.Format)}
	case e.Format < FormatV2 && len(e.Patients) > 0:
		return &Problem{Seq: e.Seq, Reason: "an entry of a format without patients names patients (rows were added)"}
	case e.Listed != len(e.Patients):
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf("the entry says it lists %d patients but %d are stored (rows were added or deleted)", e.Listed, len(e.Patients))}
	case !bytes.Equal(e.PrevHash, v.prevHash):
		return &Problem{Seq: e.Seq, Reason: "does not link to the previous entry"}
	case !bytes.Equal(e.Hash, ComputeHash(v.prevHash, e)):
		return &Problem{Seq: e.Seq, Reason: "content does not match its hash (the entry was edited)"}
	}
	v.n, v.prevHash = e.Seq, e.Hash
	return nil
}

// Finish checks the chain ends where the stored head says it does, which
// detects entries deleted from the end.
func (v *Verifier) Finish(headSeq int64, headHash []byte) error {
	if headSeq != v.n || !bytes.Equal(headHash, v.prevHash) {
		return &Problem{Reason: fmt.Sprintf("the chain ends at entry %d but the head records entry %d (entries were removed from the end, or the head was edited)", v.n, headSeq)}
	}
	return nil
}

// Count is the number of entries verified.
func (v *Verifier) Count() int64 { return v.n }
