package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Owners a profile sample is charged to (see attribute).
const (
	ownerProvider  = "provider code (internal/provider, internal/zoho; the no-op's resources)"
	ownerHTTP      = "provider's HTTP connections (net/http, no provider frame)"
	ownerFramework = "terraform-plugin-framework (and -timeouts, -validators)"
	ownerPluginGo  = "terraform-plugin-go, terraform-plugin-log, go-plugin"
	ownerGRPC      = "gRPC, HTTP/2, protobuf"
	ownerRuntime   = "Go runtime alone: GC, scheduler, idle polling"
	ownerOther     = "other modules"
)

var ownerOrder = []string{ownerProvider, ownerHTTP, ownerFramework, ownerPluginGo, ownerGRPC, ownerRuntime, ownerOther}

const moduleOurs = "github.com/zohocrm-terraform/terraform-provider-zohocrm/"

// attribution is where one sample's time (or allocation) is charged.
type attribution struct {
	owner, function, rpc string
	profiler             bool // the harness's own profiling: left out
}

// attribute charges a sample, stack leaf first, to the innermost frame of a
// module (not the standard library nor the runtime): runtime.mallocgc
// called by the framework is the framework's, encoding/json called by the
// client is the provider's. A stack with no module frame is a goroutine of
// the runtime (GC, scheduler) or of net/http's connections. rpc is the
// tf6server method the sample ran under, if any.
func attribute(stack []string) attribution {
	a := attribution{rpc: "outside any RPC"}
	for _, fn := range stack {
		if strings.HasPrefix(fn, "main.") || strings.HasPrefix(fn, "runtime/pprof.") {
			return attribution{profiler: true}
		}
		// RPCs are the exported methods; loggingContext and the like run in them.
		if rpc, ok := strings.CutPrefix(fn, "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server)."); ok && a.rpc == "outside any RPC" &&
			rpc != "" && rpc[0] >= 'A' && rpc[0] <= 'Z' {
			a.rpc = rpc
		}
		if a.owner == "" {
			if owner := moduleOwner(fn); owner != "" {
				a.owner, a.function = owner, shortFunction(fn)
			}
		}
	}
	if a.owner != "" {
		return a
	}
	a.owner = ownerRuntime
	for _, fn := range stack {
		if strings.HasPrefix(fn, "net/http.") || strings.HasPrefix(fn, "crypto/tls.") {
			a.owner = ownerHTTP
			break
		}
	}
	if len(stack) > 0 {
		a.function = shortFunction(stack[len(stack)-1])
	}
	return a
}

// moduleOwner is the owner of a function of a module, "" for the standard
// library and the runtime.
func moduleOwner(fn string) string {
	first, _, found := strings.Cut(fn, "/")
	if !found || !strings.Contains(first, ".") {
		return ""
	}
	switch {
	case strings.HasPrefix(fn, moduleOurs):
		return ownerProvider
	case strings.HasPrefix(fn, "github.com/hashicorp/terraform-plugin-framework"):
		return ownerFramework
	case strings.HasPrefix(fn, "github.com/hashicorp/terraform-plugin-go"), strings.HasPrefix(fn, "github.com/hashicorp/terraform-plugin-log"),
		strings.HasPrefix(fn, "github.com/hashicorp/go-plugin"), strings.HasPrefix(fn, "github.com/hashicorp/go-hclog"):
		return ownerPluginGo
	case strings.HasPrefix(fn, "google.golang.org/"), strings.HasPrefix(fn, "golang.org/x/net/"):
		return ownerGRPC
	}
	return ownerOther
}

func shortFunction(fn string) string {
	for _, prefix := range []string{moduleOurs, "github.com/hashicorp/", "google.golang.org/"} {
		if s, ok := strings.CutPrefix(fn, prefix); ok {
			return s
		}
	}
	return fn
}

