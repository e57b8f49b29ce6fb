package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// Acceptance tests of the codes Zoho's Node.js SDK for API v8 declares for
// the backup API beyond the documented ones, through the real CLI: each in
// both placements of Zoho's envelope (nested under "backup" and at the top
// level), with the diagnostic and the exact requests the emulator received.

// errorTarget is one backup call the provider makes, with a configuration
// that makes it and the summary of its diagnostic.
type errorTarget struct {
	method  string
	path    func(backupID string) string
	config  func(url, backupID string) string
	summary string
	// address is the resource the call creates; "" for a data source.
	address string
}

var (
	cancelTarget = errorTarget{
		method: http.MethodPut, path: cancelPath,
		config:  func(url, id string) string { return cancellationConfig(url, testToken, id) },
		summary: `Failed to cancel backup \d+`, address: cancellationAddress,
	}
	scheduleTarget = errorTarget{
		method: http.MethodPost, path: func(string) string { return backupPath },
		config:  func(url, _ string) string { return scheduleConfig(url, testToken, weekly) },
		summary: `Failed to schedule a backup`, address: scheduleAddress,
	}
	readTarget = errorTarget{
		method: http.MethodGet, path: func(string) string { return backupPath },
		config:  func(url, _ string) string { return backupDataConfig(url, testToken) },
		summary: `Failed to read the latest Zoho CRM backup`,
	}
)

// errorPlacements are the two places of Zoho's error envelope.
var errorPlacements = map[string]bool{"top level": false, "nested": true}

// steps is a failing step for target, then, for a resource, a plan that
// still wants to create it (nothing was written to state).
func (target errorTarget) steps(config string, want *regexp.Regexp) []resource.TestStep {
	steps := []resource.TestStep{{Config: config, ExpectError: want}}
	if target.address != "" {
		steps = append(steps, expectCreatePlanned(target.address, config))
	}
	return steps
}

// wantOnly fails the test unless the emulator received exactly n requests,
// all of them method path.
func wantOnly(t *testing.T, srv *emulator.Server, n int, method, path string) {
	t.Helper()
	if all, matching := len(srv.Requests()), srv.CountRequests(method, path); all != n || matching != n {
		t.Errorf("the emulator received %d requests, %d of them %s %s; want exactly %d, all %s %s", all, matching, method, path, n, method, path)
	}
}

