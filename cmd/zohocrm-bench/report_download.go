package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Targets of the download benchmark.
const (
	targetDownloadOverCurlMax   = 1.10
	targetDownloadPeakRSSMiB    = 64.0
	targetDownloadRSSSpreadMiB  = 8.0
	targetDownloadDropFetchedMx = 1.01
)

// downloadSectionTitle heads the download section; -only download rewrites
// the report from it to the next heading.
const downloadSectionTitle = "## Downloading a backup: `zohocrm_backup_download` against `curl -o`"

// downloadFigures are the figures of one file size.
type downloadFigures struct {
	Size                   int64
	Ours, Curl, OursVerify float64 // median seconds
	OursRuns, CurlRuns     []float64
	VerifyRuns             []float64
	PeakRSSKiB             int64
	DropFetched            int64 // bytes the host sent to finish after a drop at 50 %
	DropRequests           int
}

func aggregateDownloads(results []downloadResult, size int64) downloadFigures {
	f := downloadFigures{Size: size}
	for _, r := range results {
		if r.Spec.Size != size || r.Spec.LineRate > 0 {
			continue
		}
		switch {
		case r.Spec.Instrumented:
			for _, l := range r.Launches {
				f.PeakRSSKiB = max(f.PeakRSSKiB, l.PeakRSSKiB)
			}
		case r.Spec.Drop:
			f.DropFetched, f.DropRequests = r.Fetched, r.Requests
		case r.Spec.Client == downloadCurl:
			f.CurlRuns = append(f.CurlRuns, r.Seconds)
		case r.Spec.Verify:
			f.VerifyRuns = append(f.VerifyRuns, r.Seconds)
		default:
			f.OursRuns = append(f.OursRuns, r.Seconds)
		}
	}
	f.Ours, f.Curl, f.OursVerify = median(f.OursRuns), median(f.CurlRuns), median(f.VerifyRuns)
	return f
}

// mibPerSecond is a file size over seconds.
func mibPerSecond(size int64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(size) / (1 << 20) / seconds
}

func downloadFiguresOf(in reportInput) []downloadFigures {
	if len(in.Downloads) == 0 {
		return nil
	}
	var figures []downloadFigures
	for _, size := range in.Options.downloadSizes {
		figures = append(figures, aggregateDownloads(in.Downloads, size))
	}
	return figures
}

// downloadCommand is how the download figures are reproduced.
func downloadCommand(o options) string {
	var sizes []string
	for _, s := range o.downloadSizes {
		sizes = append(sizes, sizeName(s))
	}
	return fmt.Sprintf("zohocrm-bench -download-terraform <terraform 1.16.4> -download-sizes %s -download-repeats %d", strings.Join(sizes, ","), o.downloadRepeats)
}

