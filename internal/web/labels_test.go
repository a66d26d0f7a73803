package web

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"serenade/internal/domain"
	"serenade/internal/web/i18n"
)

// labelConcepts are the codes the UI shows translated (L.Enum), by the
// one message namespace of each concept, every role's pages sharing it.
func labelConcepts() map[string][]string {
	return map[string][]string{
		"status":     strs(domain.InstallationStatuses),
		"diagnosis":  strs(domain.DiagnosisClasses),
		"health":     strs([]domain.HealthSummary{domain.HealthOK, domain.HealthSilent, domain.HealthNoData, domain.HealthNotCollecting}),
		"doctype":    strs(domain.DocumentTypes),
		"ticketcat":  strs([]domain.TicketCategory{domain.CategoryInstallation, domain.CategoryMaintenance, domain.CategoryUninstallation}),
		"outcome":    auditOutcomes,
		"role":       strs(domain.AllRoles),
		"streamkind": strs(domain.StreamKinds),
	}
}

// sentencesAbout are namespaces keyed by a concept's codes that hold
// sentences about each code, not its label.
var sentencesAbout = map[string]string{"closeeffect": "ticketcat"}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestOneLabelNamespacePerConcept: each concept's namespace labels
// exactly its codes, in both languages, and no other namespace labels
// the same codes again (as status., inststatus. and researchstatus. once
// did), unless it holds sentences about them.
func TestOneLabelNamespacePerConcept(t *testing.T) {
	s := testServer(t)
	concepts := labelConcepts()
	for _, lang := range i18n.Languages {
		spaces := map[string][]string{}
		for _, k := range s.bundle.Keys(lang) {
			ns, code, _ := strings.Cut(k, ".")
			spaces[ns] = append(spaces[ns], code)
		}
		for ns, codes := range concepts {
			if got, want := slices.Sorted(slices.Values(spaces[ns])), slices.Sorted(slices.Values(codes)); !slices.Equal(got, want) {
				t.Errorf("%s: %s. labels %v, want exactly the codes %v", lang, ns, got, want)
			}
		}
		for _, ns := range slices.Sorted(maps.Keys(spaces)) {
			for concept, codes := range concepts {
				if ns != concept && sentencesAbout[ns] != concept && slices.Equal(slices.Sorted(slices.Values(spaces[ns])), slices.Sorted(slices.Values(codes))) {
					t.Errorf("%s: %s. labels the codes of %s. again: use %s.", lang, ns, concept, concept)
				}
			}
		}
	}
}
