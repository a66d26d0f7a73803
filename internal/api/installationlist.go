package api

import (
	"context"

	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/view"
)

// installationListInput is the installations list: sort, status filter
// and paging.
type installationListInput struct {
	Sort   string                    `query:"sort" enum:"nickname,date_join,-date_join,last_activity,status," doc:"Order; by nickname for roles without ids, by id for doctors, when empty. last_activity is newest first."`
	Status domain.InstallationStatus `query:"status" enum:"to_install,working,maintenance,uninstalling,inactive,unknown," doc:"Only installations with this status."`
	PageQuery
}

func (a *API) listInstallations(ctx context.Context, in *installationListInput) (*installationListOutput, error) {
	v := a.viewer(ctx)
	if err := checkSort(v, in.Sort); err != nil {
		return nil, err
	}
	pos := page.Position{List: "installations", Sort: in.Sort, Filter: filterKey(string(in.Status))}
	rows, next, err := a.entryPage(ctx, v, pos, in.PageQuery, domain.ListFilter{Status: in.Status, Installed: true, ByInstallation: true})
	if err != nil {
		return nil, err
	}
	p, _ := domain.PrincipalFrom(ctx)
	if v, err = a.views.ForList(ctx, p, versions(rows)); err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	byID := make(map[int64]domain.ListEntry, len(rows))
	for i, e := range rows {
		ids[i], byID[e.InstallationID] = e.InstallationID, e
	}
	insts, err := a.deps.Study.InstallationsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := a.loadForRedaction(ctx, &v, rows); err != nil {
		return nil, err
	}
	health, err := a.healthSummaries(ctx)
	if err != nil {
		return nil, err
	}
	out := &installationListOutput{}
	out.Body.Installations, out.Body.Next = make([]view.InstallationView, len(insts)), next
	for i, inst := range insts {
		out.Body.Installations[i] = v.ListedInstallation(inst, byID[inst.ID])
		if health != nil {
			s, last := health(inst)
			v.HealthSummary(&out.Body.Installations[i], s, last)
		}
		out.patients = append(out.patients, inst.PatientID)
	}
	return out, nil
}

// loadForRedaction opens the page's patients for a viewer that redacts
// free text about them (view.Viewer.Load); nothing for other callers.
func (a *API) loadForRedaction(ctx context.Context, v *view.Viewer, rows []domain.ListEntry) error {
	if !v.Redacts() {
		return nil
	}
	ps, err := a.deps.Study.PatientsByID(ctx, patientIDs(rows))
	if err != nil {
		return err
	}
	v.Load(ps)
	return nil
}
