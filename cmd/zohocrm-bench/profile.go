package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/cmd/zohocrm-bench/internal/noop"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/provider"
)

// profileCommand is the first argument that runs this binary as a
// provider, under the CPU profiler: profiledZohocrm serves this provider as
// main.go does, profiledNoop the no-op provider as noopprovider does. Only
// the profiling around them is added.
const profileCommand = "serve-provider-profiled"

const (
	profiledZohocrm = "zohocrm"
	profiledNoop    = "noop"
)

// profileDirVariable names, in the profiled provider's environment, the
// folder its profiles go to.
const profileDirVariable = "ZOHOCRM_BENCH_PPROF_DIR"

// runProfiledProvider serves the provider as Terraform launched it and
// writes, when Terraform stops it, a CPU profile and a heap profile (all
// allocations over the process's life, and what was still in use at the
// last GC) named after the process id into $ZOHOCRM_BENCH_PPROF_DIR.
func runProfiledProvider(which string) int {
	prefix := filepath.Join(os.Getenv(profileDirVariable), fmt.Sprintf("provider-%d", os.Getpid()))
	cpu, err := os.Create(prefix + ".cpu.pprof")
	if err != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench profiler:", err)
		return 1
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench profiler:", err)
		return 1
	}
	provider.TurnOffUnwantedLogs() // As main.go does.
	stopSnapshots := snapshotHeap(prefix + ".heap-live.pprof")
	var serveErr error
	if which == profiledNoop {
		serveErr = tf6server.Serve(noop.Address, providerserver.NewProtocol6(noop.New()))
	} else {
		serveErr = tf6server.Serve(provider.Address, provider.NewProtocol6Server(providerVersion))
	}
	pprof.StopCPUProfile()
	stopSnapshots()
	writeMemStats(prefix + ".memstats.json")

	heap, err := os.Create(prefix + ".heap.pprof")
	if err == nil {
		runtime.GC() // Up-to-date in-use figures.
		err = pprof.Lookup("allocs").WriteTo(heap, 0)
		_ = heap.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench profiler:", err)
	}
	if serveErr != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench profiler:", serveErr)
		return 1
	}
	return 0
}

// profilerScript is the file the profiling mirror holds in place of the
// provider.
func profilerScript(harness, which string) string {
	return fmt.Sprintf("#!/bin/sh\nexec %s %s %s\n", shellQuote(harness), profileCommand, which)
}

// writeMemStats records where the process's memory went: the Go runtime's
// view (heap, stacks, GC count) next to the kernel's peak RSS.
func writeMemStats(path string) {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	_ = writeJSON(path, map[string]any{
		"peak_rss_kib":      usage.Maxrss,
		"sys_kib":           stats.Sys / 1024,
		"heap_sys_kib":      stats.HeapSys / 1024,
		"heap_inuse_kib":    stats.HeapInuse / 1024,
		"heap_released_kib": stats.HeapReleased / 1024,
		"stack_sys_kib":     stats.StackSys / 1024,
		"total_alloc_kib":   stats.TotalAlloc / 1024,
		"num_gc":            stats.NumGC,
		"gomaxprocs":        runtime.GOMAXPROCS(0),
	})
}

// snapshotHeap writes the heap profile to path every 2 seconds until the
// returned function is called, so that the last snapshot shows what was live
// while the provider served, before its shutdown released anything.
func snapshotHeap(path string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(2 * time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				if f, err := os.Create(path); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					_ = f.Close()
				}
				if f, err := os.Create(path + ".goroutines.txt"); err == nil {
					_ = pprof.Lookup("goroutine").WriteTo(f, 1)
					_ = f.Close()
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
