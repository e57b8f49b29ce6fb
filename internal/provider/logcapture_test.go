package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// captureTraceLog sends every log line of the calling test to one file at
// TRACE: the Terraform CLI's own (core and plugin client) lines and those of
// the provider served in-process, whether the test runs through
// resource.Test or terraformCLI. It returns a function reading the file.
//
// terraform-plugin-testing writes the CLI's log to TF_ACC_LOG_PATH at level
// TF_ACC_LOG; the in-process provider's tflog sink (tfsdklog's test sink)
// writes to TF_ACC_LOG_PATH too, at TRACE; terraformCLI passes TF_LOG and
// TF_LOG_PATH to both. The variables are set with t.Setenv, so the calling
// test cannot be parallel.
func captureTraceLog(t *testing.T) func() capturedLog {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", path)
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PATH", path)
	t.Setenv("TF_LOG_PATH_MASK", "")
	return func() capturedLog {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("reading the captured log: %v", err)
		}
		return splitLog(string(data))
	}
}

// capturedLog is a captured log split into what a real run writes and what
// only the test harness writes.
type capturedLog struct {
	// All is the whole file.
	All string
	// Run is every entry of Terraform and the provider.
	Run string
	// Harness is terraform-plugin-testing's own entries (module
	// sdk.helper_resource). They include the test's configuration file, as
	// written, so any secret put in the configuration appears there: a
	// real `terraform apply` has no such entries.
	Harness string
}

// logEntryStart matches the first line of a log entry; the lines up to the
// next match (a multi-line value, such as a configuration) belong to it.
var logEntryStart = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*[Z+-][\d:]* \[[A-Z]+\]`)

func splitLog(text string) capturedLog {
	var run, harness strings.Builder
	current := &run
	for _, line := range strings.SplitAfter(text, "\n") {
		if logEntryStart.MatchString(line) {
			current = &run
			if strings.Contains(line, "] sdk.helper_resource:") {
				current = &harness
			}
		}
		current.WriteString(line)
	}
	return capturedLog{All: text, Run: run.String(), Harness: harness.String()}
}
