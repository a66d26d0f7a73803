// Package benchreport turns the output of `make bench` (Go benchmark
// lines, plus the machine's facts printed before and after) into one
// Markdown table: each figure, the limit it was measured against in the
// same run, their ratio, the goal and whether it is met.
package benchreport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Figures are benchmark results by benchmark name (without the
// -GOMAXPROCS suffix), then by unit as printed ("reads/s", "p99-ms"),
// with the value of the last result of that name; Order is the names
// in the order first read.
type Figures struct {
	By    map[string]map[string]float64
	Order []string
}

// Get returns one figure and whether it was read.
func (f Figures) Get(bench, unit string) (float64, bool) {
	v, ok := f.By[bench][unit]
	return v, ok
}

// Output is what Read found: the figures and the machine's facts.
type Output struct {
	Figures Figures
	Machine map[string]string // fact name ("cpu", "load-start") → value
}

// factPrefix starts the lines of machine facts in the benchmarks'
// output ("serenade-machine-cpu: AMD EPYC"); benchfmt reads them as
// configuration lines, and Read collects them itself so that those
// after the last benchmark (the load at the end) are kept too.
const factPrefix = "serenade-machine-"

var procs = regexp.MustCompile(`-[0-9]+$`)

// Read parses benchmark output (the go test -bench format; other lines,
// such as test logs and section titles, are skipped).
func Read(r io.Reader, name string) (Output, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return Output{}, err
	}
	out := Output{Figures: Figures{By: map[string]map[string]float64{}}, Machine: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok && strings.HasPrefix(k, factPrefix) {
			out.Machine[strings.TrimPrefix(k, factPrefix)] = strings.TrimSpace(v)
		}
	}
	br := benchfmt.NewReader(bytes.NewReader(raw), name)
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error: a line that only looks like a result
		}
		// benchfmt drops the "Benchmark" prefix; the report keeps names
		// as go test prints them.
		bench := "Benchmark" + procs.ReplaceAllString(string(res.Name.Full()), "")
		by := out.Figures.By[bench]
		if by == nil {
			by = map[string]float64{}
			out.Figures.By[bench] = by
			out.Figures.Order = append(out.Figures.Order, bench)
		}
		for _, v := range res.Values {
			unit, value := v.Unit, v.Value
			if v.OrigUnit != "" {
				unit, value = v.OrigUnit, v.OrigValue
			}
			by[unit] = value
		}
	}
	if err := br.Err(); err != nil {
		return out, fmt.Errorf("reading %s: %w", name, err)
	}
	return out, nil
}
