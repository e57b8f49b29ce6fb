package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// TestApplyTimeChartIsWellFormedSVG renders the apply-time chart from the
// figures of a report and checks that it is well-formed XML with one line
// and one legend entry per approach, and a point per measurement.
func TestApplyTimeChartIsWellFormedSVG(t *testing.T) {
	figures := []sizeFigures{
		{N: 1, Floor: 0.09, Noop: 0.33, Ours: 0.30, Workaround: 0.16},
		{N: 10, Floor: 0.14, Noop: 0.45, Ours: 0.52, Workaround: 0.24},
		{N: 500, Floor: 2.82, Noop: 3.31, Ours: 4.29, Workaround: 6.29},
	}
	svg := applyTimeChart(figures)
	counts := countElements(t, svg)
	if counts["svg"] != 1 || counts["polyline"] != 4 || counts["circle"] != 4*len(figures) {
		t.Errorf("elements = %v, want 1 svg, 4 polylines, %d circles", counts, 4*len(figures))
	}
	for _, name := range []string{"floor (terraform_data)", "no-op framework provider", "ours", "workaround (local-exec curl)"} {
		if !strings.Contains(svg, ">"+name+"<") {
			t.Errorf("the legend lacks %q", name)
		}
	}
}

// TestChartAxesPlaceLargerValuesHigher checks the mapping from data to
// pixels: larger y is higher up (smaller SVG y), larger x further right, on
// a log axis too, and the y axis starts at 0 and covers the largest value.
func TestChartAxesPlaceLargerValuesHigher(t *testing.T) {
	p := chartPanel{LogX: true, Series: []chartSeries{{Points: []chartPoint{{1, 0.5}, {10, 2}, {500, 7.3}}}}}
	x, y := panelAxes(p)
	if !(x.pos(1) < x.pos(10) && x.pos(10) < x.pos(500)) {
		t.Errorf("x positions not increasing: %v %v %v", x.pos(1), x.pos(10), x.pos(500))
	}
	if !(y.pos(0.5) > y.pos(2) && y.pos(2) > y.pos(7.3)) {
		t.Errorf("y positions not decreasing with value: %v %v %v", y.pos(0.5), y.pos(2), y.pos(7.3))
	}
	if y.min != 0 || y.max < 7.3 || y.max > 10 {
		t.Errorf("y axis = [%v, %v], want [0, a round number from 7.3 to 10]", y.min, y.max)
	}
	if len(x.ticks) != 3 {
		t.Errorf("x ticks = %v, want one per measured x", x.ticks)
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.13: 0.2, 0.9: 1, 1.2: 2, 3: 5, 7: 10, 140: 200} {
		if got := niceStep(raw); strconv.FormatFloat(got, 'g', 6, 64) != strconv.FormatFloat(want, 'g', 6, 64) {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}

// countElements parses svg as XML and counts its elements by name.
func countElements(t *testing.T, svg string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	decoder := xml.NewDecoder(strings.NewReader(svg))
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			return counts
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v", err)
		}
		if start, ok := token.(xml.StartElement); ok {
			counts[start.Name.Local]++
		}
	}
}
