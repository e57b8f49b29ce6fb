// Command zohocrm-bench measures what a `terraform apply` of
// zohocrm_backup_cancellation resources costs against Terraform's own floor,
// two no-op framework providers (internal/noop) and the local-exec curl
// workaround, profiles where the provider's CPU goes, and writes BENCHMARKS.md
// (`make bench`, = bash scripts/bench.sh). One section alone:
//
//	zohocrm-bench -only cpu -sizes 500 -repeats 5
//	zohocrm-bench -only download -download-terraform <terraform 1.16.4>
//
// The Zoho emulator runs in-process on loopback; Terraform is the CLI on PATH.
// It writes under -work (build/bench) but the report; every process it starts
// has its own process group, killed on interrupt. CI only compiles it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the harness's flags.
type options struct {
	sizes   []int
	repeats int
	rtt     time.Duration
	out     string
	work    string
	verbose bool
	pprof   bool
	// only, "cpu" or "download", runs only that section and rewrites it
	// in out; rerender (cpu) reuses the runs a previous one left in work.
	only     string
	rerender bool
	// The download benchmark (download.go): file sizes, repeats, and the
	// Terraform CLI (>= 1.14, for actions) that invokes the action; no CLI
	// leaves the download section out.
	downloadSizes   []int64
	downloadRepeats int
	downloadCLI     string
	// downloadLineRate caps the emulator's download host for one more pair
	// of runs at the largest size (bytes per second; 0: none).
	downloadLineRate int64
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == wrapCommand {
		os.Exit(runWrapper(os.Args[2], os.Args[3]))
	}
	if len(os.Args) == 3 && os.Args[1] == profileCommand {
		os.Exit(runProfiledProvider(os.Args[2]))
	}
	logger := log.New(os.Stderr, "zohocrm-bench: ", log.Ltime)
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		logger.Print(err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, logger); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer) (options, error) {
	o := options{sizes: []int{1, 10, 100, 500}, downloadSizes: []int64{10 << 20, 100 << 20, 1 << 30}}
	fs := flag.NewFlagSet("zohocrm-bench", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Func("sizes", "comma-separated `numbers` of backups to cancel per apply (default 1,10,100,500)", func(v string) error {
		sizes, err := parseSizes(v)
		o.sizes = sizes
		return err
	})
	fs.IntVar(&o.repeats, "repeats", 5, "how many times each measurement is repeated; medians are reported")
	fs.DurationVar(&o.rtt, "rtt", 50*time.Millisecond, "round-trip time of the realistic-network runs (TLS, answers held 1 RTT, new connections 2 RTT)")
	fs.StringVar(&o.out, "out", "BENCHMARKS.md", "where to write the markdown report")
	fs.StringVar(&o.work, "work", "build/bench", "working `directory` for binaries, mirrors, runs and logs (emptied first)")
	fs.BoolVar(&o.verbose, "v", false, "log every run")
	fs.Func("download-sizes", "comma-separated `sizes` of the downloaded file, such as 100MiB,1GiB (default 10MiB,100MiB,1GiB)", func(v string) error {
		sizes, err := parseByteSizes(v)
		o.downloadSizes = sizes
		return err
	})
	fs.Int64Var(&o.downloadLineRate, "download-line-rate", 125_000_000, "bytes per second of the line-rate pair of downloads at the largest size (default 1 Gbit/s); 0 leaves it out")
	fs.IntVar(&o.downloadRepeats, "download-repeats", 3, "how many times each download is repeated; medians are reported")
	fs.StringVar(&o.downloadCLI, "download-terraform", "", "the Terraform CLI (>= 1.14) that invokes zohocrm_backup_download; empty leaves the download benchmark out")
	fs.BoolVar(&o.pprof, "pprof", false, "also apply ours once at each smaller size with the provider under pprof (the largest always is); profiles go to <work>/pprof/<run>")
	fs.StringVar(&o.only, "only", "", "\"cpu\": run only the CPU section (instrumented and profiled applies of the no-ops and ours) and rewrite that section of -out; \"download\": run only the download section (needs -download-terraform) and rewrite that section of -out and its chart")
	fs.BoolVar(&o.rerender, "rerender", false, "with -only cpu: run nothing, rewrite the section from the results and profiles an earlier run with the same -sizes and -repeats left in -work")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.downloadRepeats < 1 {
		return o, fmt.Errorf("-download-repeats must be at least 1, not %d", o.downloadRepeats)
	}
	if o.repeats < 1 {
		return o, fmt.Errorf("-repeats must be at least 1, not %d", o.repeats)
	}
	if o.only != "" && o.only != "cpu" && o.only != "download" {
		return o, fmt.Errorf("-only: %q is not a section (\"cpu\" and \"download\" are)", o.only)
	}
	if o.only == "download" && o.downloadCLI == "" {
		return o, errors.New("-only download needs -download-terraform (a Terraform CLI >= 1.14)")
	}
	if o.rerender && o.only != "cpu" {
		return o, errors.New("-rerender needs -only cpu")
	}
	if o.rtt <= 0 {
		return o, fmt.Errorf("-rtt must be positive, not %s", o.rtt)
	}
	return o, nil
}

func parseSizes(v string) ([]int, error) {
	var sizes []int
	for field := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sizes: %q is not a positive number of backups", field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func run(ctx context.Context, o options, logger *log.Logger) error {
	began := time.Now()
	if o.rerender {
		return rerenderCPU(o, logger)
	}
	b, err := newBench(ctx, o.work, logger)
	if err != nil {
		return err
	}
	machine := describeMachine(ctx)
	logger.Printf("%s; %s", machine.CPU, machine.Terraform)
	switch o.only {
	case "cpu":
		return runCPUOnly(ctx, b, o, logger, began)
	case "download":
		return runDownloadOnly(ctx, b, o, logger, began, machine)
	}

	micro, err := runMicroBenchmarks(ctx)
	if err != nil {
		return err
	}
	loadBefore := loadAverage()
	results, profiles, err := runApplies(ctx, b, o, logger)
	if err != nil {
		return err
	}
	downloads, err := runDownloads(ctx, b, o, logger)
	if err != nil {
		return err
	}
	in := reportInput{
		Downloads:       downloads,
		Machine:         machine,
		Options:         o,
		Results:         results,
		Duration:        time.Since(began),
		LoadBefore:      loadBefore,
		LoadAfter:       loadAverage(),
		MicroBenchmarks: micro,
		Profiles:        profiles,
	}
	if err := writeCharts(filepath.Join(filepath.Dir(o.out), chartDir), renderCharts(in)); err != nil {
		return err
	}
	if err := os.WriteFile(o.out, []byte(renderReport(in)), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	logger.Printf("wrote %s in %s (raw results: %s)", o.out, time.Since(began).Round(time.Second), b.path("results.json"))
	return nil
}

// measurementPlan lists the timed runs. Scenarios are interleaved within each
// repeat so that a slow moment of the machine hits all of them alike.
func measurementPlan(sizes []int, repeats int, rtt time.Duration) []runSpec {
	var plan []runSpec
	for _, n := range sizes {
		for r := 1; r <= repeats; r++ {
			plan = append(plan,
				runSpec{Scenario: scenarioFloor, N: n, Repeat: r},
				runSpec{Scenario: scenarioNoop, N: n, Repeat: r},
				runSpec{Scenario: scenarioOurs, N: n, Repeat: r},
				runSpec{Scenario: scenarioWorkaround, N: n, Repeat: r},
				runSpec{Scenario: scenarioOurs, N: n, Repeat: r, Instrumented: true},
				runSpec{Scenario: scenarioNoop, N: n, Repeat: r, Instrumented: true},
				runSpec{Scenario: scenarioNoopFull, N: n, Repeat: r, Instrumented: true},
				runSpec{Scenario: scenarioOurs, N: n, Repeat: r, RTT: rtt},
				runSpec{Scenario: scenarioWorkaround, N: n, Repeat: r, RTT: rtt},
			)
		}
	}
	return plan
}

// runDownloads runs the download benchmark, when a CLI for it is given.
func runDownloads(ctx context.Context, b *bench, o options, logger *log.Logger) ([]downloadResult, error) {
	if o.downloadCLI == "" {
		logger.Print("no -download-terraform: the download benchmark is left out")
		return nil, nil
	}
	plan := downloadPlan(o.downloadSizes, o.downloadRepeats, o.downloadLineRate)
	var results []downloadResult
	for i, spec := range plan {
		r, err := b.runDownload(ctx, o.downloadCLI, spec)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		logger.Printf("[%d/%d] %s: %.2fs, %d bytes fetched in %d requests", i+1, len(plan), spec.name(), r.Seconds, r.Fetched, r.Requests)
	}
	return results, writeJSON(b.path("downloads.json"), results)
}

// runApplies runs the apply benchmark: one untimed round, the timed runs
// of measurementPlan, and the profiled runs of the CPU section (with -pprof,
// ours at the other sizes too).
func runApplies(ctx context.Context, b *bench, o options, logger *log.Logger) ([]runResult, map[scenario]*profileTotals, error) {
	if err := warmUp(ctx, b, o.sizes, []scenario{scenarioFloor, scenarioNoop, scenarioNoopFull, scenarioOurs, scenarioWorkaround}); err != nil {
		return nil, nil, err
	}
	results, err := runPlan(ctx, b, measurementPlan(o.sizes, o.repeats, o.rtt), o, logger)
	if err != nil {
		return nil, nil, err
	}
	if o.pprof {
		for _, n := range o.sizes {
			if n == slices.Max(o.sizes) {
				continue // The CPU section profiles it.
			}
			spec := runSpec{Scenario: scenarioOurs, N: n, Repeat: 1, Profiled: true}
			if _, err := b.runOne(ctx, spec); err != nil {
				return nil, nil, err
			}
			logger.Printf("%s: profiles in %s (go tool pprof -top <file>)", spec.name(), b.profileDir(spec))
		}
	}
	_, profiled := cpuPlan(o.sizes, o.repeats)
	profiles, err := runProfiled(ctx, b, profiled, logger)
	if err != nil {
		return nil, nil, err
	}
	return results, profiles, writeJSON(b.path("results.json"), results)
}

// warmUp applies each scenario once, untimed, so that the first timed run
// does not pay for cold page caches.
func warmUp(ctx context.Context, b *bench, sizes []int, scenarios []scenario) error {
	for _, s := range scenarios {
		if _, err := b.runOne(ctx, runSpec{Scenario: s, N: min(10, sizes[0]), Repeat: 0}); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	return nil
}

// runPlan runs the timed runs of plan in order.
func runPlan(ctx context.Context, b *bench, plan []runSpec, o options, logger *log.Logger) ([]runResult, error) {
	var results []runResult
	for i, spec := range plan {
		r, err := b.runOne(ctx, spec)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		if o.verbose || spec.Repeat == o.repeats {
			logger.Printf("[%d/%d] %s: %.2fs, %.2fs CPU, %d requests, %d connections", i+1, len(plan), spec.name(), r.ApplySeconds, r.ApplyCPUSeconds, r.ApplyRequests, r.ApplyConnections)
		}
	}
	return results, nil
}

// runProfiled runs the profiled applies and adds up their profiles by scenario.
func runProfiled(ctx context.Context, b *bench, plan []runSpec, logger *log.Logger) (map[scenario]*profileTotals, error) {
	profiles := map[scenario]*profileTotals{}
	for _, spec := range plan {
		if _, err := b.runOne(ctx, spec); err != nil {
			return nil, err
		}
		t := profiles[spec.Scenario]
		if t == nil {
			t = newProfileTotals(spec.N)
			profiles[spec.Scenario] = t
		}
		if err := t.addRun(b.profileDir(spec)); err != nil {
			return nil, err
		}
		logger.Printf("%s: profiles in %s", spec.name(), b.profileDir(spec))
	}
	return profiles, nil
}

// runCPUOnly is -only cpu: the CPU section's runs, and that section of the
// report rewritten.
func runCPUOnly(ctx context.Context, b *bench, o options, logger *log.Logger, began time.Time) error {
	loadBefore := loadAverage()
	if err := warmUp(ctx, b, o.sizes, cpuScenarios); err != nil {
		return err
	}
	instrumented, profiled := cpuPlan(o.sizes, o.repeats)
	results, err := runPlan(ctx, b, instrumented, o, logger)
	if err != nil {
		return err
	}
	if _, err := runProfiled(ctx, b, profiled, logger); err != nil {
		return err
	}
	if err := writeJSON(b.path("results.json"), results); err != nil {
		return err
	}
	if err := writeJSON(b.path("load.json"), []string{loadBefore, loadAverage()}); err != nil {
		return err
	}
	if err := rerenderCPU(o, logger); err != nil {
		return err
	}
	logger.Printf("took %s", time.Since(began).Round(time.Second))
	return nil
}

// runDownloadOnly is -only download: the download section's runs, and that
// section of the report and its chart rewritten.
func runDownloadOnly(ctx context.Context, b *bench, o options, logger *log.Logger, began time.Time, m machine) error {
	loadBefore := loadAverage()
	downloads, err := runDownloads(ctx, b, o, logger)
	if err != nil {
		return err
	}
	in := reportInput{Machine: m, Options: o, Downloads: downloads, LoadBefore: loadBefore, LoadAfter: loadAverage()}
	if err := rewriteDownloadSection(in); err != nil {
		return err
	}
	logger.Printf("rewrote %q in %s and its chart %s; took %s", downloadSectionTitle, o.out, chartPath(chartDownload), time.Since(began).Round(time.Second))
	return nil
}

// rerenderCPU rewrites the CPU section of the report from the results and
// profiles an -only cpu run left in o.work.
func rerenderCPU(o options, logger *log.Logger) error {
	work, err := filepath.Abs(o.work)
	if err != nil {
		return err
	}
	b := &bench{work: work}
	in := reportInput{Options: o, LoadBefore: "?", LoadAfter: "?"}
	if err := readJSON(b.path("results.json"), &in.Results); err != nil {
		return err
	}
	var load []string
	if readJSON(b.path("load.json"), &load) == nil && len(load) == 2 {
		in.LoadBefore, in.LoadAfter = load[0], load[1]
	}
	_, profiled := cpuPlan(o.sizes, o.repeats)
	in.Profiles = map[scenario]*profileTotals{}
	for _, spec := range profiled {
		t := in.Profiles[spec.Scenario]
		if t == nil {
			t = newProfileTotals(spec.N)
			in.Profiles[spec.Scenario] = t
		}
		if err := t.addRun(b.profileDir(spec)); err != nil {
			return err
		}
	}
	for _, render := range []func(func(string, ...any)){
		func(p func(string, ...any)) { renderCPUSection(p, in) },
		renderMethodNotes,
		renderFindings,
	} {
		var w strings.Builder
		render(func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) })
		if err := replaceSection(o.out, w.String()); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	}
	logger.Printf("rewrote %q, the notes on method and the findings in %s", cpuSectionTitle, o.out)
	return nil
}
