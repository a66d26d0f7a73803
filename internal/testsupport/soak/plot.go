package soak

import (
	"fmt"
	"os"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotSamples draws three panels over time (minutes from the start):
// errors per window, p99 latency (ms) and the server's peak resident
// memory (MiB), and writes them as a PNG to file.
func plotSamples(file string, samples []Sample) error {
	panels := []struct {
		title, unit string
		value       func(Sample) float64
	}{
		{"users' errors per window", "errors", func(s Sample) float64 { return float64(s.Errors) }},
		{"users' p99 latency per window", "ms", func(s Sample) float64 { return float64(s.P99) / float64(time.Millisecond) }},
		{"serve's peak resident memory (VmRSS) per window", "MiB", func(s Sample) float64 { return s.RSSMiB }},
	}
	plots := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		pl := plot.New()
		pl.Title.Text = p.title
		pl.X.Label.Text = "minutes from the start of the load (end of each window)"
		pl.Y.Label.Text = p.unit
		xys := make(plotter.XYs, len(samples))
		for j, s := range samples {
			xys[j] = plotter.XY{X: s.End.Minutes(), Y: p.value(s)}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plotting %s: %w", p.title, err)
		}
		pl.Add(line, points, plotter.NewGrid())
		// From the start of the load and from zero, so a flat line reads
		// as flat, and a run without errors shows a floor, not a band.
		pl.X.Min, pl.Y.Min, pl.Y.Max = 0, 0, max(pl.Y.Max, 1)
		plots[i] = []*plot.Plot{pl}
	}
	img := vgimg.New(vg.Points(720), vg.Points(760))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12), PadY: vg.Points(14)}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
