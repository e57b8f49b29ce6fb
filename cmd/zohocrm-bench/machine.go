package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine describes where the figures were measured.
type machine struct {
	CPU       string
	Cores     int
	MemoryGiB float64
	OS        string
	Kernel    string
	Go        string
	Terraform string
	Curl      string
}

func describeMachine(ctx context.Context) machine {
	return machine{
		CPU:       firstField("/proc/cpuinfo", "model name", ":"),
		Cores:     runtime.NumCPU(),
		MemoryGiB: memTotalGiB(),
		OS:        strings.Trim(firstField("/etc/os-release", "PRETTY_NAME", "="), `"`),
		Kernel:    strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		Go:        runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Terraform: firstLine(ctx, terraformCLI(), "version"),
		Curl:      firstWords(firstLine(ctx, "curl", "--version"), 2),
	}
}

// firstField returns the value of the first "key<sep>value" line of a file.
func firstField(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		k, v, ok := strings.Cut(scanner.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func memTotalGiB() float64 {
	fields := strings.Fields(firstField("/proc/meminfo", "MemTotal", ":")) // "24683652 kB"
	if len(fields) == 0 {
		return 0
	}
	kib, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0
	}
	return kib / (1 << 20)
}

func readFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return string(data)
}

// firstLine runs a command and returns the first line of its output. The
// environment is cleared of TF_ variables so that Terraform does not warn
// about a CLI configuration the harness never uses.
func firstLine(ctx context.Context, name string, args ...string) string {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = terraformEnv(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		return fmt.Sprintf("%s: unknown (%v)", name, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

// firstWords keeps the first n words of s ("curl 7.88.1 (x86_64...) ..." -> "curl 7.88.1").
func firstWords(s string, n int) string {
	words := strings.Fields(s)
	return strings.Join(words[:min(n, len(words))], " ")
}

// loadAverage is the 1, 5 and 15 minute load average, as /proc/loadavg has it.
func loadAverage() string {
	fields := strings.Fields(readFile("/proc/loadavg"))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], ", ")
}

// runMicroBenchmarks runs the client's Go benchmarks and returns their
// result lines.
func runMicroBenchmarks(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./internal/zoho/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("running the client micro-benchmarks: %w\n%s", err, out)
	}
	var lines []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") {
			lines = append(lines, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(lines, "\n"), nil
}
