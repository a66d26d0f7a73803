package api

import (
	"context"

	"serenade/internal/domain"
	"serenade/internal/view"
)

// The caller's viewers (internal/view), for the principal the
// authentication middleware put in the context.

func (a *API) viewer(ctx context.Context) view.Viewer {
	p, _ := domain.PrincipalFrom(ctx)
	return a.views.For(p)
}

func (a *API) viewerOf(ctx context.Context, patientID int64) (view.Viewer, error) {
	p, _ := domain.PrincipalFrom(ctx)
	return a.views.Of(ctx, p, patientID)
}
