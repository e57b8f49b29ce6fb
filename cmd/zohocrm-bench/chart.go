package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The report draws its main figures as SVG line charts, because a reader
// sees at a glance from a chart what takes minutes to read from a table. The
// charts are plain SVG 1.1 written by hand: no plotting library, no script,
// no font that a viewer may lack (generic font families only), so that
// GitHub and any browser render them from the repository as they are.

// chartPoint is one measurement: X is what was varied (N, a file size), Y
// what was measured.
type chartPoint struct{ X, Y float64 }

// chartSeries is one line of a panel.
type chartSeries struct {
	Name   string
	Color  string
	Dashed bool
	Points []chartPoint
}

// chartPanel is one plot: its axes and lines.
type chartPanel struct {
	Title, XLabel, YLabel string
	// LogX spaces the x axis logarithmically (N = 1, 10, 100, 500).
	LogX bool
	// XTick formats an x value for its tick label.
	XTick  func(float64) string
	Series []chartSeries
}

// Chart geometry, in SVG user units (pixels at 100 %).
const (
	panelWidth   = 540
	panelHeight  = 320
	marginLeft   = 64
	marginRight  = 16
	marginTop    = 40
	marginBottom = 52
	chartTitleH  = 28
	legendLineH  = 16
)

// chartColors are distinguishable in colour and, for most colour-blind
// readers, in lightness too (Okabe and Ito's palette).
var chartColors = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"}

// renderChart draws panels side by side under a title.
func renderChart(title string, panels []chartPanel) string {
	width := panelWidth * len(panels)
	height := panelHeight + chartTitleH
	var w strings.Builder
	fmt.Fprintf(&w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&w, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&w, `<text x="%d" y="19" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`+"\n", width/2, html.EscapeString(title))
	for i, p := range panels {
		fmt.Fprintf(&w, `<g transform="translate(%d,%d)">`+"\n", i*panelWidth, chartTitleH)
		renderPanel(&w, p)
		w.WriteString("</g>\n")
	}
	w.WriteString("</svg>\n")
	return w.String()
}

// axis maps data values to pixels along one direction.
type axis struct {
	min, max   float64
	log        bool
	from, to   float64 // pixel positions of min and max
	ticks      []float64
	tickFormat func(float64) string
}

func (a axis) pos(v float64) float64 {
	lo, hi, x := a.min, a.max, v
	if a.log {
		lo, hi, x = math.Log10(lo), math.Log10(hi), math.Log10(math.Max(v, a.min))
	}
	if hi == lo {
		return (a.from + a.to) / 2
	}
	return a.from + (x-lo)/(hi-lo)*(a.to-a.from)
}

func renderPanel(w *strings.Builder, p chartPanel) {
	x, y := panelAxes(p)
	plotLeft, plotRight := float64(marginLeft), float64(panelWidth-marginRight)
	plotTop, plotBottom := float64(marginTop), float64(panelHeight-marginBottom)

	fmt.Fprintf(w, `<text x="%d" y="18" text-anchor="middle" font-size="13">%s</text>`+"\n", panelWidth/2, html.EscapeString(p.Title))
	for _, t := range y.ticks {
		py := y.pos(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`+"\n", plotLeft, py, plotRight, py)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", plotLeft-6, py, html.EscapeString(y.tickFormat(t)))
	}
	for _, t := range x.ticks {
		px := x.pos(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`+"\n", px, plotTop, px, plotBottom)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px, plotBottom+16, html.EscapeString(x.tickFormat(t)))
	}
	fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#888888"/>`+"\n", plotLeft, plotTop, plotRight-plotLeft, plotBottom-plotTop)
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", (plotLeft+plotRight)/2, float64(panelHeight-12), html.EscapeString(p.XLabel))
	fmt.Fprintf(w, `<text transform="translate(14,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", (plotTop+plotBottom)/2, html.EscapeString(p.YLabel))

	for i, s := range p.Series {
		renderSeries(w, s, seriesColor(s, i), x, y)
		ly := plotTop + 10 + float64(i*legendLineH)
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="5,3"`
		}
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", plotLeft+8, ly, plotLeft+28, ly, seriesColor(s, i), dash)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", plotLeft+33, ly, html.EscapeString(s.Name))
	}
}

