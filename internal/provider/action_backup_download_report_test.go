package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// A file the disk has no room for is stopped at its first byte, before
// anything is written, and the invocation says so and what to do; a file
// that fits, or a file system that reports nothing, goes on.
func TestDownloadMeterRefusesAFileTheDiskCannotHold(t *testing.T) {
	for name, tc := range map[string]struct {
		free     uint64
		known    bool
		progress zoho.DownloadProgress
		stopped  bool
	}{
		"no room":                   {free: 1 << 20, known: true, progress: zoho.DownloadProgress{Total: 10 << 20}, stopped: true},
		"room for what is left":     {free: 4 << 20, known: true, progress: zoho.DownloadProgress{Written: 6 << 20, Total: 10 << 20}},
		"room":                      {free: 1 << 30, known: true, progress: zoho.DownloadProgress{Total: 10 << 20}},
		"the OS cannot say":         {progress: zoho.DownloadProgress{Total: 10 << 20}},
		"the size is not announced": {free: 1, known: true, progress: zoho.DownloadProgress{Total: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, stop := context.WithCancelCause(context.Background())
			defer stop(nil)
			var events []string
			meter := newDownloadMeter("Data_001.zip", "/backups/1", func(format string, args ...any) { events = append(events, format) }, stop)
			meter.freeSpace = func(string) (uint64, bool) { return tc.free, tc.known }
			meter.observe(tc.progress)
			var space *notEnoughSpaceError
			if got := errors.As(context.Cause(ctx), &space); got != tc.stopped {
				t.Fatalf("stopped = %v (cause %v), want %v", got, context.Cause(ctx), tc.stopped)
			}
			if len(events) != 1 || !strings.Contains(events[0], "downloading") {
				t.Errorf("events = %q, want the file's start", events)
			}
			if tc.stopped {
				wantNoSpaceDiagnostic(t, space)
			}
		})
	}
}

// wantNoSpaceDiagnostic checks what the invocation says of space.
func wantNoSpaceDiagnostic(t *testing.T, space *notEnoughSpaceError) {
	t.Helper()
	var diags diag.Diagnostics
	run := &downloadRun{diags: &diags}
	dir, err := backupfiles.Open(t.TempDir(), "1")
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	run.addFileError(context.Background(), dir, downloadFile{link: zoho.DownloadLink{FileName: "Data_001.zip"}}, space)
	text := diagnosticsOf(diags)
	for _, want := range []string{"Not enough free disk space for the backup", "Data_001.zip needs 10.0 MiB more",
		"has 1.0 MiB free", "Nothing of it was written", "point directory at a larger disk"} {
		if !strings.Contains(text, want) {
			t.Errorf("the diagnostic lacks %q:\n%s", want, text)
		}
	}
}

// diagnosticsOf is every diagnostic's summary and detail.
func diagnosticsOf(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}
