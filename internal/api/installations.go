package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/view"
)

// InstallationRef is the {installation} path parameter (exported: see PatientRef).
type InstallationRef struct {
	Installation string `path:"installation" doc:"Installation id (doctors) or the caller's pseudonym of the installation."`
	id           int64  // resolved before the handler runs (refs.go)
}

type installationOutput struct{ Body view.InstallationView }

type installationListOutput struct {
	listed
	Body struct {
		Installations []view.InstallationView `json:"installations"`
		Next          string                  `json:"next,omitempty" doc:"Pass as cursor= for the next page; absent on the last page."`
	}
}

type updateInstallationInput struct {
	InstallationRef
	Body view.HomeContext
}

func (a *API) registerInstallations() {
	tags := []string{"installations"}
	register(a, access.InstallationRead, huma.Operation{OperationID: "list-installations", Method: http.MethodGet, Path: "/installations", Tags: tags,
		Summary: "List installations with their derived status, enrolment date and last activity, paged", Errors: []int{http.StatusUnprocessableEntity},
		Description: "Keyset pages (limit, cursor). Roles without ids get them by nickname (then their own pseudonym) unless sort says " +
			"otherwise; doctors by id. Dates and times sort as the caller is shown them (cut to its precision).",
		Metadata: map[string]any{metaResource: resource.Installation.Collection()}}, a.listInstallations)
	register(a, access.InstallationRead, huma.Operation{OperationID: "get-installation", Method: http.MethodGet, Path: "/installations/{installation}", Tags: tags,
		Summary: "Read an installation", Errors: []int{http.StatusNotFound}}, a.getInstallation)
	register(a, access.InstallationWrite, huma.Operation{OperationID: "update-installation", Method: http.MethodPut, Path: "/installations/{installation}", Tags: tags,
		Summary: "Update the home context of an installation", Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		Description: "The whole context is sent; only the fields that differ from what the caller was shown are written (a field sent " +
			"back as shown, redacted or not, keeps the stored text and its author)."},
		a.updateInstallation)
	a.registerCorrections(tags)
}

func (a *API) getInstallation(ctx context.Context, in *InstallationRef) (*installationOutput, error) {
	inst, err := a.deps.Study.Installation(ctx, in.id)
	if err != nil {
		return nil, err
	}
	return a.installationOutput(ctx, inst)
}

func (a *API) updateInstallation(ctx context.Context, in *updateInstallationInput) (*installationOutput, error) {
	id := in.InstallationRef.id
	current, err := a.deps.Study.Installation(ctx, id)
	if err != nil {
		return nil, err
	}
	v, err := a.viewerOf(ctx, current.PatientID)
	if err != nil {
		return nil, err
	}
	// A caller who does not see identity was shown the context redacted;
	// what it sends back unchanged must not overwrite the stored text.
	inst, err := a.deps.Study.UpdateHomeContext(ctx, id, domain.HomeContext(in.Body), v.Shown(current.PatientID))
	if err != nil {
		return nil, err
	}
	return a.withHealth(ctx, v, inst)
}

func (a *API) installationOutput(ctx context.Context, inst domain.Installation) (*installationOutput, error) {
	v, err := a.viewerOf(ctx, inst.PatientID)
	if err != nil {
		return nil, err
	}
	return a.withHealth(ctx, v, inst)
}

// withHealth is the installation's view as lists show it (with the
// patient's enrolment date and the installation's last activity, read
// from the same list entry, at the caller's precision), with its health
// summary for a caller shown health.
func (a *API) withHealth(ctx context.Context, v view.Viewer, inst domain.Installation) (*installationOutput, error) {
	entries, err := a.deps.Study.ListEntries(ctx, domain.ListFilter{Patient: inst.PatientID, Installed: true, ByInstallation: true})
	if err != nil {
		return nil, err
	}
	out := &installationOutput{Body: v.Installation(inst)}
	if len(entries) == 1 {
		out.Body = v.ListedInstallation(inst, entries[0])
	}
	if a.showsHealth(ctx) {
		s, last, err := a.deps.Health.Summary(ctx, inst)
		if err != nil {
			return nil, err
		}
		v.HealthSummary(&out.Body, s, last)
	}
	return out, nil
}

// healthSummaries is the installations' health for the caller, or nil
// when it is not shown any.
func (a *API) healthSummaries(ctx context.Context) (func(domain.Installation) (domain.HealthSummary, *time.Time), error) {
	if !a.showsHealth(ctx) {
		return nil, nil
	}
	return a.deps.Health.Summaries(ctx)
}
