package main

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
)

// cpuSectionTitle heads the CPU section; -only cpu rewrites the report from
// it to the next heading.
const cpuSectionTitle = "## Where the provider's CPU goes"

// targetCPURatioMax is the target for ours / no-op apply CPU at
// targetOursOverNoopN.
const targetCPURatioMax = 1.10

// cpuFigures are one N's instrumented runs of one scenario.
type cpuFigures struct {
	ApplyCPU, ProviderCPU []float64 // seconds per apply
}

func cpuFiguresOf(results []runResult, n int, s scenario) cpuFigures {
	var f cpuFigures
	for _, r := range results {
		if r.Spec.N != n || r.Spec.Scenario != s || !r.Spec.Instrumented || r.Spec.RTT > 0 {
			continue
		}
		provider := 0.0
		for _, l := range r.Launches {
			provider += l.CPUMillis / 1000
		}
		f.ApplyCPU = append(f.ApplyCPU, r.ApplyCPUSeconds)
		f.ProviderCPU = append(f.ProviderCPU, provider)
	}
	return f
}

// renderCPUSection writes the CPU section: apply and provider CPU of the
// instrumented runs, and the profiles of the profiled ones.
func renderCPUSection(p func(string, ...any), in reportInput) {
	o := in.Options
	p("%s", cpuSectionTitle)
	p("")
	p("Measured by `make bench`, or alone by `%s` (which rewrites this section, the notes on method and the findings). Load average %s at the start, %s at the end.", cpuOnlyCommand(o), in.LoadBefore, in.LoadAfter)
	p("Three providers, %d instrumented applies of each per N, interleaved: *no-op* (`noop_cancellation`: ours' two arguments, nothing else), *no-op, ours' schema* (`noop_full_cancellation`: `zohocrm_backup_cancellation`'s own schema, taken from the provider, with its plan modifiers, validator and `timeouts`, filled in `Create` without a request; `cmd/zohocrm-bench/internal/noop`) and *ours*. "+
		"*Apply CPU* is Terraform's and the provider's (user + system, medians); *provider CPU* is the provider processes' alone (the wrapper's `getrusage` of each launch, summed); Terraform's share is the difference.", o.repeats)
	p("")
	p("| N | apply CPU (s): no-op | no-op, ours' schema | ours | ours / no-op | ours / no-op, ours' schema | provider CPU per cancellation (ms): no-op | no-op, ours' schema | ours | Terraform CPU per cancellation (ms): no-op | no-op, ours' schema | ours |")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.sizes {
		var apply, provider, terraform [3]float64
		for i, s := range cpuScenarios {
			f := cpuFiguresOf(in.Results, n, s)
			apply[i], provider[i] = median(f.ApplyCPU), median(f.ProviderCPU)
			terraform[i] = apply[i] - provider[i]
		}
		p("| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |", n, apply[0], apply[1], apply[2], ratio(apply[2], apply[0]), ratio(apply[2], apply[1]),
			perResourceMillis(provider[0], n), perResourceMillis(provider[1], n), perResourceMillis(provider[2], n),
			perResourceMillis(terraform[0], n), perResourceMillis(terraform[1], n), perResourceMillis(terraform[2], n))
	}
	p("")
	n := targetOursOverNoopN
	ours, noop := median(cpuFiguresOf(in.Results, n, scenarioOurs).ApplyCPU), median(cpuFiguresOf(in.Results, n, scenarioNoop).ApplyCPU)
	full := median(cpuFiguresOf(in.Results, n, scenarioNoopFull).ApplyCPU)
	if noop > 0 && full > 0 {
		r, rFull := ratio(ours, noop), ratio(ours, full)
		p("Target: ours / no-op apply CPU at N = %d no more than %.2f, or a profile showing that every remaining millisecond is the framework's. Ours / no-op: **%.2f**, %s. Ours / no-op with ours' schema: **%.2f**, %s.",
			n, targetCPURatioMax, r, verdict(r <= targetCPURatioMax), rFull, verdictSchema(rFull <= targetCPURatioMax))
		p("")
	}
	if len(in.Profiles) == 0 {
		return
	}
	pr := [3]*profileTotals{in.Profiles[scenarioNoop], in.Profiles[scenarioNoopFull], in.Profiles[scenarioOurs]}
	if pr[2] == nil || pr[0] == nil || pr[1] == nil {
		return
	}
	p("The profiles: %d applies of each at N = %d with every provider process under `pprof` (100 Hz; `zohocrm-bench serve-provider-profiled`), every launch added up, in CPU milliseconds per cancellation. "+
		"A sample is charged to the innermost frame of a module: the runtime's allocation or a `regexp` compile called by the framework is the framework's, JSON decoding called by the client is the provider's; samples with no module frame on their stack are the runtime's own goroutines (GC workers, the scheduler) or net/http's connection goroutines. "+
		"The harness's own profiling (heap snapshots) is left out. Profiled processes run somewhat slower than plain ones, so compare the columns with each other, not with the table above.", pr[2].Runs, pr[2].N)
	p("")
	p("| charged to | no-op | no-op, ours' schema | ours | ours - no-op, ours' schema | allocated (KiB per cancellation): no-op | no-op, ours' schema | ours |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, owner := range ownerOrder {
		var cpu, alloc [3]float64
		for i, t := range pr {
			cpu[i], alloc[i] = t.perCancellation(t.ByOwner[owner]), t.perCancellation(t.AllocByOwner[owner])/1024
		}
		if cpu == [3]float64{} && alloc == [3]float64{} {
			continue
		}
		p("| %s | %.3f | %.3f | %.3f | %+.3f | %.1f | %.1f | %.1f |", owner, cpu[0], cpu[1], cpu[2], cpu[2]-cpu[1], alloc[0], alloc[1], alloc[2])
	}
	var totals [3]float64
	for i, t := range pr {
		totals[i] = t.perCancellation(t.total())
	}
	p("| **all** | **%.3f** | **%.3f** | **%.3f** | **%+.3f** | | | |", totals[0], totals[1], totals[2], totals[2]-totals[1])
	p("")
	p("By RPC (the tf6server method each sample ran under), CPU milliseconds per cancellation:")
	p("")
	p("| RPC | no-op | no-op, ours' schema | ours |")
	p("|---|---:|---:|---:|")
	for _, rpc := range sortedKeys(pr[2].ByRPC, pr[1].ByRPC, pr[0].ByRPC) {
		p("| %s | %.3f | %.3f | %.3f |", rpc, pr[0].perCancellation(pr[0].ByRPC[rpc]), pr[1].perCancellation(pr[1].ByRPC[rpc]), pr[2].perCancellation(pr[2].ByRPC[rpc]))
	}
	p("")
	p("The top entries of ours' profile (each function's own time with the standard library and runtime it called), CPU milliseconds per cancellation, beside the same function in the no-ops:")
	p("")
	p("| function | charged to | ours | no-op, ours' schema | no-op |")
	p("|---|---|---:|---:|---:|")
	for _, key := range pr[2].topFunctions(20) {
		owner, fn, _ := strings.Cut(key, "\t")
		p("| `%s` | %s | %.3f | %.3f | %.3f |", fn, shortOwner(owner), pr[2].perCancellation(pr[2].ByFunction[key]), pr[1].perCancellation(pr[1].ByFunction[key]), pr[0].perCancellation(pr[0].ByFunction[key]))
	}
	p("")
}

