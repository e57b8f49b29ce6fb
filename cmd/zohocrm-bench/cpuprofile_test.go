package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
)

func TestAttributeChargesTheInnermostModuleFrame(t *testing.T) {
	for _, tc := range []struct {
		stack       []string
		owner, fn   string
		rpc         string
		byProfiler  bool
		description string
	}{
		{
			stack: []string{"runtime.mallocgc", "regexp.Compile", "github.com/hashicorp/terraform-plugin-framework/internal/reflect.isValidFieldName",
				moduleOurs + "internal/provider.(*backupCancellationResource).Create", "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).ApplyResourceChange", "google.golang.org/grpc.(*Server).processRPC"},
			owner: ownerFramework, fn: "terraform-plugin-framework/internal/reflect.isValidFieldName", rpc: "ApplyResourceChange",
		},
		{
			stack: []string{"encoding/json.Unmarshal", moduleOurs + "internal/zoho.parseEnvelope", "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server.(*server).ApplyResourceChange"},
			owner: ownerProvider, fn: "internal/zoho.parseEnvelope", rpc: "ApplyResourceChange",
		},
		{stack: []string{"internal/runtime/syscall/linux.Syscall6", "net/http.(*persistConn).readLoop"}, owner: ownerHTTP, fn: "net/http.(*persistConn).readLoop", rpc: "outside any RPC"},
		{stack: []string{"runtime.scanObject", "runtime.gcBgMarkWorker"}, owner: ownerRuntime, fn: "runtime.gcBgMarkWorker", rpc: "outside any RPC"},
		{stack: []string{"runtime/pprof.writeHeap", "main.snapshotHeap.func1"}, byProfiler: true},
		{stack: []string{"golang.org/x/net/http2.(*Framer).ReadFrame", "google.golang.org/grpc/internal/transport.(*http2Server).HandleStreams"}, owner: ownerGRPC, fn: "golang.org/x/net/http2.(*Framer).ReadFrame", rpc: "outside any RPC"},
	} {
		a := attribute(tc.stack)
		if a.profiler != tc.byProfiler || !tc.byProfiler && (a.owner != tc.owner || a.function != tc.fn || a.rpc != tc.rpc) {
			t.Errorf("attribute(%v) = %+v, want %s / %s / %s (profiler %v)", tc.stack, a, tc.owner, tc.fn, tc.rpc, tc.byProfiler)
		}
	}
}

//go:noinline
func allocateForTheProfile() [][]byte {
	var kept [][]byte
	for range 64 {
		kept = append(kept, make([]byte, 64<<10))
	}
	return kept
}

// TestReadPprofReadsRuntimeProfiles reads back a heap profile runtime/pprof
// wrote, and finds the allocating function on the stack of its samples.
func TestReadPprofReadsRuntimeProfiles(t *testing.T) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	kept := allocateForTheProfile()
	runtime.GC()
	path := filepath.Join(t.TempDir(), "heap.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(kept)

	p, err := readPprof(path)
	if err != nil {
		t.Fatal(err)
	}
	i, err := p.valueIndex("alloc_space")
	if err != nil {
		t.Fatal(err)
	}
	var bytes int64
	for _, s := range p.samples {
		if slices.ContainsFunc(s.stack, func(fn string) bool { return strings.HasSuffix(fn, ".allocateForTheProfile") }) {
			bytes += s.values[i]
		}
	}
	if bytes < 64*64<<10 {
		t.Fatalf("%d bytes allocated by allocateForTheProfile in the profile, want at least %d", bytes, 64*64<<10)
	}
	if _, err := p.valueIndex("nope"); err == nil {
		t.Fatal("a missing sample type was found")
	}
}

func TestReplaceSectionRewritesOnlyItsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.md")
	before := "# Benchmarks\n\n## A\n\na\n\n" + cpuSectionTitle + "\n\nold\n\n## How each figure is measured\n\nnotes\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	section := cpuSectionTitle + "\n\nnew\n\n"
	if err := replaceSection(path, section); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# Benchmarks\n\n## A\n\na\n\n" + cpuSectionTitle + "\n\nnew\n\n## How each figure is measured\n\nnotes\n"
	if string(got) != want {
		t.Fatalf("report =\n%s\nwant\n%s", got, want)
	}
	// Without the section, it goes before the notes.
	if err := os.WriteFile(path, []byte("# B\n\n## How each figure is measured\n\nnotes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := replaceSection(path, section); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if want := "# B\n\n" + section + "## How each figure is measured\n\nnotes\n"; string(got) != want {
		t.Fatalf("report =\n%s\nwant\n%s", got, want)
	}
}