// TestAccErrorCodes_refusalsAreSentOnce: NOT_ALLOWED, ALREADY_USED,
// MANDATORY_NOT_FOUND, BAD_REQUEST and an envelope naming "Not Modified"
// fail the call after one request, in both placements, even with a status
// (500, 503, 429) that alone would be retried; the diagnostic quotes status,
// code, message and details, then the code's remedy; the backup is untouched
// and nothing is in state.
func TestAccErrorCodes_refusalsAreSentOnce(t *testing.T) {
	details := map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"}
	quotedDetails := `Details: \{"api_name":"rrule","json_path":"\$\.backup\.rrule"\}\.`
	tests := map[string]struct {
		target errorTarget
		fault  emulator.Fault
		remedy string
	}{
		zoho.CodeNotAllowed: {
			target: cancelTarget,
			fault:  emulator.Fault{Status: http.StatusBadRequest, Code: zoho.CodeNotAllowed, Message: "the operation is not allowed"},
			remedy: `Zoho does not allow this backup operation.*only a SCHEDULED backup can be cancelled`,
		},
		zoho.CodeAlreadyUsed: {
			target: scheduleTarget,
			fault:  emulator.Fault{Status: http.StatusInternalServerError, Code: zoho.CodeAlreadyUsed, Message: "already used"},
			remedy: `what this request would use has already been used.*not retried.*allows for this period are most likely spent`,
		},
		zoho.CodeMandatoryNotFound: {
			target: scheduleTarget,
			fault:  emulator.Fault{Status: http.StatusServiceUnavailable, Code: zoho.CodeMandatoryNotFound, Message: "required field not found", Details: details},
			remedy: quotedDetails + ` Zoho says a value it requires is missing.*bug in the provider.*TF_LOG=DEBUG`,
		},
		zoho.CodeBadRequest: {
			target: cancelTarget,
			fault:  emulator.Fault{Status: http.StatusServiceUnavailable, Code: zoho.CodeBadRequest, Message: "bad request", Details: details},
			remedy: quotedDetails + ` Zoho could not accept the request as it was sent.*bug in the provider.*TF_LOG=DEBUG`,
		},
		zoho.CodeNotModified: {
			target: readTarget,
			fault:  emulator.Fault{Status: http.StatusTooManyRequests, Code: zoho.CodeNotModified, Message: "Not Modified"},
			remedy: `answered HTTP 304 Not Modified, which answers only a conditional request.*not retried`,
		},
	}
	for code, tt := range tests {
		for placement, nested := range errorPlacements {
			t.Run(code+"/"+placement, func(t *testing.T) {
				srv := newEmulator(t)
				backup := srv.SeedBackup(emulator.StatusScheduled, weekly)
				srv.ResetRequests()
				fault := tt.fault
				fault.Method, fault.Path, fault.Times, fault.Nested = tt.target.method, tt.target.path(backup.ID), -1, nested
				srv.InjectFault(fault)
				want := regexp.MustCompile(fmt.Sprintf(`%s.* Zoho answered HTTP %d with code %s: "%s"\..*%s`,
					tt.target.summary, fault.Status, regexp.QuoteMeta(code), regexp.QuoteMeta(fault.Message), tt.remedy))
				parallelAcceptanceTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
					Steps:                    tt.target.steps(tt.target.config(srv.URL(), backup.ID), want),
				})
				wantOnly(t, srv, 1, fault.Method, fault.Path)
				if err := checkBackupStatus(srv, backup.ID, emulator.StatusScheduled)(nil); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestAccErrorCodes_internalServerErrorIsRetried: INTERNAL_SERVER_ERROR is
// transient like INTERNAL_ERROR, in both placements and with a 4xx status
// too. A cancellation rides out two of them (3 requests) and is recorded;
// a read that keeps meeting it gives up after max_retries = 2 (3 requests);
// a schedule, which Zoho may have acted on, is sent once.
func TestAccErrorCodes_internalServerErrorIsRetried(t *testing.T) {
	fault := func(status int, nested bool) emulator.Fault {
		return emulator.Fault{Status: status, Code: zoho.CodeInternalServerError, Message: "Internal Server Error", Nested: nested}
	}
	t.Run("cancel", func(t *testing.T) {
		for name, failed := range map[string]emulator.Fault{
			"top level 500": fault(http.StatusInternalServerError, false),
			"nested 500":    fault(http.StatusInternalServerError, true),
			"nested 400":    fault(http.StatusBadRequest, true),
		} {
			t.Run(name, func(t *testing.T) {
				srv := newEmulator(t)
				backup := srv.SeedBackup(emulator.StatusScheduled, weekly)
				srv.ResetRequests()
				srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), failed, failed)
				parallelAcceptanceTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
					Steps: []resource.TestStep{{
						Config:            cancellationConfig(srv.URL(), testToken, backup.ID),
						ConfigStateChecks: cancelledStateChecks(backup.ID, zoho.CodeSuccess),
						Check: resource.ComposeAggregateTestCheckFunc(
							checkCancelCount(srv, backup.ID, 3),
							checkRequestCount(srv, 3),
							checkBackupStatus(srv, backup.ID, emulator.StatusStopped),
						),
					}},
				})
			})
		}
	})
	for placement, nested := range errorPlacements {
		t.Run("read/"+placement, func(t *testing.T) {
			srv := newEmulator(t)
			srv.SeedBackup(emulator.StatusScheduled, weekly)
			srv.ResetRequests()
			lasting := fault(http.StatusInternalServerError, nested)
			lasting.Method, lasting.Path, lasting.Times = http.MethodGet, backupPath, -1
			srv.InjectFault(lasting)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps: []resource.TestStep{{
					Config: retryingProviderBlock(srv.URL(), 2, "10s") + `data "zohocrm_backup" "latest" {}`,
					ExpectError: regexp.MustCompile(`Failed to read the latest Zoho CRM backup.* Zoho still failed after 3 attempts.*` +
						`HTTP 500 with code INTERNAL_SERVER_ERROR: "Internal Server Error"\. Zoho failed to process the request, as with INTERNAL_ERROR`),
				}},
			})
			wantOnly(t, srv, 3, http.MethodGet, backupPath)
		})
		t.Run("schedule/"+placement, func(t *testing.T) {
			srv := newEmulator(t)
			srv.ResetRequests()
			lasting := fault(http.StatusInternalServerError, nested)
			lasting.Method, lasting.Path, lasting.Times = http.MethodPost, backupPath, -1
			srv.InjectFault(lasting)
			config := scheduleConfig(srv.URL(), testToken, weekly)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps: scheduleTarget.steps(config, regexp.MustCompile(`Zoho may have scheduled the backup, but its answer was lost.*HTTP 500, Zoho code INTERNAL_SERVER_ERROR.*`+
					`not sent again.*Zoho reports no backup at all.*Check before trying again`)),
			})
			// Exactly one POST (a repeat could schedule a second backup),
			// then the read-back that settles it finds nothing.
			if got := srv.CountRequests(http.MethodPost, backupPath); got != 1 || len(writes(srv)) != 1 {
				t.Errorf("want exactly one POST and no other write, got %v", writes(srv))
			}
		})
	}
}

