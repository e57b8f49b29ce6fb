package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// TestDownloadReportAndChart renders the download section and chart from
// made-up runs: the medians, the ratios, the verdicts and a well-formed SVG.
func TestDownloadReportAndChart(t *testing.T) {
	const gib = 1 << 30
	o := options{downloadSizes: []int64{100 << 20, gib}, downloadRepeats: 1, downloadLineRate: 125_000_000}
	runs := []downloadResult{
		{Spec: downloadSpec{Client: downloadOurs, Size: 100 << 20}, Seconds: 0.4},
		{Spec: downloadSpec{Client: downloadCurl, Size: 100 << 20}, Seconds: 0.2},
		{Spec: downloadSpec{Client: downloadOurs, Size: 100 << 20, Verify: true}, Seconds: 0.5},
		{Spec: downloadSpec{Client: downloadOurs, Size: 100 << 20, Instrumented: true}, Launches: []launchRecord{{PeakRSSKiB: 20 << 10}}},
		{Spec: downloadSpec{Client: downloadOurs, Size: 100 << 20, Drop: true}, Fetched: 100 << 20, Requests: 2},
		{Spec: downloadSpec{Client: downloadOurs, Size: gib}, Seconds: 2.0},
		{Spec: downloadSpec{Client: downloadCurl, Size: gib}, Seconds: 1.0},
		{Spec: downloadSpec{Client: downloadOurs, Size: gib, Verify: true}, Seconds: 2.5},
		{Spec: downloadSpec{Client: downloadOurs, Size: gib, Instrumented: true}, Launches: []launchRecord{{PeakRSSKiB: 22 << 10}, {PeakRSSKiB: 15 << 10}}},
		{Spec: downloadSpec{Client: downloadOurs, Size: gib, Drop: true}, Fetched: gib + gib/200, Requests: 2},
		{Spec: downloadSpec{Client: downloadOurs, Size: gib, LineRate: 125_000_000}, Seconds: 9.0},
		{Spec: downloadSpec{Client: downloadCurl, Size: gib, LineRate: 125_000_000}, Seconds: 8.6},
	}
	var w strings.Builder
	renderDownloads(func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }, reportInput{Options: o, Downloads: runs})
	report := w.String()
	for _, want := range []string{
		"| 1GiB | 2.00 | 1.00 | 2.00 | 512 | 1024 | 2.50 | 0.50 | 22.0 | 1079110533 of 1073741824 (1.0050 x, 2 requests) |",
		"| ours / curl wall time at 1GiB, verify = false, no more than 1.10 | 2.00 (2.00 s against 1.00 s) | **missed** |",
		"| provider peak RSS no more than 64 MiB | 20.0 MiB at 100MiB, 22.0 MiB at 1GiB | met |",
		"| peak RSS at every size within 8 MiB of each other | 2.0 MiB apart | met |",
		"no more than 1.01 x the size | 1.0050 x at most | met |",
		"| the same at a 1000 Mbit/s line | 1.05 (9.00 s against 8.60 s) | met |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	counts := countElements(t, downloadChart(downloadFiguresOf(reportInput{Options: o, Downloads: runs})))
	if counts["svg"] != 1 || counts["polyline"] != 5 {
		t.Errorf("download chart elements = %v, want 1 svg and 5 lines (3 throughput, RSS and its target)", counts)
	}
}

// TestOnlyDownloadRewritesItsSectionAndChart: -only download replaces the
// download section, leaves the others as they were and writes its chart.
func TestOnlyDownloadRewritesItsSectionAndChart(t *testing.T) {
	dir := t.TempDir()
	o := options{out: filepath.Join(dir, "BENCHMARKS.md"), only: "download", downloadSizes: []int64{10 << 20}, downloadRepeats: 1}
	before := "# Benchmarks\n\n## A\n\na\n\n" + downloadSectionTitle + "\n\nold\n\n" + cpuSectionTitle + "\n\ncpu\n"
	if err := os.WriteFile(o.out, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := []downloadResult{
		{Spec: downloadSpec{Client: downloadOurs, Size: 10 << 20}, Seconds: 0.4},
		{Spec: downloadSpec{Client: downloadCurl, Size: 10 << 20}, Seconds: 0.2},
	}
	if err := rewriteDownloadSection(reportInput{Machine: machine{CPU: "CPU X", Cores: 2}, Options: o, Downloads: runs, LoadBefore: "1.00", LoadAfter: "2.00"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(o.out)
	if err != nil {
		t.Fatal(err)
	}
	report := string(data)
	if !strings.HasPrefix(report, "# Benchmarks\n\n## A\n\na\n\n"+downloadSectionTitle+"\n") || !strings.HasSuffix(report, "\n"+cpuSectionTitle+"\n\ncpu\n") ||
		strings.Contains(report, "old") || !strings.Contains(report, "| 10MiB | 0.40 | 0.20 | 2.00 |") || !strings.Contains(report, "This run: CPU X, 2 cores, load average 1.00 at the start, 2.00 at the end.") {
		t.Fatalf("report =\n%s", report)
	}
	if _, err := os.Stat(filepath.Join(dir, chartDir, chartDownload)); err != nil {
		t.Fatalf("no chart: %v", err)
	}
}
