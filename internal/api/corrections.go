package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/view"
)

type correctCollectionInput struct {
	InstallationRef
	Body struct {
		CollectionStart *time.Time `json:"collection_start,omitempty" doc:"The corrected start; required when the installation has one, refused when it has none (the tickets set it)."`
		CollectionEnd   *time.Time `json:"collection_end,omitempty" doc:"The corrected end; required when the installation has one, refused when it has none."`
		Reason          string     `json:"reason" doc:"Why the dates change: free text like a ticket message (it may name the patient: it is stored encrypted and redacted for roles without identity, unless one of them wrote it)."`
	}
}

type correctionListOutput struct {
	Body struct {
		Corrections []view.CorrectionView `json:"corrections"`
	}
}

func (a *API) registerCorrections(tags []string) {
	register(a, access.InstallationCorrectDates, huma.Operation{OperationID: "correct-collection-dates", Method: http.MethodPut,
		Path: "/installations/{installation}/collection-dates", Tags: tags,
		Summary: "Correct the data-collection dates, with a reason", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Description: "The dates the installation has are sent corrected (a date it does not have yet is refused: tickets set them). " +
			"Start from 2000-01-01 to tomorrow (UTC); end not before start, at most a full collection after it, and not after tomorrow " +
			"once collection has ended. The rules apply to the dates as the caller is shown them, so the answer never depends on what it is not shown; " +
			"a date sent back exactly as shown keeps the stored one when the rules hold with it, else it is stored as sent. " +
			"A withdrawn patient's dates are not corrected (409). The correction, with the dates before and " +
			"the reason, is kept in the installation's history."},
		a.correctCollection)
	register(a, access.InstallationCorrectionsRead, huma.Operation{OperationID: "list-collection-corrections", Method: http.MethodGet,
		Path: "/installations/{installation}/collection-dates/corrections", Tags: tags,
		Summary: "The installation's history of collection-date corrections", Errors: []int{http.StatusNotFound},
		Description: "Oldest first, with who corrected which dates and why (the reason redacted like a ticket message for roles without identity, unless one of them wrote it). " +
			"Researchers read the dates in force on the installation, not this history: its length and authors would join their export to the field teams'."},
		a.listCorrections)
}

func (a *API) correctCollection(ctx context.Context, in *correctCollectionInput) (*installationOutput, error) {
	v := a.viewer(ctx)
	shown := func(t time.Time) time.Time { return v.At(access.CollectionTimes, t) }
	inst, err := a.deps.Study.CorrectCollection(ctx, in.id, in.Body.CollectionStart, in.Body.CollectionEnd, in.Body.Reason, shown)
	if err != nil {
		return nil, err
	}
	return a.installationOutput(ctx, inst)
}

func (a *API) listCorrections(ctx context.Context, in *InstallationRef) (*correctionListOutput, error) {
	cs, err := a.deps.Study.CollectionCorrections(ctx, in.id)
	if err != nil {
		return nil, err
	}
	out := &correctionListOutput{}
	out.Body.Corrections = make([]view.CorrectionView, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	v, err := a.viewerOf(ctx, cs[0].PatientID) // one installation: one patient
	if err != nil {
		return nil, err
	}
	for i, c := range cs {
		out.Body.Corrections[i] = v.Correction(c)
	}
	return out, nil
}
