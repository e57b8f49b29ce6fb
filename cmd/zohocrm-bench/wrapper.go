package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// wrapCommand is the first argument that runs this binary as the provider
// wrapper rather than as the harness.
const wrapCommand = "wrap-provider"

// launchRecord is what the wrapper learns about one run of the provider
// process. Terraform starts the provider several times in one apply (for its
// schema, for the plan and for the apply), so each run is one record.
type launchRecord struct {
	// HandshakeMillis is the time from starting the provider process to its
	// go-plugin handshake line on stdout: how long Terraform waits before it
	// can make the first RPC.
	HandshakeMillis float64 `json:"handshake_ms"`
	// PeakRSSKiB is the provider's maximum resident set size over its whole
	// life (getrusage ru_maxrss of the exited child, which Linux reports in KiB).
	PeakRSSKiB int64 `json:"peak_rss_kib"`
	// CPUMillis is the provider's user and system CPU time over its life.
	CPUMillis float64 `json:"cpu_ms"`
	ExitCode  int     `json:"exit_code"`
}

// runWrapper stands between Terraform and the real provider binary. The
// filesystem mirror holds a two-line script that execs it, so Terraform
// launches the wrapper as if it were the provider; the wrapper starts the
// real provider with the same environment, standard input and standard
// error, copies its standard output through, and appends a launchRecord to
// recordPath when the provider exits.
func runWrapper(provider, recordPath string) int {
	// Pdeathsig is bound to the thread that forks: keep this goroutine on it,
	// so the provider dies with the wrapper and is never left running.
	runtime.LockOSThread()
	cmd := exec.Command(provider)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench wrapper:", err)
		return 1
	}
	// Terraform stops providers over gRPC and, failing that, kills them. Pass
	// interrupts on instead of dying first.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)

	began := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench wrapper:", err)
		return 1
	}
	go func() {
		for sig := range signals {
			_ = cmd.Process.Signal(sig)
		}
	}()

	var record launchRecord
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		reader := bufio.NewReader(stdout)
		line, err := reader.ReadBytes('\n')
		if len(line) > 0 {
			record.HandshakeMillis = float64(time.Since(began).Microseconds()) / 1000
			_, _ = os.Stdout.Write(line)
		}
		if err == nil {
			_, _ = io.Copy(os.Stdout, reader)
		}
	}()
	<-copied // Wait must not run before the pipe is drained.
	waitErr := cmd.Wait()

	record.ExitCode = cmd.ProcessState.ExitCode()
	record.CPUMillis = float64((cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Microseconds()) / 1000
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		record.PeakRSSKiB = usage.Maxrss
	}
	if err := appendRecord(recordPath, record); err != nil {
		fmt.Fprintln(os.Stderr, "zohocrm-bench wrapper:", err)
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		fmt.Fprintln(os.Stderr, "zohocrm-bench wrapper:", waitErr)
		return 1
	}
	return max(record.ExitCode, 0)
}

// appendRecord adds one JSON line. Lines are far below PIPE_BUF, so the
// appends of concurrent provider processes never interleave.
func appendRecord(path string, record launchRecord) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("recording the provider launch: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("recording the provider launch: %w", err)
	}
	return f.Close()
}

// readRecords reads the launch records the wrapper appended to path.
func readRecords(path string) ([]launchRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading provider launch records: %w", err)
	}
	defer f.Close()
	var records []launchRecord
	decoder := json.NewDecoder(f)
	for {
		var r launchRecord
		err := decoder.Decode(&r)
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading provider launch records in %s: %w", path, err)
		}
		records = append(records, r)
	}
}

// wrapperScript is the file the instrumented mirror holds in place of the
// provider: it hands over to this binary in wrapper mode.
func wrapperScript(harness, provider, recordPath string) string {
	return fmt.Sprintf("#!/bin/sh\nexec %s %s %s %s\n",
		shellQuote(harness), wrapCommand, shellQuote(provider), shellQuote(recordPath))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, `'\''`...)
			continue
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