// profileTotals adds up the profiles of one scenario's profiled applies.
type profileTotals struct {
	Runs, N int
	// CPU milliseconds over all runs, by owner, by function (owner and
	// function joined by a tab) and by RPC; Profiler is what was left out.
	ByOwner, ByFunction, ByRPC map[string]float64
	Profiler                   float64
	// AllocByOwner is bytes allocated over all runs, by owner.
	AllocByOwner map[string]float64
}

func newProfileTotals(n int) *profileTotals {
	return &profileTotals{N: n, ByOwner: map[string]float64{}, ByFunction: map[string]float64{}, ByRPC: map[string]float64{}, AllocByOwner: map[string]float64{}}
}

// addRun adds every provider process profiled in one apply (dir holds their
// *.cpu.pprof and *.heap.pprof).
func (t *profileTotals) addRun(dir string) error {
	cpuFiles, err := filepath.Glob(filepath.Join(dir, "*.cpu.pprof"))
	if err != nil || len(cpuFiles) == 0 {
		return fmt.Errorf("no CPU profile in %s", dir)
	}
	for _, path := range cpuFiles {
		if err := t.addCPU(path); err != nil {
			return err
		}
		heap := strings.TrimSuffix(path, ".cpu.pprof") + ".heap.pprof"
		if _, err := os.Stat(heap); err == nil {
			if err := t.addAllocs(heap); err != nil {
				return err
			}
		}
	}
	t.Runs++
	return nil
}

func (t *profileTotals) addCPU(path string) error {
	p, err := readPprof(path)
	if err != nil {
		return err
	}
	i, err := p.valueIndex("cpu")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range p.samples {
		ms := float64(s.values[i]) / 1e6
		a := attribute(s.stack)
		if a.profiler {
			t.Profiler += ms
			continue
		}
		t.ByOwner[a.owner] += ms
		t.ByFunction[a.owner+"\t"+a.function] += ms
		t.ByRPC[a.rpc] += ms
	}
	return nil
}

func (t *profileTotals) addAllocs(path string) error {
	p, err := readPprof(path)
	if err != nil {
		return err
	}
	i, err := p.valueIndex("alloc_space")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, s := range p.samples {
		if a := attribute(s.stack); !a.profiler {
			t.AllocByOwner[a.owner] += float64(s.values[i])
		}
	}
	return nil
}

// perCancellation turns a total over all runs into a figure per run and
// resource.
func (t *profileTotals) perCancellation(total float64) float64 {
	if t == nil || t.Runs == 0 || t.N == 0 {
		return 0
	}
	return total / float64(t.Runs*t.N)
}

func (t *profileTotals) total() float64 {
	sum := 0.0
	for _, v := range t.ByOwner {
		sum += v
	}
	return sum
}

// topFunctions are the keys of ByFunction, most CPU first.
func (t *profileTotals) topFunctions(n int) []string {
	keys := make([]string, 0, len(t.ByFunction))
	for k := range t.ByFunction {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(t.ByFunction[b], t.ByFunction[a]), strings.Compare(a, b))
	})
	return keys[:min(n, len(keys))]
}

// cpuScenarios are the scenarios of the CPU section, baseline first.
var cpuScenarios = []scenario{scenarioNoop, scenarioNoopFull, scenarioOurs}

// profiledRuns is how many profiled applies of each scenario the CPU section
// adds up (at the largest N): a 100 Hz profile of one apply holds a few
// hundred samples.
const profiledRuns = 3

// cpuPlan lists the CPU section's instrumented runs (interleaved within each
// repeat) and its profiled runs at the largest N.
func cpuPlan(sizes []int, repeats int) (instrumented, profiled []runSpec) {
	for _, n := range sizes {
		for r := 1; r <= repeats; r++ {
			for _, s := range cpuScenarios {
				instrumented = append(instrumented, runSpec{Scenario: s, N: n, Repeat: r, Instrumented: true})
			}
		}
	}
	for r := 1; r <= profiledRuns; r++ {
		for _, s := range cpuScenarios {
			profiled = append(profiled, runSpec{Scenario: s, N: slices.Max(sizes), Repeat: r, Profiled: true})
		}
	}
	return instrumented, profiled
}
