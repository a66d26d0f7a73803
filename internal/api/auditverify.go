package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/audit"
	"serenade/internal/resource"
)

// AuditVerifier checks the stored hash chain (store.DB.VerifyAudit): the
// number of entries, and an *audit.Problem naming the first bad entry
// when the chain is broken.
type AuditVerifier interface {
	VerifyAudit(ctx context.Context) (int64, error)
}

// AuditVerification is the chain's state as `serenade audit verify`
// reports it, for the admin's audit page.
type AuditVerification struct {
	Intact    bool      `json:"intact" doc:"Whether every entry's hash and link checked out and the head matches the last entry."`
	Entries   int64     `json:"entries" doc:"Entries checked (in a broken chain: up to the first bad one)."`
	BrokenAt  int64     `json:"broken_at,omitempty" doc:"Sequence number of the first bad entry; absent when intact or when only the head is wrong."`
	Reason    string    `json:"reason,omitempty" doc:"What is wrong, when broken."`
	CheckedAt time.Time `json:"checked_at" doc:"When the check ran (UTC)."`
}

type auditVerificationOutput struct{ Body AuditVerification }

func (a *API) registerAuditVerification() {
	register(a, access.AuditVerify, huma.Operation{OperationID: "verify-audit", Method: http.MethodGet, Path: "/audit/verification", Tags: []string{"audit"},
		Summary: "Verify the audit trail's hash chain",
		Description: "Checks every entry of the chain in one snapshot, as `serenade audit verify` does, and says whether it is intact. " +
			"A broken chain is an answer (200, intact false, the first bad entry), not an error; the check reads the whole trail, so it takes time on a long one.",
		Metadata: map[string]any{metaResource: resource.Trail}},
		func(ctx context.Context, _ *struct{}) (*auditVerificationOutput, error) {
			n, err := a.deps.AuditLog.VerifyAudit(ctx)
			out := &auditVerificationOutput{Body: AuditVerification{Intact: err == nil, Entries: n, CheckedAt: a.deps.Now().UTC()}}
			var p *audit.Problem
			switch {
			case errors.As(err, &p):
				out.Body.BrokenAt, out.Body.Reason = p.Seq, p.Reason
			case err != nil:
				return nil, err
			}
			return out, nil
		})
}
