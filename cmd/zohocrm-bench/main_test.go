package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-sizes", "10, 100,500", "-repeats", "5", "-rtt", "20ms", "-out", "x.md"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.sizes, []int{10, 100, 500}) || o.repeats != 5 || o.rtt != 20*time.Millisecond || o.out != "x.md" || o.work != "build/bench" {
		t.Fatalf("options = %+v", o)
	}
	if o, err := parseFlags([]string{"-only", "download", "-download-terraform", "/bin/terraform"}, io.Discard); err != nil || o.only != "download" {
		t.Fatalf("-only download: %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-sizes", "10,x"}, {"-sizes", "0"}, {"-repeats", "0"}, {"-rtt", "0s"}, {"stray"}, {"-only", "download"}, {"-only", "x"}, {"-only", "download", "-download-terraform", "t", "-rerender"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestMeasurementPlanInterleavesScenarios(t *testing.T) {
	plan := measurementPlan([]int{10, 100}, 2, 50*time.Millisecond)
	if len(plan) != 2*2*9 {
		t.Fatalf("%d runs, want 36", len(plan))
	}
	names := map[string]bool{}
	for _, spec := range plan {
		if names[spec.name()] {
			t.Fatalf("two runs share the folder %s", spec.name())
		}
		names[spec.name()] = true
	}
	first := plan[:9]
	if first[0].Scenario != scenarioFloor || first[1].Scenario != scenarioNoop || first[2].Scenario != scenarioOurs || first[3].Scenario != scenarioWorkaround ||
		!first[4].Instrumented || !first[5].Instrumented || first[5].Scenario != scenarioNoop || !first[6].Instrumented || first[6].Scenario != scenarioNoopFull ||
		first[7].Scenario != scenarioOurs || first[7].RTT != 50*time.Millisecond ||
		first[8].Scenario != scenarioWorkaround || first[8].RTT != 50*time.Millisecond {
		t.Fatalf("first repeat = %+v", first)
	}
}

// TestConfigurationsAreValid runs terraform validate on each configuration,
// which needs no provider for the floor and the workaround.
func TestConfigurationsAreValid(t *testing.T) {
	if _, err := exec.LookPath(terraformCLI()); err != nil {
		t.Fatalf("no Terraform CLI: %v", err)
	}
	for _, tc := range []struct {
		s               scenario
		url, caFile     string
		curlMustInclude string
	}{
		{scenarioFloor, "http://127.0.0.1:1", "", ""},
		{scenarioWorkaround, "http://127.0.0.1:1", "", "curl -sS --fail-with-body"},
		// Over TLS the workaround's curl trusts the emulator's certificate.
		{scenarioWorkaround, "https://127.0.0.1:1", "/tmp/ca.pem", `curl -sS --cacert \"${var.ca_file}\" --fail-with-body`},
	} {
		s, dir := tc.s, t.TempDir()
		if err := writeConfiguration(dir, s, tc.url, []string{"1", "2"}, tc.caFile); err != nil {
			t.Fatal(err)
		}
		mainTF, err := os.ReadFile(filepath.Join(dir, "main.tf"))
		if err != nil || !strings.Contains(string(mainTF), tc.curlMustInclude) {
			t.Fatalf("%s main.tf lacks %q (%v):\n%s", s, tc.curlMustInclude, err, mainTF)
		}
		for _, args := range [][]string{{"init", "-backend=false", "-input=false"}, {"validate", "-no-color"}} {
			cmd := exec.Command(terraformCLI(), args...)
			cmd.Dir, cmd.Env = dir, terraformEnv(os.Environ())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: terraform %s: %v\n%s", s, args[0], err, out)
			}
		}
	}
	ours, err := os.ReadFile(filepath.Join(writeOurs(t), "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ours), `resource "zohocrm_backup_cancellation" "this"`) {
		t.Fatalf("ours does not declare the resource:\n%s", ours)
	}
}

func writeOurs(t *testing.T) string {
	dir := t.TempDir()
	if err := writeConfiguration(dir, scenarioOurs, "http://127.0.0.1:1", []string{"1"}, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTerraformEnvDropsLoggingAndConfig(t *testing.T) {
	env := terraformEnv([]string{"PATH=/bin", "TF_LOG=TRACE", "TF_CLI_CONFIG_FILE=/x", "ZOHOCRM_API_DOMAIN=https://x", "HOME=/root"})
	for _, kv := range env {
		if strings.HasPrefix(kv, "TF_LOG") || strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE") || strings.HasPrefix(kv, "ZOHOCRM_API_DOMAIN") {
			t.Errorf("%s kept", kv)
		}
	}
	if !slices.Contains(env, "PATH=/bin") || !slices.Contains(env, "ZOHOCRM_ACCESS_TOKEN="+benchToken) {
		t.Errorf("env = %v", env)
	}
}

func TestWrapperScriptQuotes(t *testing.T) {
	got := wrapperScript("/a b/bench", "/it's/provider", "/r.jsonl")
	want := "#!/bin/sh\nexec '/a b/bench' wrap-provider '/it'\\''s/provider' '/r.jsonl'\n"
	if got != want {
		t.Fatalf("script = %q, want %q", got, want)
	}
}

func TestLaunchRecordsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "launches.jsonl")
	want := []launchRecord{{HandshakeMillis: 12.5, PeakRSSKiB: 20480}, {HandshakeMillis: 9, PeakRSSKiB: 30000, ExitCode: 1}}
	for _, r := range want {
		if err := appendRecord(path, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readRecords(path)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("records = %+v, %v; want %+v", got, err, want)
	}
}

func TestReportSaysWhichTargetsAreMet(t *testing.T) {
	o := options{sizes: []int{100, 500}, repeats: 1, rtt: 50 * time.Millisecond}
	run := func(s scenario, n int, seconds float64, requests, plan int, conns int64) runResult {
		return runResult{Spec: runSpec{Scenario: s, N: n, Repeat: 1}, ApplySeconds: seconds, ApplyRequests: requests, PlanRequests: plan, ApplyConnections: conns}
	}
	results := []runResult{
		run(scenarioFloor, 100, 1, 0, -1, 0), run(scenarioNoop, 100, 1.1, 0, -1, 0), run(scenarioOurs, 100, 1.2, 100, 0, 10), run(scenarioWorkaround, 100, 4, 100, -1, 100),
		run(scenarioFloor, 500, 5, 0, -1, 0), run(scenarioNoop, 500, 6.8, 0, -1, 0), run(scenarioOurs, 500, 7, 501, 0, 13), run(scenarioWorkaround, 500, 20, 500, -1, 500),
		{Spec: runSpec{Scenario: scenarioOurs, N: 500, Repeat: 1, Instrumented: true}, Launches: []launchRecord{{HandshakeMillis: 10, PeakRSSKiB: 30 * 1024}}},
		{Spec: runSpec{Scenario: scenarioOurs, N: 100, Repeat: 1, RTT: 50 * time.Millisecond}, ApplySeconds: 2, ApplyRequests: 100, ApplyConnections: 1},
		{Spec: runSpec{Scenario: scenarioWorkaround, N: 100, Repeat: 1, RTT: 50 * time.Millisecond}, ApplySeconds: 5, ApplyRequests: 100, ApplyConnections: 100},
	}
	report := renderReport(reportInput{Options: o, Results: results})
	for _, want := range []string{
		"| exactly 1.00 API request per cancellation | 1.00 (100/100), 1.00 (501/500) | **missed** |",
		"| ours / no-op at N = 500 no more than 1.05 (wall time; CPU: 0.00) | 1.03 | met |",
		"| workaround at least 3x slower than ours at N = 100, on loopback plain HTTP (connections cost nothing) | 3.33x | met |",
		"| workaround at least 3x slower than ours at N = 100, over the realistic network (TLS 1.3, 50ms RTT) | 2.50x | **missed** |",
		"| 100 | 0.50 | 2.00 | 5.00 | 2.50 | 1.50 | 8.0 | 10.0 | 1 | 100 | 1.00, 1.00 |",
		"| TCP connections no more than parallelism + 2 (12) for the whole apply | 13 (most in any apply, loopback or realistic network) | **missed** |",
		"| provider peak RSS under 40 MiB | 30.0 MiB | met |",
		"| 500 | 5.00 | 6.80 | 7.00 | 20.00 | 1.36 | 1.03 | 1.40 | 2.86 | 0.4 | 30.0 |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}
