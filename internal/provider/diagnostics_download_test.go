package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

const networkRemedy = "check the network"

// A file that could not be taken gets the remedy of its cause: a local
// file's error says what to do with the file and never blames Zoho or the
// network; only a network failure talks about the network.
func TestDiagnosticDownloadRemedyMatchesCause(t *testing.T) {
	partPath := "/backups/1/Data_001.zip.part"
	for name, tc := range map[string]struct {
		err      error
		want     []string
		mustNot  []string
		lastWant string
	}{
		"a .part that is not a regular file": {
			err: localFileError(fmt.Errorf("open %s: it exists and is not a regular file (d---------); remove it to download again", partPath)),
			want: []string{"Cannot use the local files of Data_001.zip", "not a regular file", "not with Zoho or the network",
				"listed in /backups/1/manifest.json"},
			mustNot:  []string{networkRemedy, "did not get an answer", "api_domain"},
			lastWant: "then invoke this action again.",
		},
		"a .part this user may not open": {
			err:      localFileError(fmt.Errorf("open %s: %w", partPath, &fs.PathError{Op: "open", Path: partPath, Err: syscall.EACCES})),
			want:     []string{"permission denied", "make it a regular file that only this user may read and write"},
			mustNot:  []string{networkRemedy, "did not get an answer", "api_domain"},
			lastWant: "then invoke this action again.",
		},
		"a write into the .part that fails, as the client reports it": {
			err: fmt.Errorf("download Data_001.zip of backup 1: writing the file: write %s: %w", partPath,
				&fs.PathError{Op: "write", Path: partPath, Err: syscall.EIO}),
			want:     []string{"Cannot use the local files of Data_001.zip", "input/output error"},
			mustNot:  []string{networkRemedy, "did not get an answer"},
			lastWant: "then invoke this action again.",
		},
		"a full disk": {
			err:     fmt.Errorf("writing the file: %w", &fs.PathError{Op: "write", Path: partPath, Err: syscall.ENOSPC}),
			want:    []string{"The disk is full", "Free some space", "invoking this action again resumes it"},
			mustNot: []string{networkRemedy, "did not get an answer"},
		},
		"a manifest that cannot be written": {
			err:     localFileError(&backupfiles.ManifestError{Path: "/backups/1/manifest.json", Err: syscall.EROFS}),
			want:    []string{"Cannot use the local files of Data_001.zip", "read-only file system"},
			mustNot: []string{networkRemedy, "did not get an answer"},
		},
		"a dropped connection": {
			err: &zoho.RetryError{Operation: "download Data_001.zip", Attempts: 4,
				Last: &url.Error{Op: "Get", URL: "https://download-accl.zoho.com/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}},
			want:    []string{"Failed to download Data_001.zip", "Zoho still failed after 4 attempts", networkRemedy},
			mustNot: []string{"Cannot use the local files"},
		},
		"a host that cannot be reached": {
			err:     fmt.Errorf("download Data_001.zip of backup 1: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}),
			want:    []string{"The request did not get an answer from Zoho: check the network and api_domain"},
			mustNot: []string{"Cannot use the local files"},
		},
		"an answer that cannot be the file": {
			err: &zoho.DownloadAnswerError{Operation: "download Data_001.zip", HTTPStatus: 200,
				Problem: "it has no Content-Length: no size was announced, so a cut could not be told from the end of the file, and nothing of it was kept"},
			want:    []string{"Failed to download Data_001.zip", "no size was announced", "nothing of that answer was written", "check the proxies", "a partial file stays as"},
			mustNot: []string{networkRemedy, "Cannot use the local files", "is kept for a resume"},
		},
		"an error answer of Zoho": {
			err:     &zoho.APIError{Operation: "download Data_001.zip", HTTPStatus: 400, Code: zoho.CodeInternalError, Message: "boom"},
			want:    []string{"Zoho answered HTTP 400 with code INTERNAL_ERROR", "is kept for a resume"},
			mustNot: []string{networkRemedy, "Cannot use the local files"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var diags diag.Diagnostics
			f := fileFailure{name: "Data_001.zip", folder: "/backups/1", manifest: "/backups/1/manifest.json",
				progress: func(string, ...any) {}}
			addFileError(context.Background(), &diags, f, tc.err)
			if !diags.HasError() {
				t.Fatalf("no error diagnostic for %v", tc.err)
			}
			text := diagnosticsOf(diags)
			wantText(t, text, tc.want, tc.mustNot)
			if tc.lastWant != "" && !strings.HasSuffix(strings.TrimSpace(diags.Errors()[0].Detail()), tc.lastWant) {
				t.Errorf("the detail does not end with %q, what to do with the file:\n%s", tc.lastWant, diags.Errors()[0].Detail())
			}
		})
	}
}

// A link refused before anything was sent says so, and does not send the
// user to check the network.
func TestDiagnosticDownloadRefusedLinkSaysNothingWasSent(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"a file name the files' rule refuses": {
			err:  backupfiles.ValidName("manifest.json"),
			want: "Refused the file name of a download link Zoho reported",
		},
		"a host that may not receive the token": {
			err:  &zoho.DownloadHostError{Host: "evil.example", Link: "https://evil.example/v2/crm/1/backup/2/a.zip", Reason: "not Zoho's", Allowed: "Zoho's hosts"},
			want: "Refused to send the access token to evil.example",
		},
		"a link of another shape": {
			err:  &zoho.DownloadLinkError{Link: "https://download-accl.zoho.com/x", Problem: "not /v2/crm/{zgid}/backup/{job-id}/{file}"},
			want: "Refused a download link Zoho reported",
		},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("the case's error is nil")
			}
			var diags diag.Diagnostics
			addDownloadLinkError(&diags, tc.err)
			wantText(t, strings.ToLower(diagnosticsOf(diags)), []string{strings.ToLower(tc.want), "nothing was sent"},
				[]string{networkRemedy, "did not get an answer"})
		})
	}
}

// describeFailure, shared by every resource, talks of the network only for
// a network failure; a local file's error and an unknown error do not.
func TestDiagnosticFailureBlamesTheNetworkOnlyForTheNetwork(t *testing.T) {
	for name, tc := range map[string]struct {
		err     error
		network bool
		want    string
	}{
		"connection refused": {err: &url.Error{Op: "Get", URL: "https://www.zohoapis.com/crm", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, network: true},
		"unknown host":       {err: fmt.Errorf("read backup: %w", &net.DNSError{Err: "no such host", Name: "www.zohoapis.invalid", IsNotFound: true}), network: true},
		"a local file":       {err: &fs.PathError{Op: "open", Path: "/cache/token.json", Err: syscall.EACCES}, want: "a file on this machine"},
		"an unknown error":   {err: errors.New("something odd"), want: "report it to the provider's maintainers"},
	} {
		t.Run(name, func(t *testing.T) {
			text := describeFailure(tc.err)
			if got := strings.Contains(text, networkRemedy); got != tc.network {
				t.Errorf("talks of the network = %v, want %v:\n%s", got, tc.network, text)
			}
			if tc.want != "" && !strings.Contains(text, tc.want) {
				t.Errorf("the detail lacks %q:\n%s", tc.want, text)
			}
		})
	}
}

// wantText checks that text holds every want and none of mustNot.
func wantText(t *testing.T, text string, want, mustNot []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the diagnostic lacks %q:\n%s", w, text)
		}
	}
	for _, w := range mustNot {
		if strings.Contains(text, w) {
			t.Errorf("the diagnostic holds %q:\n%s", w, text)
		}
	}
}
