package api_test

import (
	"net/http"
	"slices"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// TestEnumRefusalsListOnlyRealValues: a query parameter whose
// enumeration has an empty member (absent or empty means any) is refused
// outside it with a message that lists only the values a client may
// send, with no empty one at the end; the empty value is still accepted
// and the OpenAPI document still says so; a body's enumeration is worded
// the same way.
func TestEnumRefusalsListOnlyRealValues(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	tokens := map[string]string{"doctor": s.Login(t, demo.Doctor, "alice"), "installer": s.Login(t, demo.Installer, "gennaro"),
		"monitoring": s.Login(t, demo.Monitoring, "vincenzo"), "researcher": s.Login(t, demo.Researcher, "stefano"), "admin": s.Login(t, demo.Admin, "anna")}
	var doc lintDoc
	s.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil).JSON(t, &doc)
	for _, c := range []struct {
		role, path, param, want string
		values                  []any
	}{
		{"monitoring", "/tickets", "state", "expected one of: open, closed", []any{"open", "closed", ""}},
		{"monitoring", "/tickets", "sort", "expected one of: last_activity, opened", []any{"last_activity", "opened", ""}},
		{"monitoring", "/tickets", "category", "expected one of: installation, maintenance, uninstallation",
			[]any{"installation", "maintenance", "uninstallation", ""}},
		{"doctor", "/patients", "sort", "expected one of: date_join, -date_join, last_activity, status, last_name",
			[]any{"date_join", "-date_join", "last_activity", "status", "last_name", ""}},
		{"doctor", "/patients", "status", "expected one of: to_install, working, maintenance, uninstalling, inactive, unknown",
			[]any{"to_install", "working", "maintenance", "uninstalling", "inactive", "unknown", ""}},
		{"doctor", "/patients", "diagnosis_class", "expected one of: mci, alzheimer, parkinson, lewy-body, vascular, ftd, other, unspecified",
			[]any{"mci", "alzheimer", "parkinson", "lewy-body", "vascular", "ftd", "other", "unspecified", ""}},
		{"researcher", "/screening", "diagnosis_class", "expected one of: mci, alzheimer, parkinson, lewy-body, vascular, ftd, other, unspecified",
			[]any{"mci", "alzheimer", "parkinson", "lewy-body", "vascular", "ftd", "other", "unspecified", ""}},
		{"installer", "/installations", "sort", "expected one of: nickname, date_join, -date_join, last_activity, status",
			[]any{"nickname", "date_join", "-date_join", "last_activity", "status", ""}},
		{"installer", "/installations", "status", "expected one of: to_install, working, maintenance, uninstalling, inactive, unknown",
			[]any{"to_install", "working", "maintenance", "uninstalling", "inactive", "unknown", ""}},
		{"admin", "/audit", "outcome", "expected one of: ok, denied, failed", []any{"ok", "denied", "failed", ""}},
	} {
		p := checkProblem(t, s.Do(t, http.MethodGet, "/api/v1"+c.path+"?"+c.param+"=bogus", tokens[c.role], nil), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Location != "query."+c.param || p.Errors[0].Message != c.want {
			t.Errorf("GET %s?%s=bogus: errors %+v, want one at query.%s saying %q", c.path, c.param, p.Errors, c.param, c.want)
		}
		if res := s.Do(t, http.MethodGet, "/api/v1"+c.path+"?"+c.param+"=", tokens[c.role], nil); res.Status != http.StatusOK {
			t.Errorf("GET %s?%s= (empty, any): %d, want 200: %s", c.path, c.param, res.Status, res.Body)
		}
		if got := queryEnum(doc, c.path, c.param); !slices.Equal(got, c.values) {
			t.Errorf("OpenAPI enum of %s %s: %v, want %v (the empty value accepted)", c.path, c.param, got, c.values)
		}
	}
	body := withField(enrolmentBody(), "diagnosis_class", "flu")
	p := checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/patients", tokens["doctor"], body), http.StatusUnprocessableEntity)
	want := "expected one of: mci, alzheimer, parkinson, lewy-body, vascular, ftd, other, unspecified"
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.diagnosis_class" || p.Errors[0].Message != want {
		t.Errorf("enrolment with diagnosis_class flu: errors %+v, want one at body.diagnosis_class saying %q", p.Errors, want)
	}
}

// queryEnum is the enumeration of a GET operation's query parameter in
// the OpenAPI document.
func queryEnum(d lintDoc, path, param string) []any {
	get, _ := d.obj("paths", "/api/v1"+path)["get"].(map[string]any)
	params, _ := get["parameters"].([]any)
	for _, p := range params {
		p, _ := p.(map[string]any)
		if p["name"] == param && p["in"] == "query" {
			schema, _ := p["schema"].(map[string]any)
			enum, _ := schema["enum"].([]any)
			return enum
		}
	}
	return nil
}