// rewriteDownloadSection puts in's download section in place of the one in
// the report, and writes its chart.
func rewriteDownloadSection(in reportInput) error {
	var w strings.Builder
	renderDownloads(func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }, in)
	if figures := downloadFiguresOf(in); len(figures) > 0 {
		if err := writeCharts(filepath.Join(filepath.Dir(in.Options.out), chartDir), map[string]string{chartDownload: downloadChart(figures)}); err != nil {
			return err
		}
	}
	if err := replaceSection(in.Options.out, w.String()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// downloadLoad is the machine and load average of an -only download run,
// which the report's machine table, of another run, does not show.
func downloadLoad(in reportInput) string {
	if in.Options.only != "download" {
		return ""
	}
	return fmt.Sprintf(" This run: %s, %d cores, load average %s at the start, %s at the end.", in.Machine.CPU, in.Machine.Cores, in.LoadBefore, in.LoadAfter)
}

// renderDownloads writes the download section of the report.
func renderDownloads(p func(string, ...any), in reportInput) {
	figures := downloadFiguresOf(in)
	p("%s", downloadSectionTitle)
	p("")
	if len(figures) == 0 {
		p("Not measured in this run: `make bench` passes `-download-terraform` (a Terraform that knows actions, 1.14 or later).")
		p("")
		return
	}
	p("One file of each size from the emulator's download host on loopback (plain HTTP): the action invoked through Terraform (`terraform apply -invoke=action.zohocrm_backup_download.this`, wall time of the whole command: Terraform starting, planning, starting the provider, reading the links, the download, the rename and the manifest) against `curl -o` of the same link with the same token, run back to back in each repeat. Median of %d runs. Each downloaded file is checked against the emulator's content by SHA-256 before a figure counts. Measured by `make bench` (`%s`), or alone by the same with `-only download`, which rewrites this section and its chart.%s",
		in.Options.downloadRepeats, downloadCommand(in.Options), downloadLoad(in))
	p("")
	p("![Download throughput and the provider's peak RSS against file size](%s)", chartPath(chartDownload))
	p("")
	p("| file | ours, verify = false (s) | curl (s) | ours / curl | ours (MiB/s) | curl (MiB/s) | ours, verify = true (s) | verify's extra cost (s) | provider peak RSS (MiB) | bytes fetched to finish after a drop at 50 %% |")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, f := range figures {
		p("| %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %.1f | %d of %d (%.4f x, %d requests) |", sizeName(f.Size), f.Ours, f.Curl, ratio(f.Ours, f.Curl),
			mibPerSecond(f.Size, f.Ours), mibPerSecond(f.Size, f.Curl), f.OursVerify, f.OursVerify-f.Ours, mib(f.PeakRSSKiB),
			f.DropFetched, f.Size, ratio(float64(f.DropFetched), float64(f.Size)), f.DropRequests)
	}
	p("")
	if line, ok := lineRateFigures(in); ok {
		p("At a line rate: the same largest file with the download host capped at %.0f Mbit/s (%s), as a real line caps it, median of %d pairs: ours %.2f s, curl %.2f s, ours / curl **%.2f**. Where the line, not the machine, is the limit, what the provider adds (Terraform's start, SHA-256, the manifest) is hidden behind the transfer.",
			float64(in.Options.downloadLineRate)*8/1e6, fmt.Sprintf("%.0f MiB/s", float64(in.Options.downloadLineRate)/(1<<20)), in.Options.downloadRepeats, line.Ours, line.Curl, ratio(line.Ours, line.Curl))
		p("")
	}
	p("| Target | Measured | |")
	p("|---|---|---|")
	renderDownloadTargets(p, figures)
	if line, ok := lineRateFigures(in); ok {
		r := ratio(line.Ours, line.Curl)
		p("| the same at a %.0f Mbit/s line | %.2f (%.2f s against %.2f s) | %s |", float64(in.Options.downloadLineRate)*8/1e6, r, line.Ours, line.Curl, verdict(r <= targetDownloadOverCurlMax))
	}
	p("")
	p("Every run (seconds):")
	p("")
	p("| file | ours, verify = false | curl | ours, verify = true |")
	p("|---:|---|---|---|")
	for _, f := range figures {
		p("| %s | %s | %s | %s |", sizeName(f.Size), secondsList(f.OursRuns), secondsList(f.CurlRuns), secondsList(f.VerifyRuns))
	}
	p("")
}

func renderDownloadTargets(p func(string, ...any), figures []downloadFigures) {
	largest := figures[0]
	for _, f := range figures {
		if f.Size > largest.Size {
			largest = f
		}
	}
	r := ratio(largest.Ours, largest.Curl)
	p("| ours / curl wall time at %s, verify = false, no more than %.2f | %.2f (%.2f s against %.2f s) | %s |", sizeName(largest.Size), targetDownloadOverCurlMax, r,
		largest.Ours, largest.Curl, verdict(r <= targetDownloadOverCurlMax))
	p("| verify's extra cost at %s, reported on its own | %s | reported |", sizeName(largest.Size), verifyCost(largest))
	var peaks []string
	lowest, highest := int64(-1), int64(0)
	for _, f := range figures {
		if f.Size < 100<<20 {
			continue // the target names 100 MiB and 1 GiB
		}
		peaks = append(peaks, fmt.Sprintf("%.1f MiB at %s", mib(f.PeakRSSKiB), sizeName(f.Size)))
		highest = max(highest, f.PeakRSSKiB)
		if lowest < 0 || f.PeakRSSKiB < lowest {
			lowest = f.PeakRSSKiB
		}
	}
	if len(peaks) > 0 {
		p("| provider peak RSS no more than %.0f MiB | %s | %s |", targetDownloadPeakRSSMiB, strings.Join(peaks, ", "), verdict(mib(highest) <= targetDownloadPeakRSSMiB))
		spread := mib(highest - lowest)
		p("| peak RSS at every size within %.0f MiB of each other | %.1f MiB apart | %s |", targetDownloadRSSSpreadMiB, spread, verdict(spread <= targetDownloadRSSSpreadMiB))
	}
	worst := 0.0
	for _, f := range figures {
		worst = max(worst, ratio(float64(f.DropFetched), float64(f.Size)))
	}
	p("| bytes fetched to finish after a drop at 50 %% no more than %.2f x the size | %.4f x at most | %s |", targetDownloadDropFetchedMx, worst, verdict(worst <= targetDownloadDropFetchedMx))
}

// chartDownload is the download chart's file name.
const chartDownload = "download.svg"

// downloadChart draws throughput and peak RSS against the file size.
func downloadChart(figures []downloadFigures) string {
	throughput := []chartSeries{{Name: "ours, verify = false"}, {Name: "ours, verify = true"}, {Name: "curl -o", Dashed: true}}
	rss := []chartSeries{{Name: "provider peak RSS"}, {Name: "target: 64 MiB", Dashed: true, Color: "#999999"}}
	for _, f := range figures {
		x := float64(f.Size) / (1 << 20)
		throughput[0].Points = append(throughput[0].Points, chartPoint{x, mibPerSecond(f.Size, f.Ours)})
		throughput[1].Points = append(throughput[1].Points, chartPoint{x, mibPerSecond(f.Size, f.OursVerify)})
		throughput[2].Points = append(throughput[2].Points, chartPoint{x, mibPerSecond(f.Size, f.Curl)})
		rss[0].Points = append(rss[0].Points, chartPoint{x, mib(f.PeakRSSKiB)})
		rss[1].Points = append(rss[1].Points, chartPoint{x, targetDownloadPeakRSSMiB})
	}
	sizeTick := func(v float64) string { return sizeName(int64(v * (1 << 20))) }
	return renderChart("Downloading one backup file from the emulator on loopback", []chartPanel{
		{Title: "throughput (file size / wall time)", XLabel: "file size", YLabel: "MiB/s", LogX: true, XTick: sizeTick, Series: throughput},
		{Title: "provider peak RSS", XLabel: "file size", YLabel: "MiB", LogX: true, XTick: sizeTick, Series: rss},
	})
}

// lineRateFigures are the medians of the line-rate pairs, if any ran.
func lineRateFigures(in reportInput) (downloadFigures, bool) {
	var f downloadFigures
	for _, r := range in.Downloads {
		if r.Spec.LineRate == 0 {
			continue
		}
		f.Size = r.Spec.Size
		if r.Spec.Client == downloadCurl {
			f.CurlRuns = append(f.CurlRuns, r.Seconds)
		} else {
			f.OursRuns = append(f.OursRuns, r.Seconds)
		}
	}
	f.Ours, f.Curl = median(f.OursRuns), median(f.CurlRuns)
	return f, len(f.OursRuns) > 0 && len(f.CurlRuns) > 0
}

// verifyCost says what verify = true added: the difference of the medians,
// and whether it stands out of the runs' own spread (the runs without
// verify differ among themselves by that much).
func verifyCost(f downloadFigures) string {
	extra := f.OursVerify - f.Ours
	spread := 0.0
	if len(f.OursRuns) > 0 {
		spread = slices.Max(f.OursRuns) - slices.Min(f.OursRuns)
	}
	if extra <= spread {
		return fmt.Sprintf("%+.2f s, the difference of the medians, within the %.2f s the runs without verify spread by: too small to tell from the noise here", extra, spread)
	}
	return fmt.Sprintf("%.2f s, the difference of the medians (%.0f MiB/s of ZIP checked; the runs without verify spread by %.2f s)", extra, mibPerSecond(f.Size, extra), spread)
}
