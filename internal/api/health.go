package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/service"
	"serenade/internal/view"
)

// DeviceHealth reads device health (service.Health).
type DeviceHealth interface {
	Installation(ctx context.Context, installationID int64, q service.HealthQuery) (service.InstallationHealth, error)
	Summaries(ctx context.Context) (func(domain.Installation) (domain.HealthSummary, *time.Time), error)
	Summary(ctx context.Context, inst domain.Installation) (domain.HealthSummary, *time.Time, error)
	// Now is the time health is judged at (the store's clock).
	Now() time.Time
}

// Defaults of the health route.
const (
	defaultHealthWindow = 24 * time.Hour
	defaultHealthDays   = 7
)

type healthInput struct {
	InstallationRef
	From time.Time `query:"from" doc:"Start of the window gaps are looked for in (RFC 3339; default: 24 hours before to)."`
	To   time.Time `query:"to" doc:"End of the window, exclusive (RFC 3339; default: now). The window spans at most 7 days."`
	Days int       `query:"days" default:"7" minimum:"1" maximum:"31" doc:"How many UTC days of completeness, ending with to's day."`
}

type healthOutput struct{ Body view.InstallationHealthView }

func (a *API) registerHealth() {
	if a.deps.Health == nil {
		return
	}
	register(a, access.DeviceHealthRead, huma.Operation{OperationID: "get-installation-health", Method: http.MethodGet,
		Path: "/installations/{installation}/health", Tags: []string{"device health"},
		Summary: "Read an installation's device health", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Description: "Each stream's latest reading and silence by the silence rule, its gaps within [from, to) and its completeness " +
			"per UTC day. Installers are shown times to the hour, completeness to the 10 % and a day's activity without its count."},
		a.getHealth)
}

func (a *API) getHealth(ctx context.Context, in *healthInput) (*healthOutput, error) {
	to := in.To
	if to.IsZero() {
		to = a.deps.Health.Now()
	}
	from := in.From
	if from.IsZero() {
		from = to.Add(-defaultHealthWindow)
	}
	if in.Days == 0 {
		in.Days = defaultHealthDays
	}
	switch {
	case !to.After(from):
		return nil, huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "query.from", Message: "must be before to"})
	case to.Sub(from) > service.MaxHealthWindow:
		return nil, huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "query.from", Message: "the window [from, to) may span at most 7 days"})
	}
	h, err := a.deps.Health.Installation(ctx, in.id, service.HealthQuery{From: from, To: to, Days: in.Days})
	if err != nil {
		return nil, err
	}
	v, err := a.viewerOf(ctx, h.Installation.PatientID)
	if err != nil {
		return nil, err
	}
	return &healthOutput{Body: v.InstallationHealth(h, from, to)}, nil
}

// showsHealth reports whether the caller is shown the installations'
// health summaries (device-health.read).
func (a *API) showsHealth(ctx context.Context) bool {
	p, ok := domain.PrincipalFrom(ctx)
	return a.deps.Health != nil && ok && access.Allows(p.Roles, access.DeviceHealthRead)
}
