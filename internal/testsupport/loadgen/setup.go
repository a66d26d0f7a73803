package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"

	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// seedPatients is how many patients New enrols for the edits to start on.
const seedPatients = 4

// New logs in the three accounts at base (e.g. http://127.0.0.1:8080),
// finds what they act on and prepares the operations at rates (requests
// per second by operation name; an absent or zero rate leaves it out).
// It writes to the study: it enrols seedPatients patients, and posts one
// message and one document to each ticket and installation it tries, to
// keep those that take them. It fails when an operation with a rate has
// nothing to act on (no open ticket, no installation taking documents,
// no sensor stream: send readings first, with `serenade simulate`).
func New(ctx context.Context, base string, accounts Accounts, rates map[string]float64) (*Workload, error) {
	doctor, err := newSession(ctx, base, accounts.Doctor)
	if err != nil {
		return nil, err
	}
	installer, err := newSession(ctx, base, accounts.Installer)
	if err != nil {
		return nil, err
	}
	researcher, err := newSession(ctx, base, accounts.Researcher)
	if err != nil {
		return nil, err
	}
	w := &Workload{}
	build := []func() (*op, error){
		func() (*op, error) { return enrolOps(ctx, doctor, rates, w) },
		func() (*op, error) { return replyOp(ctx, installer, rates[OpReply]) },
		func() (*op, error) { return uploadOp(ctx, installer, rates[OpUpload]) },
		func() (*op, error) { return screeningOp(researcher, rates[OpScreening]), nil },
		func() (*op, error) { return streamOp(ctx, researcher, rates[OpStream]) },
	}
	for _, b := range build {
		o, err := b()
		if err != nil {
			return nil, err
		}
		w.ops = append(w.ops, o)
	}
	return w, nil
}

// enrolOps adds the enrolment to w and returns the edit, which works on
// the patients the enrolments create.
func enrolOps(ctx context.Context, doctor *session, rates map[string]float64, w *Workload) (*op, error) {
	people, mine := newPeople(), &enrolled{}
	for range seedPatients {
		p, err := people.person()
		if err != nil {
			return nil, err
		}
		var created struct {
			ID string `json:"id"`
		}
		if err := doctor.call(ctx, http.MethodPost, "/api/v1/patients", p, &created, http.StatusCreated); err != nil {
			return nil, fmt.Errorf("enrolling the workload's first patients: %w", err)
		}
		mine.add(created.ID, p)
	}
	var sent sync.Map // request URL+seq is not known to the targeter: match by codice fiscale
	enrol := &op{name: OpEnrol, rate: rates[OpEnrol],
		target: func(ctx context.Context, t *vegeta.Target) error {
			p, err := people.person()
			if err != nil {
				return err
			}
			b, _ := json.Marshal(p)
			sent.Store(p.CodiceFiscale, p)
			return request(ctx, doctor, t, http.MethodPost, "/api/v1/patients", b, "application/json")
		},
		seen: func(r *vegeta.Result) {
			var created struct {
				ID            string `json:"id"`
				CodiceFiscale string `json:"codice_fiscale"`
			}
			if r.Code != http.StatusCreated || json.Unmarshal(r.Body, &created) != nil {
				return
			}
			if p, ok := sent.LoadAndDelete(created.CodiceFiscale); ok {
				mine.add(created.ID, p.(identity))
			}
		}}
	w.ops = append(w.ops, enrol)
	return &op{name: OpEdit, rate: rates[OpEdit], target: func(ctx context.Context, t *vegeta.Target) error {
		id, p, ok := mine.edit()
		if !ok {
			return errors.New("no patient to edit")
		}
		b, _ := json.Marshal(p)
		return request(ctx, doctor, t, http.MethodPut, "/api/v1/patients/"+url.PathEscape(id), b, "application/json")
	}}, nil
}

