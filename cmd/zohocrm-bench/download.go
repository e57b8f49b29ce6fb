package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// The download benchmark: zohocrm_backup_download invoked through Terraform
// (1.14 or later: actions) against `curl -o` of the same link, both from the
// emulator's download host on loopback, one file of each size.

// downloadClient is what fetches the file in a download run.
type downloadClient string

const (
	downloadOurs downloadClient = "ours"
	downloadCurl downloadClient = "curl"
)

// downloadSpec names one timed download.
type downloadSpec struct {
	Client downloadClient
	Size   int64
	// Verify is the action's verify (every ZIP entry's CRC-32 checked).
	Verify bool
	// Drop cuts the connection once, at 50 % of the file: the action
	// resumes it with a Range request.
	Drop bool
	// Instrumented runs launch the provider through the wrapper that
	// records its peak RSS; their wall times are not reported.
	Instrumented bool
	// LineRate caps the download host's throughput (bytes per second), as
	// a real line does; 0 is loopback's own speed.
	LineRate int64
	Repeat   int
}

func (s downloadSpec) name() string {
	name := fmt.Sprintf("download-%s-%s", s.Client, sizeName(s.Size))
	if s.Verify {
		name += "-verify"
	}
	if s.Drop {
		name += "-drop"
	}
	if s.Instrumented {
		name += "-instrumented"
	}
	if s.LineRate > 0 {
		name += fmt.Sprintf("-line%dMbps", s.LineRate*8/1e6)
	}
	return fmt.Sprintf("%s-r%d", name, s.Repeat)
}

// downloadResult is what one download run measured.
type downloadResult struct {
	Spec    downloadSpec `json:"spec"`
	Seconds float64      `json:"seconds"`
	// Fetched is the body bytes the download host sent, over every request.
	Fetched  int64          `json:"fetched"`
	Requests int            `json:"requests"`
	Launches []launchRecord `json:"launches,omitempty"`
}

// downloadPlan lists the timed downloads: per size and repeat, ours and
// curl back to back (paired), ours with verify, an instrumented run for the
// peak RSS; and one run with a drop at 50 % per size. With a line rate, the
// largest size is also downloaded by both at that rate.
func downloadPlan(sizes []int64, repeats int, lineRate int64) []downloadSpec {
	var plan []downloadSpec
	for _, size := range sizes {
		for r := 1; r <= repeats; r++ {
			plan = append(plan,
				downloadSpec{Client: downloadOurs, Size: size, Repeat: r},
				downloadSpec{Client: downloadCurl, Size: size, Repeat: r},
				downloadSpec{Client: downloadOurs, Size: size, Verify: true, Repeat: r},
			)
		}
		plan = append(plan,
			downloadSpec{Client: downloadOurs, Size: size, Instrumented: true, Repeat: 1},
			downloadSpec{Client: downloadOurs, Size: size, Drop: true, Repeat: 1},
		)
	}
	if lineRate > 0 && len(sizes) > 0 {
		for r := 1; r <= repeats; r++ {
			plan = append(plan,
				downloadSpec{Client: downloadOurs, Size: slices.Max(sizes), LineRate: lineRate, Repeat: r},
				downloadSpec{Client: downloadCurl, Size: slices.Max(sizes), LineRate: lineRate, Repeat: r},
			)
		}
	}
	return plan
}

// downloadConfiguration invokes the action into ./backups.
const downloadConfiguration = terraformBlock + `
provider "zohocrm" {
  api_domain = %q
}

action "zohocrm_backup_download" "this" {
  config {
    directory = "${path.root}/backups"
    verify    = %t
  }
}
`

