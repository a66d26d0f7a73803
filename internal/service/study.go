// Package service is Serenade's service layer: the study's workflows
// (SPEC §3) with their business rules, between the transports (the REST
// API, the web UI, later sensor ingestion and workers) and the storage.
// Input is cleaned and checked here, ticket rules decide here what a
// workflow writes, uploaded content is identified here, and the master key
// rotation a withdrawal requires is started here. The store only runs SQL
// in transactions: each workflow hands it a plan (store.UpdateHome) or
// cleaned values, and its unique indexes are the backstop.
package service

import (
	"context"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/store"
)

// Study implements domain.Study over a store.
type Study struct {
	db *store.DB
}

var _ domain.Study = (*Study)(nil)

// New returns the study service over db; the service judges dates by the
// store's clock, so that what it checks is what the store records.
func New(db *store.DB) *Study { return &Study{db: db} }

// writtenBlind reports whether what the caller writes is written blind:
// the caller is a user whose roles do not see identity. Without a
// principal the writer is the system, whose text is redacted.
func writtenBlind(ctx context.Context) bool {
	p, ok := domain.PrincipalFrom(ctx)
	return ok && !access.SeesIdentity(p.Roles)
}

// blindSender is writtenBlind for a message by sender: the system's own
// messages never are.
func blindSender(ctx context.Context, sender string) bool {
	return sender != domain.SystemSender && writtenBlind(ctx)
}
