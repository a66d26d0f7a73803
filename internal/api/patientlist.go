package api

import (
	"context"
	"strconv"

	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/resource"
	"serenade/internal/textfold"
	"serenade/internal/view"
)

// patientListInput is the doctors' patient list: sort, filters, search
// and paging.
type patientListInput struct {
	Sort           string                    `query:"sort" enum:"date_join,-date_join,last_activity,status,last_name," doc:"Order; id (enrolment order) when empty. Each order ends with the id."`
	Status         domain.InstallationStatus `query:"status" enum:"to_install,working,maintenance,uninstalling,inactive,unknown," doc:"Only patients whose installation has this status."`
	DiagnosisClass domain.DiagnosisClass     `query:"diagnosis_class" enum:"mci,alzheimer,parkinson,lewy-body,vascular,ftd,other,unspecified," doc:"Only patients of this diagnosis class (through the blind index)."`
	Q              string                    `query:"q" doc:"Search: a codice fiscale, or words of the first or last name."`
	PageQuery
}

func (a *API) listPatients(ctx context.Context, in *patientListInput) (*patientListOutput, error) {
	v := a.viewer(ctx)
	pos := page.Position{List: "patients", Sort: in.Sort, Filter: filterKey(string(in.Status), string(in.DiagnosisClass), in.Q)}
	after, err := a.openCursor(ctx, pos, in.PageQuery)
	if err != nil {
		return nil, err
	}
	entries, err := a.patientEntries(ctx, in, after)
	if err != nil {
		return nil, err
	}
	key := func(e domain.ListEntry) page.Key { return v.EntryKey(in.Sort, resource.Patient, e) }
	var loaded map[int64]domain.Patient
	if in.Sort == view.SortLastName {
		if loaded, err = a.byName(ctx, entries); err != nil {
			return nil, err
		}
		key = func(e domain.ListEntry) page.Key {
			p := loaded[e.PatientID]
			return page.Key{textfold.Fold(p.Identity.LastName), textfold.Fold(p.Identity.FirstName), page.Int(e.PatientID)}
		}
	}
	rows, next := pageAfter(a, ctx, pos, in.PageQuery, entries, key, after)
	if !needsActivity(in.Sort, in.Status) {
		if err := a.deps.Study.Activity(ctx, rows); err != nil {
			return nil, err
		}
	}
	if loaded == nil {
		if loaded, err = a.patientsByID(ctx, patientIDs(rows)); err != nil {
			return nil, err
		}
	}
	out := &patientListOutput{}
	out.Body.Patients, out.Body.Next = make([]view.PatientSummary, 0, len(rows)), next
	for _, e := range rows {
		if p, ok := loaded[e.PatientID]; ok {
			out.Body.Patients = append(out.Body.Patients, v.Summary(p, e.Status))
			out.patients = append(out.patients, p.ID)
		}
	}
	return out, nil
}

// patientEntries reads the entries a page of the patient list is made
// from: in the default (id) order, only the page's in SQL (keyset on the
// id the cursor carries, one more row to know whether a next page
// exists); otherwise every entry the filter keeps, with their activity
// when the sort or filter needs it.
func (a *API) patientEntries(ctx context.Context, in *patientListInput, after page.Key) ([]domain.ListEntry, error) {
	f := domain.ListFilter{Search: in.Q, DiagnosisClass: in.DiagnosisClass, WithActivity: needsActivity(in.Sort, in.Status)}
	if in.Sort == view.SortDefault && in.Status == "" {
		f.Limit = pageLimit(in.PageQuery) + 1
		if len(after) == 1 {
			id, err := strconv.ParseInt(after[0], 10, 64)
			if err != nil {
				return nil, queryInvalid("cursor", page.ErrCursor.Error())
			}
			f.AfterID = id
		}
	}
	entries, err := a.deps.Study.ListEntries(ctx, f)
	return keepStatus(entries, in.Status), err
}

// byName opens the identities of every entry, to sort by surname: at
// most domain.NameSortMax of them.
func (a *API) byName(ctx context.Context, es []domain.ListEntry) (map[int64]domain.Patient, error) {
	if len(es) > domain.NameSortMax {
		return nil, queryInvalid("sort", errNameSortTooMany.Error())
	}
	return a.patientsByID(ctx, patientIDs(es))
}

func (a *API) patientsByID(ctx context.Context, ids []int64) (map[int64]domain.Patient, error) {
	ps, err := a.deps.Study.PatientsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]domain.Patient, len(ps))
	for _, p := range ps {
		m[p.ID] = p
	}
	return m, nil
}