// TestAccErrorCodes_notModified: an unexpected bare 304 fails each kind of
// call after one request, saying what a 304 is, neither retried nor taken
// for a redirect; nothing is in state.
func TestAccErrorCodes_notModified(t *testing.T) {
	for name, target := range map[string]errorTarget{"cancel": cancelTarget, "schedule": scheduleTarget, "read": readTarget} {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			backup := srv.SeedBackup(emulator.StatusScheduled, weekly)
			srv.ResetRequests()
			srv.InjectFault(emulator.Fault{Method: target.method, Path: target.path(backup.ID), Times: -1, Status: http.StatusNotModified})
			want := regexp.MustCompile(target.summary + `.* Zoho answered HTTP 304 Not Modified, with no body\. ` +
				`Zoho, or a cache between Terraform and Zoho, answered HTTP 304 Not Modified, which answers only a conditional request.*not retried`)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps:                    target.steps(target.config(srv.URL(), backup.ID), want),
			})
			wantOnly(t, srv, 1, target.method, target.path(backup.ID))
			if err := checkBackupStatus(srv, backup.ID, emulator.StatusScheduled)(nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestAccErrorCodes_unknownCode: a code nobody knows yet, in either
// placement, still gives a diagnostic with the HTTP status, the code, Zoho's
// message (redacted and bounded) and its details. A 4xx is sent once; a 503
// is retried by its status.
func TestAccErrorCodes_unknownCode(t *testing.T) {
	message := "quota of " + testToken + " is " + strings.Repeat("long ", 60)
	tests := map[string]struct {
		status, requests int
		succeeds         bool
	}{
		"400 is reported": {status: http.StatusBadRequest, requests: 1},
		"503 is retried":  {status: http.StatusServiceUnavailable, requests: 3, succeeds: true},
	}
	for name, tt := range tests {
		for placement, nested := range errorPlacements {
			t.Run(name+"/"+placement, func(t *testing.T) {
				srv := newEmulator(t)
				backup := srv.SeedBackup(emulator.StatusScheduled, weekly)
				srv.ResetRequests()
				unknown := emulator.Fault{Status: tt.status, Code: "SOMETHING_NEW", Message: message, Details: map[string]any{"reason": "new"}, Nested: nested}
				step := resource.TestStep{Config: cancellationConfig(srv.URL(), testToken, backup.ID)}
				if tt.succeeds {
					srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), unknown, unknown)
					step.ConfigStateChecks = cancelledStateChecks(backup.ID, zoho.CodeSuccess)
				} else {
					unknown.Method, unknown.Path, unknown.Times = http.MethodPut, cancelPath(backup.ID), -1
					srv.InjectFault(unknown)
					step.ExpectError = regexp.MustCompile(`Failed to cancel backup \d+.* Zoho answered HTTP 400 with code SOMETHING_NEW: ` +
						`"quota of \[REDACTED\] is (long ){30,}[lo]*…"\. Details: \{"reason":"new"\}\. ` +
						`Zoho answered with a code this provider does not know yet.*status-codes\.html.*TF_LOG=DEBUG`)
				}
				parallelAcceptanceTest(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
					Steps:                    []resource.TestStep{step},
				})
				wantOnly(t, srv, tt.requests, http.MethodPut, cancelPath(backup.ID))
			})
		}
	}
}

// TestDescribeAPIErrorOfSDKCodes: the detail text of each new code, without
// a CLI: status, code, message, the details where they name what was
// refused, and the remedy; a bare 304; an unknown code with its details.
func TestDescribeAPIErrorOfSDKCodes(t *testing.T) {
	details := json.RawMessage(`{ "api_name": "rrule",
	  "json_path": "$.backup.rrule" }`)
	tests := map[string]struct {
		err  *zoho.APIError
		want string
	}{
		"refusal with details": {
			err:  &zoho.APIError{HTTPStatus: 400, Code: zoho.CodeMandatoryNotFound, Message: "required field not found", Details: details},
			want: `Zoho answered HTTP 400 with code MANDATORY_NOT_FOUND: "required field not found". Details: {"api_name":"rrule","json_path":"$.backup.rrule"}.` + "\n\n" + remedies[zoho.CodeMandatoryNotFound],
		},
		"server failure without details": {
			err:  &zoho.APIError{HTTPStatus: 500, Code: zoho.CodeInternalServerError, Message: "Internal Server Error", Details: details},
			want: `Zoho answered HTTP 500 with code INTERNAL_SERVER_ERROR: "Internal Server Error".` + "\n\n" + remedies[zoho.CodeInternalServerError],
		},
		"bare 304": {
			err:  &zoho.APIError{HTTPStatus: 304, Code: zoho.CodeNotModified, BodyExcerpt: "(empty body)"},
			want: "Zoho answered HTTP 304 Not Modified, with no body.\n\n" + remedies[zoho.CodeNotModified],
		},
		"unknown code": {
			err:  &zoho.APIError{HTTPStatus: 409, Code: "SOMETHING_NEW", Message: "new", Details: json.RawMessage(`{}`)},
			want: `Zoho answered HTTP 409 with code SOMETHING_NEW: "new".` + "\n\n" + unknownCodeRemedy,
		},
	}
	for name, tt := range tests {
		if got := describeAPIError(tt.err); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, tt.want)
		}
	}
}

// TestErrorReferenceExplainsUnknownCodes: the guide quotes the remedy of an
// unknown code under "Any other code".
func TestErrorReferenceExplainsUnknownCodes(t *testing.T) {
	raw, err := os.ReadFile(errorReferenceTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(foldSpace(string(raw)), "### Any other code "+foldSpace(unknownCodeRemedy)) {
		t.Errorf("the error reference does not quote %q under \"Any other code\"", unknownCodeRemedy)
	}
}
