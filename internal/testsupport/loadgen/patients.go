package loadgen

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"serenade/internal/codicefiscale"
)

// identity is the body of an enrolment and of a record replacement
// (PUT /patients/{patient}).
type identity struct {
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	CodiceFiscale  string `json:"codice_fiscale"`
	Address        string `json:"address"`
	DiagnosisClass string `json:"diagnosis_class"`
}

// people makes distinct, valid identities: the n-th person's surname
// and first name spell n in consonants (so the codice fiscale, built
// from them, differs for every n below 9261² × 480) and the birth date
// steps through 40 years. The counter starts at a random point so that
// workloads run again on the same database (a soak after a soak) do not
// enrol a codice fiscale twice.
type people struct{ next atomic.Uint64 }

func newPeople() *people {
	p := &people{}
	p.next.Store(rand.Uint64N(9261 * 9261 * 400))
	return p
}

var diagnosisClasses = []string{"mci", "alzheimer", "parkinson", "other"}

// person returns the next identity.
func (p *people) person() (identity, error) {
	n := p.next.Add(1)
	word := func(k uint64) string {
		const consonants = "BCDFGHJKLMNPQRSTVWXYZ"
		c := func(i uint64) byte { return consonants[i%21] }
		return string([]byte{c(k), 'a', c(k / 21), 'e', c(k / 441)})
	}
	surname, first, rest := word(n%9261), word(n/9261%9261), n/(9261*9261)%480
	birth := time.Date(1930+int(rest%40), time.Month(1+rest/40), 1+int(n%28), 0, 0, 0, 0, time.UTC)
	cf, err := codicefiscale.Build(surname, first, "F", birth, "F205")
	if err != nil {
		return identity{}, fmt.Errorf("codice fiscale of person %d: %w", n, err)
	}
	return identity{FirstName: first, LastName: surname, CodiceFiscale: cf,
		Address: fmt.Sprintf("Via Roma %d, Milano", 1+n%200), DiagnosisClass: diagnosisClasses[n%4]}, nil
}

// enrolled is the doctor's patients that the workload edits: those it
// enrolled, with the identity last sent, so an edit replaces the record
// with a valid one (a new address).
type enrolled struct {
	mu   sync.Mutex
	ids  []string
	body map[string]identity
	turn int
}

func (e *enrolled) add(id string, body identity) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.body == nil {
		e.body = map[string]identity{}
	}
	if _, ok := e.body[id]; !ok {
		e.ids = append(e.ids, id)
	}
	e.body[id] = body
}

// edit returns the next patient in turn and its identity with a new
// address; false when there is none yet.
func (e *enrolled) edit() (string, identity, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.ids) == 0 {
		return "", identity{}, false
	}
	e.turn++
	id := e.ids[e.turn%len(e.ids)]
	b := e.body[id]
	b.Address = fmt.Sprintf("Via Padova %d, Milano", 1+e.turn%300)
	e.body[id] = b
	return id, b, true
}
