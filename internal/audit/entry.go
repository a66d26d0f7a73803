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
	PrevHash      []byte
	Hash          []byte
}

// Filter selects entries; zero fields match everything.
type Filter struct {
	Actor    string // username
	Patient  string // audit pseudonym
	Action   string
	Outcome  string
	From, To time.Time // [From, To)
	After    int64     // keyset cursor: entries with seq > After
	Limit    int       // at most 1000; default 100
}

// hashDomain separates this chain's hashes from any other use of SHA-256.
const hashDomain = "serenade-audit-v1"

// Canonical is the byte string an entry's hash covers: every field but
// the hashes, in a fixed order, each as a big-endian uint32 length then
// its bytes. Numbers are decimal, the time is RFC 3339 in UTC with
// microseconds, roles are joined with ",". A change to any field, or to
// the order of fields, changes the encoding.
func (e Entry) Canonical() []byte {
	fields := []string{
		strconv.FormatInt(e.Seq, 10),
		e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.ActorSubject, e.ActorUsername, strings.Join(e.Roles, ","),
		e.Action, e.Operation, e.ResourceType, e.ResourceRef, e.ResourceAudit, e.Patient,
		e.Outcome, strconv.Itoa(e.Status), e.RequestID, e.TraceID, e.ClientAddr,
	}
	var b bytes.Buffer
	for _, f := range fields {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(f)))
		b.WriteString(f)
	}
	return b.Bytes()
}

// ComputeHash is SHA-256(domain ‖ prev ‖ canonical(e)).
func ComputeHash(prev []byte, e Entry) []byte {
	h := sha256.New()
	h.Write([]byte(hashDomain))
	h.Write(prev)
	h.Write(e.Canonical())
	return h.Sum(nil)
}

// Link places e after the entry (prevSeq, prevHash): it sets Seq,
// PrevHash and Hash. The first entry follows (0, nil).
func Link(prevSeq int64, prevHash []byte, e *Entry) {
	e.Seq = prevSeq + 1
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.PrevHash = append([]byte{}, prevHash...) // never nil: the column is NOT NULL
	e.Hash = ComputeHash(prevHash, *e)
}
