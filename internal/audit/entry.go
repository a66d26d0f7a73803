// Package audit is Serenade's tamper-evident audit trail (SPEC §6).
//
// Every entry is chained to the previous one by a SHA-256 hash over a
// canonical encoding, so deleting, editing, reordering or inserting a row
// anywhere breaks the chain from that row on (Verify names the first bad
// entry). Entries are written before the response is sent, in groups:
// concurrent requests' entries share one transaction (Writer), and each
// request waits until its entry is durable.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Outcomes of an audited request.
const (
	OutcomeOK     = "ok"     // served
	OutcomeDenied = "denied" // refused: 401, 403, 404, 429
	OutcomeFailed = "failed" // invalid input, conflict or server error
)

// Entry is one audited event.
type Entry struct {
	Seq           int64     // position in the chain, from 1
	Time          time.Time // UTC, microsecond precision (what both databases keep)
	ActorSubject  string
	ActorUsername string
	Roles         []string
	Action        string // access-matrix action, or auth.login
	Operation     string // API operation id
	ResourceType  string // patient, installation, ticket, document, contact, …
	ResourceRef   string // the resource's audit pseudonym, "unresolved" when the reference named nothing; never as typed
	ResourceAudit string // the resource as a server-side audit pseudonym, when it was found
	Patient       string // the patient concerned, as the server-side audit pseudonym; never identity
	Outcome       string
	Status        int
	RequestID     string
	TraceID       string
	ClientAddr    string
	// Patients is the set of patients a list read returned, as audit
	// pseudonyms (sorted, without repeats once linked): the entry is in
	// each one's access history. Empty for single-resource events.
	Patients []string
	// Format is the canonical encoding the hash covers (FormatV1 for
	// entries written before lists named their patients, FormatV2 since);
	// Link sets it.
	Format int
	// Listed is how many patients the entry names, stored beside it so
	// that queries report it without loading the set; Link sets it and
	// Verify checks it against Patients (which the hash covers).
	Listed   int
	PrevHash []byte
	Hash     []byte
}

// Filter selects entries; zero fields match everything.
type Filter struct {
	Actor    string // username
	Patient  string // audit pseudonym
	Action   string
	Outcome  string
	From, To time.Time // [From, To)
	After    int64     // keyset: entries with seq > After
	Limit    int       // at most domain.AuditPageMax+1; default domain.AuditPageDefault
}

// The canonical encodings an entry's hash may cover. Each stored entry
// records its format, so entries written before a format was added
// still verify under the one they were hashed with.
const (
	FormatV1      = 1 // the fields up to ClientAddr
	FormatV2      = 2 // FormatV1's fields, then the list read's patients
	FormatCurrent = FormatV2
)

// hashDomains separate this chain's hashes from any other use of
// SHA-256, and each format's from the other's: an entry cannot verify
// under a format it was not written in.
var hashDomains = map[int]string{FormatV1: "serenade-audit-v1", FormatV2: "serenade-audit-v2"}

// KnownFormat reports whether f is a format this version can verify.
func KnownFormat(f int) bool {
	_, ok := hashDomains[f]
	return ok
}

// Canonical is the byte string an entry's hash covers: every field but
// the hashes, in a fixed order, each as a big-endian uint32 length then
// its bytes. Numbers are decimal, the time is RFC 3339 in UTC with
// microseconds, roles are joined with ",". FormatV2 appends the number
// of patients (decimal, as one more field) and then each patient's
// pseudonym as a field, in sorted order. A change to any field, to the
// order of fields or to the set of patients changes the encoding. An
// entry not yet linked (Format 0) encodes as FormatV1.
func (e Entry) Canonical() []byte {
	fields := []string{
		strconv.FormatInt(e.Seq, 10),
		e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.ActorSubject, e.ActorUsername, strings.Join(e.Roles, ","),
		e.Action, e.Operation, e.ResourceType, e.ResourceRef, e.ResourceAudit, e.Patient,
		e.Outcome, strconv.Itoa(e.Status), e.RequestID, e.TraceID, e.ClientAddr,
	}
	if e.Format >= FormatV2 {
		ps := slices.Clone(e.Patients) // sorted, not deduplicated: a repeated row changes the hash
		slices.Sort(ps)
		fields = append(fields, strconv.Itoa(len(ps)))
		fields = append(fields, ps...)
	}
	var b bytes.Buffer
	for _, f := range fields {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(f)))
		b.WriteString(f)
	}
	return b.Bytes()
}

// NormalPatients is a set of patients as the trail stores and hashes
// it: sorted, without repeats or empty names (a fresh slice).
func NormalPatients(ps []string) []string {
	out := slices.DeleteFunc(slices.Clone(ps), func(p string) bool { return p == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// ComputeHash is SHA-256(domain ‖ prev ‖ canonical(e)), the domain
// naming e's format (serenade-audit-v1 for an unlinked entry).
func ComputeHash(prev []byte, e Entry) []byte {
	domain, ok := hashDomains[e.Format]
	if !ok {
		domain = hashDomains[FormatV1]
	}
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write(prev)
	h.Write(e.Canonical())
	return h.Sum(nil)
}

// Link places e after the entry (prevSeq, prevHash) in the current
// format: it sets Seq, Format, PrevHash and Hash, and normalises Patients. The first entry follows (0, nil).
func Link(prevSeq int64, prevHash []byte, e *Entry) {
	e.Seq = prevSeq + 1
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Format = FormatCurrent
	e.Patients = NormalPatients(e.Patients)
	e.Listed = len(e.Patients)
	e.PrevHash = append([]byte{}, prevHash...) // never nil: the column is NOT NULL
	e.Hash = ComputeHash(prevHash, *e)
}