// runDownload downloads one file from a fresh emulator and checks it
// against the emulator's content before reporting any figure.
func (b *bench) runDownload(ctx context.Context, cli string, spec downloadSpec) (downloadResult, error) {
	result := downloadResult{Spec: spec}
	dir := b.path("downloads", spec.name())
	fail := func(err error) (downloadResult, error) {
		return result, fmt.Errorf("%s: %w (logs in %s)", spec.name(), err, dir)
	}
	srv := emulator.New(emulator.WithMonthlyQuota(-1), emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(spec.Size))
	srv.AddToken(benchToken, emulator.ScopeAll, emulator.ScopeFiles)
	backup := srv.SeedBackup(emulator.StatusCompleted, "")
	if spec.Drop {
		srv.InjectDownloadFault(emulator.DownloadFault{DropAfter: spec.Size / 2})
	}
	srv.SetDownloadThroughput(spec.LineRate)
	if err := srv.Start(); err != nil {
		return fail(err)
	}
	defer srv.Close()
	started, _ := srv.Backup(backup.ID)
	link := started.DataLinks[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	defer os.RemoveAll(filepath.Join(dir, "backups")) // a 1 GiB file per run would fill the disk

	seconds, file, err := b.fetch(ctx, cli, dir, srv.URL(), link, spec)
	if err != nil {
		return fail(err)
	}
	result.Seconds = seconds
	if got, want := fileSum(file), srv.ExpectedSHA256(link); got != want {
		return fail(fmt.Errorf("the downloaded file's SHA-256 is %s, not the emulator's %s", got, want))
	}
	for _, r := range srv.DownloadRequests() {
		result.Fetched += r.BytesSent
		result.Requests++
	}
	if spec.Instrumented {
		if result.Launches, err = readRecords(b.records); err != nil {
			return fail(err)
		}
	}
	return result, nil
}

// fetch runs the download spec names and returns its wall time and the
// downloaded file's path.
func (b *bench) fetch(ctx context.Context, cli, dir, apiDomain, link string, spec downloadSpec) (float64, string, error) {
	name := link[strings.LastIndex(link, "/")+1:]
	if spec.Client == downloadCurl {
		out := filepath.Join(dir, "backups", name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return 0, "", err
		}
		began := time.Now()
		// The token on the command line, as users of the curl workaround
		// pass it.
		curl := exec.CommandContext(ctx, "curl", "--silent", "--show-error", "--fail", "-o", out,
			"-H", "Authorization: Zoho-oauthtoken "+benchToken, link)
		if msg, err := curl.CombinedOutput(); err != nil {
			return 0, "", fmt.Errorf("curl: %w\n%s", err, msg)
		}
		return time.Since(began).Seconds(), out, nil
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, downloadConfiguration, apiDomain, spec.Verify), 0o644); err != nil {
		return 0, "", err
	}
	rc := b.plainRC
	if spec.Instrumented {
		rc = b.wrappedRC
		if err := os.Remove(b.records); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, "", err
		}
	}
	tf := terraformRunner{cli: cli, dir: dir, env: append(slices.Clip(b.env), "TF_CLI_CONFIG_FILE="+rc)}
	if _, err := tf.run(ctx, "init", "-input=false", "-no-color"); err != nil {
		return 0, "", err
	}
	began := time.Now()
	if _, err := tf.run(ctx, "apply", "-input=false", "-no-color", "-auto-approve", "-invoke=action.zohocrm_backup_download.this"); err != nil {
		return 0, "", err
	}
	seconds := time.Since(began).Seconds()
	jobDir, err := onlySubdirectory(filepath.Join(dir, "backups"))
	if err != nil {
		return 0, "", err
	}
	return seconds, filepath.Join(jobDir, name), nil
}

// onlySubdirectory is the one folder in dir: the action's <backup_id>.
func onlySubdirectory(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	if len(entries) != 1 || !entries[0].IsDir() {
		return "", fmt.Errorf("%s holds %d entries, want one backup folder", dir, len(entries))
	}
	return filepath.Join(dir, entries[0].Name()), nil
}

// fileSum is the SHA-256 of a file, or the error's text.
func fileSum(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err.Error()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// parseByteSizes reads "100MiB,1GiB" (also KiB and plain bytes).
func parseByteSizes(v string) ([]int64, error) {
	var sizes []int64
	for field := range strings.SplitSeq(v, ",") {
		field = strings.TrimSpace(field)
		multiplier := int64(1)
		for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
			if number, ok := strings.CutSuffix(field, suffix); ok {
				field, multiplier = number, m
			}
		}
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil || n < 1 || n > (1<<32)/multiplier {
			return nil, fmt.Errorf("-download-sizes: %q is not a size such as 100MiB or 1GiB (at most 4GiB)", field)
		}
		sizes = append(sizes, n*multiplier)
	}
	return sizes, nil
}

// sizeName prints 100MiB, 1GiB.
func sizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
