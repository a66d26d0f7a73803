package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
)

// IngestTokenView is an ingest token as installers and monitoring manage
// it: never the token or its public id (the token is shown once, to the
// one who provisioned it: a public id shown to both roles would join
// their outputs). Times are shown at the precision of record times.
type IngestTokenView struct {
	ID           string     `json:"id" doc:"The caller's reference of the token, to revoke it."`
	Installation string     `json:"installation"`
	CreatedAt    time.Time  `json:"created_at" doc:"When it was provisioned (to the caller's precision)."`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty" doc:"When a gateway last wrote with it (recorded at most once a minute; to the caller's precision)."`
	Revoked      bool       `json:"revoked"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty" doc:"When it was revoked (to the caller's precision)."`
}

// ProvisionedTokenView is a new token: the only answer that holds it.
type ProvisionedTokenView struct {
	IngestTokenView
	Token string `json:"token" doc:"The ingest token (srn_<public id>_<secret>, 256 random bits of secret): shown this once, stored only as a hash. Send it as Authorization: Bearer to /ingest/v1/readings."`
}

// IngestToken is the viewer's view of a token.
func (v Viewer) IngestToken(t domain.IngestToken) IngestTokenView {
	return IngestTokenView{
		ID: v.Ref(resource.IngestToken, t.ID), Installation: v.Ref(resource.Installation, t.InstallationID),
		CreatedAt: v.At(access.RecordTimes, t.CreatedAt), LastUsedAt: v.AtPtr(access.RecordTimes, t.LastUsedAt),
		Revoked: t.Revoked(), RevokedAt: v.AtPtr(access.RecordTimes, t.RevokedAt),
	}
}

// OrderIngestTokens sorts rows as the viewer may see them ordered.
func (v Viewer) OrderIngestTokens(xs []IngestTokenView) {
	orderFor(v, xs, func(x IngestTokenView) []string { return []string{shownTime(x.CreatedAt), x.ID} })
}
