package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// benchToken is the access token the emulator accepts. It is shaped like a
// Zoho token but grants nothing anywhere else.
const benchToken = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"

// benchRRule is the schedule of the seeded backups.
const benchRRule = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"

// terraformParallelism is Terraform's default -parallelism, which the runs
// keep: the figures are those of a plain `terraform apply`.
const terraformParallelism = 10

// runSpec names one timed apply.
type runSpec struct {
	Scenario scenario
	N        int
	Repeat   int // 0 is the untimed warm-up
	// Instrumented runs launch the provider through the wrapper that records
	// its peak RSS and start-up time; their wall times are not reported.
	Instrumented bool
	// RTT, when not 0, runs the realistic network: the emulator serves TLS
	// and models this round-trip time (emulator.WithRoundTripTime).
	RTT time.Duration
	// Profiled runs launch the provider under pprof (-pprof); they only
	// leave profiles behind.
	Profiled bool
}

func (s runSpec) name() string {
	name := fmt.Sprintf("%s-n%d", s.Scenario, s.N)
	if s.Instrumented {
		name += "-instrumented"
	}
	if s.Profiled {
		name += "-profiled"
	}
	if s.RTT > 0 {
		name += "-tls-rtt" + s.RTT.String()
	}
	return fmt.Sprintf("%s-r%d", name, s.Repeat)
}

// runResult is what one run measured.
type runResult struct {
	Spec runSpec `json:"spec"`
	// ApplySeconds is the wall time of `terraform apply`.
	ApplySeconds float64 `json:"apply_seconds"`
	// ApplyCPUSeconds is the CPU time of that apply (see terraformRun).
	ApplyCPUSeconds float64 `json:"apply_cpu_seconds"`
	// ApplyRequests and ApplyConnections are what the emulator saw during
	// the apply: backup-API requests and TCP connections accepted.
	ApplyRequests    int   `json:"apply_requests"`
	ApplyConnections int64 `json:"apply_connections"`
	// PlanRequests is what a following `terraform plan` (which must find no
	// changes) sent; -1 when not measured.
	PlanRequests int `json:"plan_requests"`
	// Launches are the provider processes of an instrumented apply.
	Launches []launchRecord `json:"launches,omitempty"`
}

// bench holds what every run shares: the built binaries, the two mirrors and
// the environment Terraform runs in.
type bench struct {
	work   string
	logger *log.Logger
	// plainRC installs the provider binary itself; wrappedRC installs the
	// wrapper script in its place.
	plainRC, wrappedRC, profiledRC string
	records                        string // where the wrapper appends launch records
	env                            []string
	// cert is the emulator's throwaway TLS certificate in the realistic
	// network runs; caFile holds it in PEM for the provider and curl.
	cert   tls.Certificate
	caFile string
}

// newBench empties the working directory, builds the provider as a release
// would (static, trimmed, stripped) and lays out the two mirrors.
func newBench(ctx context.Context, work string, logger *log.Logger) (*bench, error) {
	work, err := filepath.Abs(work)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(work); err != nil {
		return nil, fmt.Errorf("emptying %s: %w", work, err)
	}
	b := &bench{work: work, logger: logger, records: filepath.Join(work, "launches.jsonl")}
	if _, err := exec.LookPath(terraformCLI()); err != nil {
		return nil, fmt.Errorf("TERRAFORM=%q is not a CLI on PATH nor an executable path: the benchmark drives the Terraform CLI (>= 1.11)", terraformCLI())
	}
	if _, err := exec.LookPath("curl"); err != nil {
		return nil, errors.New("'curl' is not on PATH: the workaround configuration runs it")
	}

	provider := b.path("bin", "terraform-provider-zohocrm_v"+providerVersion)
	logger.Printf("building the provider %s into %s", providerVersion, provider)
	build := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X main.version="+providerVersion, "-o", provider, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the provider: %w\n%s", err, out)
	}
	noop := b.path("bin", "terraform-provider-noop_v"+providerVersion)
	logger.Printf("building the no-op framework provider into %s", noop)
	build = exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", noop, "./cmd/zohocrm-bench/noopprovider")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the no-op provider: %w\n%s", err, out)
	}
	harness, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("locating the harness binary for the wrapper: %w", err)
	}

	platform := runtime.GOOS + "_" + runtime.GOARCH
	pluginPath := func(mirror string) string {
		return filepath.Join(mirror, "registry.terraform.io", "zohocrm-terraform", "zohocrm", providerVersion, platform,
			"terraform-provider-zohocrm_v"+providerVersion)
	}
	plainMirror, wrappedMirror := b.path("mirror-plain"), b.path("mirror-instrumented")
	if err := copyExecutable(provider, pluginPath(plainMirror)); err != nil {
		return nil, err
	}
	noopPath := func(mirror string) string {
		return filepath.Join(mirror, "registry.terraform.io", "zohocrm-terraform", "noop", providerVersion, platform,
			"terraform-provider-noop_v"+providerVersion)
	}
	if err := copyExecutable(noop, noopPath(plainMirror)); err != nil {
		return nil, err
	}
	// The instrumented and profiled mirrors launch both providers the same way.
	if err := writeExecutable(pluginPath(wrappedMirror), wrapperScript(harness, provider, b.records)); err != nil {
		return nil, err
	}
	if err := writeExecutable(noopPath(wrappedMirror), wrapperScript(harness, noop, b.records)); err != nil {
		return nil, err
	}
	profiledMirror := b.path("mirror-profiled")
	if err := writeExecutable(pluginPath(profiledMirror), profilerScript(harness, profiledZohocrm)); err != nil {
		return nil, err
	}
	if err := writeExecutable(noopPath(profiledMirror), profilerScript(harness, profiledNoop)); err != nil {
		return nil, err
	}
	b.plainRC, b.wrappedRC, b.profiledRC = b.path("terraformrc-plain"), b.path("terraformrc-instrumented"), b.path("terraformrc-profiled")
	for rc, mirror := range map[string]string{b.plainRC: plainMirror, b.wrappedRC: wrappedMirror, b.profiledRC: profiledMirror} {
		if err := os.WriteFile(rc, []byte(cliConfig(mirror)), 0o644); err != nil {
			return nil, err
		}
	}
	b.env = terraformEnv(os.Environ())
	if err := b.makeCertificate(); err != nil {
		return nil, err
	}
	return b, nil
}