// replyOp replies in turn to the open tickets of the installer's queue
// that take a message.
func replyOp(ctx context.Context, installer *session, rate float64) (*op, error) {
	if rate <= 0 {
		return &op{name: OpReply}, nil
	}
	queue, err := installer.ids(ctx, "/api/v1/tickets", "tickets")
	if err != nil {
		return nil, err
	}
	var open []string
	for _, t := range queue {
		path := "/api/v1/tickets/" + url.PathEscape(t) + "/messages"
		if installer.call(ctx, http.MethodPost, path, map[string]string{"body": "Visit planned, I will confirm by phone."}, nil, http.StatusCreated) == nil {
			open = append(open, path)
		}
	}
	if len(open) == 0 {
		return nil, errors.New("the installer has no open ticket that takes a message")
	}
	var turn atomic.Uint64
	return &op{name: OpReply, rate: rate, target: func(ctx context.Context, t *vegeta.Target) error {
		n := turn.Add(1)
		b, _ := json.Marshal(map[string]string{"body": fmt.Sprintf("Called the family (%d), visit confirmed.", n)})
		return request(ctx, installer, t, http.MethodPost, open[n%uint64(len(open))], b, "application/json")
	}}, nil
}

// uploadOp uploads a small PDF in turn to the installations that take
// documents.
func uploadOp(ctx context.Context, installer *session, rate float64) (*op, error) {
	if rate <= 0 {
		return &op{name: OpUpload}, nil
	}
	insts, err := installer.ids(ctx, "/api/v1/installations", "installations")
	if err != nil {
		return nil, err
	}
	var open []string
	for _, i := range insts {
		path := "/api/v1/installations/" + url.PathEscape(i) + "/documents"
		body, ct := pdfForm(0)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, installer.base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", ct)
		if installer.authorised(ctx, req, http.StatusCreated, nil) == nil {
			open = append(open, path)
		}
	}
	if len(open) == 0 {
		return nil, errors.New("no installation takes the installer's documents")
	}
	var turn atomic.Uint64
	return &op{name: OpUpload, rate: rate, target: func(ctx context.Context, t *vegeta.Target) error {
		n := turn.Add(1)
		body, ct := pdfForm(n)
		return request(ctx, installer, t, http.MethodPost, open[n%uint64(len(open))], body, ct)
	}}, nil
}

// pdfForm is a multipart form with one small PDF, verbale-n.pdf.
func pdfForm(n uint64) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", fmt.Sprintf("verbale-%d.pdf", n))
	_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"))
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func screeningOp(researcher *session, rate float64) *op {
	return &op{name: OpScreening, rate: rate, target: func(ctx context.Context, t *vegeta.Target) error {
		return request(ctx, researcher, t, http.MethodGet, "/api/v1/screening", nil, "")
	}}
}

// streamOp reads in turn the last 7 days of the streams the researcher
// sees (downsampled to at most 1,000 points).
func streamOp(ctx context.Context, researcher *session, rate float64) (*op, error) {
	if rate <= 0 {
		return &op{name: OpStream}, nil
	}
	insts, err := researcher.ids(ctx, "/api/v1/installations", "installations")
	if err != nil {
		return nil, err
	}
	var streams []string
	for _, i := range insts {
		s, err := researcher.ids(ctx, "/api/v1/installations/"+url.PathEscape(i)+"/streams", "streams")
		if err != nil {
			return nil, err
		}
		streams = append(streams, s...)
	}
	if len(streams) == 0 {
		return nil, errors.New("the researcher sees no sensor stream: send readings first (serenade simulate)")
	}
	var turn atomic.Uint64
	return &op{name: OpStream, rate: rate, target: func(ctx context.Context, t *vegeta.Target) error {
		n := turn.Add(1)
		to := time.Now().UTC().Truncate(time.Minute)
		q := url.Values{"from": {to.Add(-7 * 24 * time.Hour).Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
		path := "/api/v1/streams/" + url.PathEscape(streams[n%uint64(len(streams))]) + "/readings?" + q.Encode()
		return request(ctx, researcher, t, http.MethodGet, path, nil, "")
	}}, nil
}