func seriesColor(s chartSeries, i int) string {
	if s.Color != "" {
		return s.Color
	}
	return chartColors[i%len(chartColors)]
}

func renderSeries(w *strings.Builder, s chartSeries, color string, x, y axis) {
	points := slices.Clone(s.Points)
	slices.SortFunc(points, func(a, b chartPoint) int { return cmpFloat(a.X, b.X) })
	coords := make([]string, 0, len(points))
	for _, pt := range points {
		coords = append(coords, fmt.Sprintf("%.1f,%.1f", x.pos(pt.X), y.pos(pt.Y)))
	}
	dash := ""
	if s.Dashed {
		dash = ` stroke-dasharray="5,3"`
	}
	if len(coords) > 1 {
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(coords, " "), color, dash)
	}
	for _, c := range coords {
		px, py, _ := strings.Cut(c, ",")
		fmt.Fprintf(w, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`+"\n", px, py, color)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// panelAxes fits the axes to the data: x ticks at the measured x values, y
// from 0 to a round number above the largest value.
func panelAxes(p chartPanel) (x, y axis) {
	var xs []float64
	ymax := 0.0
	for _, s := range p.Series {
		for _, pt := range s.Points {
			if !slices.Contains(xs, pt.X) {
				xs = append(xs, pt.X)
			}
			ymax = math.Max(ymax, pt.Y)
		}
	}
	slices.Sort(xs)
	if len(xs) == 0 {
		xs = []float64{1}
	}
	xFormat := p.XTick
	if xFormat == nil {
		xFormat = func(v float64) string { return trimFloat(v) }
	}
	x = axis{min: xs[0], max: xs[len(xs)-1], log: p.LogX && xs[0] > 0, ticks: xs, tickFormat: xFormat,
		from: marginLeft + 12, to: panelWidth - marginRight - 12}
	step := niceStep(ymax / 5)
	top := step * math.Ceil(ymax/step)
	if top == 0 {
		top = 1
		step = 0.2
	}
	var ticks []float64
	for t := 0.0; t <= top+step/2; t += step {
		ticks = append(ticks, t)
	}
	y = axis{min: 0, max: top, ticks: ticks, tickFormat: trimFloat, from: panelHeight - marginBottom, to: marginTop}
	return x, y
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	magnitude := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*magnitude {
			return m * magnitude
		}
	}
	return 10 * magnitude
}

// trimFloat prints a tick value without trailing zeros.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// chartDir is where the charts go, relative to the report: the report
// embeds them by this relative path.
const chartDir = "benchmarks"

// Chart file names.
const chartApplyTime = "apply-time.svg"

func chartPath(name string) string { return chartDir + "/" + name }

// applyTimeChart draws the wall-time table: one line per approach against N.
func applyTimeChart(figures []sizeFigures) string {
	series := []chartSeries{{Name: "floor (terraform_data)", Dashed: true}, {Name: "no-op framework provider"}, {Name: "ours"}, {Name: "workaround (local-exec curl)"}}
	for _, f := range figures {
		n := float64(f.N)
		series[0].Points = append(series[0].Points, chartPoint{n, f.Floor})
		series[1].Points = append(series[1].Points, chartPoint{n, f.Noop})
		series[2].Points = append(series[2].Points, chartPoint{n, f.Ours})
		series[3].Points = append(series[3].Points, chartPoint{n, f.Workaround})
	}
	return renderChart("terraform apply of N cancellations (median wall time)", []chartPanel{{
		Title: "loopback, plain HTTP", XLabel: "N (resources per apply)", YLabel: "seconds", LogX: true, Series: series,
	}})
}

// writeCharts writes each chart into dir, which it creates.
func writeCharts(dir string, charts map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the chart folder: %w", err)
	}
	for name, svg := range charts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(svg), 0o644); err != nil {
			return fmt.Errorf("writing chart %s: %w", name, err)
		}
	}
	return nil
}