func verdictSchema(ok bool) string {
	if ok {
		return "so what ours adds to the no-op is its schema's cost, in the framework and in Terraform, not its own code"
	}
	return "**missed**: ours' own code costs more than its schema"
}

// cpuOnlyCommand is the command that reproduces the CPU section alone.
func cpuOnlyCommand(o options) string {
	return fmt.Sprintf("zohocrm-bench -only cpu -sizes %s -repeats %d", joinInts(o.sizes), o.repeats)
}

func shortOwner(owner string) string {
	short, _, _ := strings.Cut(owner, " (")
	return short
}

// sortedKeys are the keys of the maps, by the first map's value, largest first.
func sortedKeys(maps ...map[string]float64) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(maps[0][b], maps[0][a]), strings.Compare(a, b))
	})
	return keys
}

// replaceSection puts section in place of the report's section that starts
// with the same heading (up to the next "## " heading), or before "## How
// each figure is measured", or at the end.
func replaceSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	report := string(old)
	heading, _, _ := strings.Cut(section, "\n")
	switch start := strings.Index(report, heading+"\n"); {
	case start >= 0:
		end := len(report)
		if next := strings.Index(report[start+len(heading):], "\n## "); next >= 0 {
			end = start + len(heading) + next + 1
		}
		report = report[:start] + section + report[end:]
	case strings.Contains(report, "\n## How each figure is measured"):
		at := strings.Index(report, "\n## How each figure is measured") + 1
		report = report[:at] + section + report[at:]
	default:
		report += section
	}
	return os.WriteFile(path, []byte(report), 0o644)
}