// makeCertificate generates the emulator's throwaway certificate for this
// benchmark and writes it where the provider and curl are told to trust it.
func (b *bench) makeCertificate() error {
	cert, certPEM, err := emulator.NewLoopbackCertificate()
	if err != nil {
		return err
	}
	b.cert, b.caFile = cert, b.path("tls", "emulator-cert.pem")
	if err := os.MkdirAll(filepath.Dir(b.caFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(b.caFile, certPEM, 0o644)
}

// terraformEnv is the caller's environment without anything that changes how
// Terraform or the provider behaves (TF_LOG, a CLI config, plugin caches,
// provider settings), plus the settings every run uses.
// terraformCLI is the Terraform CLI the benchmark and its tests run: the one
// TERRAFORM names (a command on PATH or a path; make sets it), else
// terraform on PATH.
func terraformCLI() string {
	if cli := os.Getenv("TERRAFORM"); cli != "" {
		return cli
	}
	return "terraform"
}

func terraformEnv(base []string) []string {
	var env []string
	for _, kv := range base {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "ZOHOCRM_") || strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "ZOHOCRM_ACCESS_TOKEN="+benchToken)
}

func (b *bench) path(elem ...string) string {
	return filepath.Join(append([]string{b.work}, elem...)...)
}

// runOne applies one configuration in a fresh folder against a fresh
// emulator seeded with N scheduled backups, and checks that the apply did
// what it claims before reporting its figures.
func (b *bench) runOne(ctx context.Context, spec runSpec) (runResult, error) {
	result := runResult{Spec: spec, PlanRequests: -1}
	dir := b.path("runs", spec.name())
	fail := func(err error) (runResult, error) {
		return result, fmt.Errorf("%s: %w (logs in %s)", spec.name(), err, dir)
	}

	opts := []emulator.Option{emulator.WithMonthlyQuota(-1)}
	env, caFile := b.env, ""
	if spec.RTT > 0 {
		opts = append(opts, emulator.WithTLS(b.cert), emulator.WithRoundTripTime(spec.RTT))
		// Go's crypto/x509 reads SSL_CERT_FILE on Linux: the provider trusts
		// the throwaway certificate and nothing else.
		env, caFile = append(slices.Clip(env), "SSL_CERT_FILE="+b.caFile), b.caFile
	}
	srv := emulator.New(opts...)
	srv.AddToken(benchToken, emulator.ScopeAll)
	ids := make([]string, spec.N)
	for i := range ids {
		ids[i] = srv.SeedBackup(emulator.StatusScheduled, benchRRule).ID
	}
	if err := srv.Start(); err != nil {
		return fail(err)
	}
	defer srv.Close()

	if err := writeConfiguration(dir, spec.Scenario, srv.URL(), ids, caFile); err != nil {
		return fail(err)
	}
	tf := terraformRunner{dir: dir, env: append(slices.Clip(env), "TF_CLI_CONFIG_FILE="+b.cliConfigFor(spec))}
	if _, err := tf.run(ctx, "init", "-input=false", "-no-color"); err != nil {
		return fail(err)
	}
	if err := b.prepareLaunches(spec, &tf); err != nil {
		return fail(err)
	}

	srv.ResetMetrics()
	began := time.Now()
	apply, err := tf.run(ctx, "apply", "-input=false", "-no-color", "-auto-approve")
	if err != nil {
		return fail(err)
	}
	result.ApplySeconds = time.Since(began).Seconds()
	result.ApplyCPUSeconds = apply.cpuSeconds
	metrics := srv.Metrics()
	result.ApplyRequests, result.ApplyConnections = metrics.Requests, metrics.ConnectionsAccepted
	if err := checkCancelled(srv, spec, ids); err != nil {
		return fail(err)
	}
	if spec.Instrumented {
		launches, err := readRecords(b.records)
		if err != nil {
			return fail(err)
		}
		result.Launches = launches
		return result, nil
	}

	if spec.Scenario == scenarioOurs && spec.RTT == 0 && !spec.Profiled {
		srv.ResetMetrics()
		// -detailed-exitcode: 0 is "no changes", 2 is "changes present".
		plan, err := tf.run(ctx, "plan", "-input=false", "-no-color", "-detailed-exitcode")
		if err != nil {
			return fail(err)
		}
		if plan.exitCode != 0 {
			return fail(fmt.Errorf("the plan after the apply is not empty (terraform plan -detailed-exitcode exited %d)", plan.exitCode))
		}
		result.PlanRequests = srv.Metrics().Requests
	}
	return result, nil
}

// prepareLaunches readies what the provider launches of a profiled run
// (their profile folder, in Terraform's environment) or of an instrumented
// one (no launch records left from an earlier run) need.
func (b *bench) prepareLaunches(spec runSpec, tf *terraformRunner) error {
	if spec.Profiled {
		if err := os.MkdirAll(b.profileDir(spec), 0o755); err != nil {
			return err
		}
		tf.env = append(tf.env, profileDirVariable+"="+b.profileDir(spec))
	}
	if spec.Instrumented {
		if err := os.Remove(b.records); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// profileDir is where the provider processes of a profiled run write their
// profiles.
func (b *bench) profileDir(spec runSpec) string { return b.path("pprof", spec.name()) }

// cliConfigFor is the CLI configuration whose mirror launches the provider
// as spec needs it: plainly, through the instrumenting wrapper, or under pprof.
func (b *bench) cliConfigFor(spec runSpec) string {
	switch {
	case spec.Instrumented:
		return b.wrappedRC
	case spec.Profiled:
		return b.profiledRC
	}
	return b.plainRC
}

// checkCancelled makes sure the apply really cancelled every backup (or, for
// the floor, touched none), so that no figure comes from a run that failed.
func checkCancelled(srv *emulator.Server, spec runSpec, ids []string) error {
	want := emulator.StatusStopped
	if spec.Scenario != scenarioOurs && spec.Scenario != scenarioWorkaround {
		want = emulator.StatusScheduled
	}
	for _, id := range ids {
		if b, _ := srv.Backup(id); b.Status != want {
			return fmt.Errorf("backup %s is %s after the apply, want %s", id, b.Status, want)
		}
	}
	return nil
}

// terraformRunner runs the Terraform CLI in one working directory, appending
// its output to terraform.log there.
type terraformRunner struct {
	// cli is the Terraform CLI to run; empty means terraformCLI().
	cli string
	dir string
	env []string
}

// terraformRun is what one Terraform command cost.
type terraformRun struct {
	exitCode int
	// cpuSeconds is the user and system CPU time of Terraform and of every
	// process it started and waited for (providers, provisioners): wait4
	// reports a child's usage together with that of its reaped children.
	cpuSeconds float64
}

// run reports how Terraform exited, and returns an error when it could not
// run or failed with an exit code other than 0 or 2 (2 is "changes present"
// for plan -detailed-exitcode, and a failure for the other commands, which
// never exit 2).
func (t terraformRunner) run(ctx context.Context, args ...string) (terraformRun, error) {
	logFile, err := os.OpenFile(filepath.Join(t.dir, "terraform.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return terraformRun{}, err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "\n$ terraform %s\n", strings.Join(args, " "))

	var stderr bytes.Buffer
	cli := t.cli
	if cli == "" {
		cli = terraformCLI()
	}
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Dir, cmd.Env, cmd.Stdout = t.dir, t.env, logFile
	cmd.Stderr = io.MultiWriter(logFile, &stderr)
	// Its own process group, so that an interrupted run takes Terraform, the
	// provider and any curl down with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if cmd.ProcessState == nil {
		return terraformRun{}, fmt.Errorf("terraform %s could not start: %w", args[0], err)
	}
	result := terraformRun{
		exitCode:   cmd.ProcessState.ExitCode(),
		cpuSeconds: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(),
	}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return result, fmt.Errorf("terraform %s interrupted: %w", args[0], ctx.Err())
	case err == nil:
		return result, nil
	case errors.As(err, &exitErr) && result.exitCode == 2 && args[0] == "plan":
		return result, nil
	default:
		return result, fmt.Errorf("terraform %s failed (exit %d): %w\n%s", args[0], result.exitCode, err, lastLines(stderr.String(), 20))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func copyExecutable(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeExecutableBytes(to, data)
}

func writeExecutable(path, content string) error { return writeExecutableBytes(path, []byte(content)) }

func writeExecutableBytes(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o755)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
