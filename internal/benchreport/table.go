package benchreport

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// machineFacts are the facts printed above the table, in this order,
// with their labels.
var machineFacts = []struct{ key, label string }{
	{"cpu", "CPU"}, {"cores", "cores"}, {"memory", "memory"}, {"postgresql", "PostgreSQL"}, {"fsync", "fsync"},
	{"load-start", "load average at start (1, 5, 15 min)"}, {"load-end", "load average at end"},
	{"started", "started"}, {"ended", "ended"},
}

// Write prints the report: the machine, then the table of rows, then
// every figure read that no row shows (so a renamed or new benchmark is
// never lost from the report).
func Write(w io.Writer, out Output) error {
	var b strings.Builder
	b.WriteString("### Machine\n\n")
	for _, m := range machineFacts {
		if v, ok := out.Machine[m.key]; ok {
			fmt.Fprintf(&b, "- %s: %s\n", m.label, v)
		}
	}
	rows := Rows(out.Figures)
	b.WriteString("\n### Figures (ratios to limits measured in the same run)\n\n")
	b.WriteString("ratio = Serenade ÷ limit: for rates higher is better, for latencies and memory lower is better.\n\n")
	b.WriteString("| figure | Serenade | limit | ratio | goal | met |\n|---|---|---|--:|---|---|\n")
	used := map[string]bool{}
	for _, r := range rows {
		ratio := ""
		if !math.IsNaN(r.Ratio) && !math.IsInf(r.Ratio, 0) {
			ratio = num(r.Ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Figure, r.Value, r.Limit, ratio, r.Goal, r.Met)
		for _, u := range r.used {
			used[u] = true
		}
	}
	met, goals := 0, 0
	for _, r := range rows {
		if r.Met != "" {
			goals++
			if r.Met == "yes" {
				met++
			}
		}
	}
	fmt.Fprintf(&b, "\n%d of %d goals met.\n", met, goals)
	other := slices.DeleteFunc(slices.Clone(out.Figures.Order), func(n string) bool { return used[n] })
	if len(other) > 0 {
		b.WriteString("\n### Other figures\n\n")
		for _, n := range other {
			fmt.Fprintf(&b, "- %s:%s\n", n, units(out.Figures.By[n]))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func units(by map[string]float64) string {
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s %s", num(by[k]), k)
	}
	return b.String()
}
