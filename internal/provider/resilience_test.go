package provider

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// testAccFastRetryProviderFactories serve a provider whose waits between
// retries are milliseconds instead of seconds, so that tests of retries
// stay fast. Everything else (max_retries, request_timeout, the retry
// decisions) is the real provider's.
var testAccFastRetryProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"zohocrm": providerserver.NewProtocol6WithError(&zohocrmProvider{
		version: "test",
		backoff: zoho.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
	}),
}

// retryingProviderBlock is providerBlock, with the administrator token, and
// the retry settings.
func retryingProviderBlock(apiDomain string, maxRetries int, requestTimeout string) string {
	return fmt.Sprintf(`
provider "zohocrm" {
  api_domain      = %q
  access_token    = %q
  max_retries     = %d
  request_timeout = %q
}
`, apiDomain, testToken, maxRetries, requestTimeout)
}

// cancellationWithTimeout declares the resource with a create timeout.
func cancellationWithTimeout(backupID, create string) string {
	return fmt.Sprintf(`
resource "zohocrm_backup_cancellation" "test" {
  backup_id = %q
  timeouts = {
    create = %q
  }
}
`, backupID, create)
}

// checkCancelCount asserts how many cancel requests reached the emulator for a backup.
func checkCancelCount(srv *emulator.Server, backupID string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := srv.CountRequests(http.MethodPut, cancelPath(backupID)); got != want {
			return fmt.Errorf("backup %s got %d cancel requests, want %d", backupID, got, want)
		}
		return nil
	}
}

// cancelledStateChecks assert the state of a cancellation this apply made.
func cancelledStateChecks(backupID, code string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("id"), knownvalue.StringExact(backupID)),
		statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("code"), knownvalue.StringExact(code)),
		statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("already_cancelled"), knownvalue.Bool(code == zoho.CodeAlreadyCancelled)),
	}
}

// TestAccResilience_transientFailuresAreRetried: the apply succeeds through
// each kind of transient failure, with exactly one request per failure plus
// the one that succeeded.
func TestAccResilience_transientFailuresAreRetried(t *testing.T) {
	throttled := emulator.Fault{Status: http.StatusTooManyRequests, Code: zoho.CodeTooManyRequests, Message: "too many requests"}
	tests := map[string][]emulator.Fault{
		"two 500s":             {{}, {}},
		"several 429s":         {throttled, throttled, throttled, throttled},
		"dropped connection":   {{Drop: true}},
		"gateway pages":        {{Status: http.StatusBadGateway, Body: "<html>502 Bad Gateway</html>"}, {Status: http.StatusServiceUnavailable, Body: " "}, {Status: http.StatusGatewayTimeout, Body: `{"backup":`}},
		"429 with Retry-After": {{Status: http.StatusTooManyRequests, Code: zoho.CodeTooManyRequests, Message: "slow down", Header: http.Header{"Retry-After": {"1"}}}},
	}
	for name, faults := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
			srv.ResetRequests()
			srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), faults...)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps: []resource.TestStep{{
					Config:            retryingProviderBlock(srv.URL(), 5, "10s") + resourceOnly(backup.ID),
					ConfigStateChecks: cancelledStateChecks(backup.ID, zoho.CodeSuccess),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkCancelCount(srv, backup.ID, len(faults)+1),
						checkRequestCount(srv, len(faults)+1),
						checkBackupStatus(srv, backup.ID, "STOPPED"),
					),
				}},
			})
		})
	}
}

// TestAccResilience_defaultBackoffRidesOutAThrottle uses the real default
// waits (no Retry-After, as Zoho sends none) through a short 429 storm.
func TestAccResilience_defaultBackoffRidesOutAThrottle(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	throttled := emulator.Fault{Status: http.StatusTooManyRequests, Code: zoho.CodeTooManyRequests, Message: "too many requests"}
	srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), throttled, throttled)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            cancellationConfig(srv.URL(), testToken, backup.ID),
			ConfigStateChecks: cancelledStateChecks(backup.ID, zoho.CodeSuccess),
			Check:             resource.ComposeAggregateTestCheckFunc(checkRequestCount(srv, 3), checkBackupStatus(srv, backup.ID, "STOPPED")),
		}},
	})
}

// TestAccResilience_lostAnswerIsRecordedAsAlreadyCancelled: Zoho cancels the
// backup but the answer is lost; the retry is answered ALREADY_CANCELLED,
// which is success. The backup is cancelled once, and state records what
// Zoho answered (the apply also warns that the lost attempt did it).
func TestAccResilience_lostAnswerIsRecordedAsAlreadyCancelled(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), emulator.Fault{PassThrough: true, Drop: true})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		Steps: []resource.TestStep{{
			Config:            cancellationConfig(srv.URL(), testToken, backup.ID),
			ConfigStateChecks: cancelledStateChecks(backup.ID, zoho.CodeAlreadyCancelled),
			Check:             resource.ComposeAggregateTestCheckFunc(checkRequestCount(srv, 2), checkBackupStatus(srv, backup.ID, "STOPPED")),
		}},
	})
}

// TestAccResilience_slowAnswerTimesOut: every answer is slower than
// request_timeout, so each attempt is abandoned and retried until
// timeouts.create is spent; the error names both limits and nothing is in
// state.
func TestAccResilience_slowAnswerTimesOut(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{Method: http.MethodPut, Path: cancelPath(backup.ID), Times: -1, Delay: time.Minute})
	config := retryingProviderBlock(srv.URL(), 10, "1s") + cancellationWithTimeout(backup.ID, "3s")

	start := time.Now()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		ErrorCheck: expectFailure(t, regexp.MustCompile(`Failed to cancel backup \d+ .*did not finish within timeouts\.create = 3s.*`+
			`Nothing was written to state.*timeouts = \{ create = "6s" \}.*request_timeout = 1s.*raise request_timeout`)),
		Steps: []resource.TestStep{
			{Config: config},
			expectCreatePlanned(config),
		},
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got < 2 || got > 4 {
		t.Errorf("want 2 to 4 attempts of 1s within 3s, got %d", got)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("the failing apply took %s; timeouts.create did not bound it", elapsed)
	}
	if err := checkBackupStatus(srv, backup.ID, "SCHEDULED")(nil); err != nil {
		t.Error(err)
	}
}

// TestAccResilience_permanentAnswersAreNotRetried: a 501 and a 4xx fail at
// once, after a single request.
func TestAccResilience_permanentAnswersAreNotRetried(t *testing.T) {
	tests := map[string]struct {
		fault emulator.Fault
		want  *regexp.Regexp
	}{
		"501": {
			emulator.Fault{Status: http.StatusNotImplemented, Code: "NOT_IMPLEMENTED", Message: "not implemented"},
			regexp.MustCompile(`Failed to cancel backup \d+ .*HTTP 501 with code NOT_IMPLEMENTED`),
		},
		"400": {
			emulator.Fault{Status: http.StatusBadRequest, Code: zoho.CodeInvalidRequestMethod, Message: "The http request method type is not a valid one"},
			regexp.MustCompile(`HTTP 400 with code INVALID_REQUEST_METHOD.*bug in the provider`),
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
			srv.ResetRequests()
			srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), tt.fault)
			config := cancellationConfig(srv.URL(), testToken, backup.ID)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				ErrorCheck:               expectFailure(t, tt.want),
				Steps:                    []resource.TestStep{{Config: config}, expectCreatePlanned(config)},
			})
			if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got != 1 {
				t.Errorf("want exactly 1 request, got %d", got)
			}
		})
	}
}

// TestAccResilience_retriesExhausted: a lasting 500 fails after max_retries,
// saying so and how to raise it.
func TestAccResilience_retriesExhausted(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{Method: http.MethodPut, Path: cancelPath(backup.ID), Times: -1})
	config := retryingProviderBlock(srv.URL(), 2, "10s") + resourceOnly(backup.ID)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		ErrorCheck: expectFailure(t, regexp.MustCompile(`Zoho still failed after 3 attempts \(the first and max_retries = 2 retries\).*`+
			`raise max_retries in the provider block \(or ZOHOCRM_MAX_RETRIES\).*HTTP 500 with code INTERNAL_ERROR.*support@zohocrm\.com`)),
		Steps: []resource.TestStep{{Config: config}, expectCreatePlanned(config)},
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got != 3 {
		t.Errorf("want 3 requests, got %d", got)
	}
}

func TestAccResilience_maxRetriesZeroDisablesRetries(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{Method: http.MethodPut, Path: cancelPath(backup.ID), Times: -1, Status: http.StatusServiceUnavailable, Body: "<html>down</html>"})
	config := retryingProviderBlock(srv.URL(), 0, "10s") + resourceOnly(backup.ID)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		ErrorCheck:               expectFailure(t, regexp.MustCompile(`HTTP 503 with a body that is not a Zoho API response: <html>down</html>`)),
		Steps:                    []resource.TestStep{{Config: config}},
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got != 1 {
		t.Errorf("want 1 request, got %d", got)
	}
}

func TestAccResilience_invalidRetrySettingsFailAtPlan(t *testing.T) {
	srv := newEmulator(t)
	tests := map[string]struct {
		maxRetries int
		timeout    string
		want       *regexp.Regexp
	}{
		"negative max_retries":     {-1, "30s", regexp.MustCompile(`Invalid Attribute Value.*max_retries.*must be between 0 and 20, got: -1`)},
		"too many max_retries":     {21, "30s", regexp.MustCompile(`max_retries.*must be between 0 and 20, got: 21`)},
		"not a duration":           {3, "soon", regexp.MustCompile(`Invalid request timeout.*request_timeout.*"soon" is not a duration: use a number with a unit, such as "30s"`)},
		"zero request_timeout":     {3, "0s", regexp.MustCompile(`request_timeout.*"0s" is out of range: use a duration from 1s to 10m0s`)},
		"request_timeout too long": {3, "11m", regexp.MustCompile(`request_timeout.*"11m" is out of range`)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				ErrorCheck:               expectFailure(t, tt.want),
				Steps: []resource.TestStep{{
					Config:   retryingProviderBlock(srv.URL(), tt.maxRetries, tt.timeout) + resourceOnly("4876876000001593003"),
					PlanOnly: true,
				}},
			})
		})
	}
	t.Cleanup(func() {
		if got := len(srv.Requests()); got != 0 {
			t.Errorf("invalid settings must fail before any request, got %d", got)
		}
	})
}

func TestAccResilience_invalidTimeoutsFailAtPlan(t *testing.T) {
	srv := newEmulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		ErrorCheck:               expectFailure(t, regexp.MustCompile(`Invalid Attribute Value Time Duration.*"ten minutes" must be a string containing a sequence of decimal numbers`)),
		Steps: []resource.TestStep{{
			Config:   providerBlock(srv.URL(), testToken) + cancellationWithTimeout("4876876000001593003", "ten minutes"),
			PlanOnly: true,
		}},
	})
}

// The tests below set environment variables, so they cannot run in parallel.

func TestAccProvider_retrySettingsFromEnvironment(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{Method: http.MethodPut, Path: cancelPath(backup.ID), Times: -1, Delay: time.Minute})
	t.Setenv(envMaxRetries, "1")
	t.Setenv(envRequestTimeout, "1s")
	config := providerBlock(srv.URL(), testToken) + resourceOnly(backup.ID)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		ErrorCheck:               expectFailure(t, regexp.MustCompile(`Zoho still failed after 2 attempts.*request_timeout = 1s`)),
		Steps:                    []resource.TestStep{{Config: config}},
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got != 2 {
		t.Errorf("want 2 requests, got %d", got)
	}
}

func TestAccProvider_invalidRetrySettingsInEnvironment(t *testing.T) {
	srv := newEmulator(t)
	for envVar, want := range map[string]*regexp.Regexp{
		envMaxRetries:     regexp.MustCompile(`Invalid provider setting in the environment.*ZOHOCRM_MAX_RETRIES: "many" is not a number of retries`),
		envRequestTimeout: regexp.MustCompile(`Invalid provider setting in the environment.*ZOHOCRM_REQUEST_TIMEOUT: "many" is not a duration`),
	} {
		t.Run(envVar, func(t *testing.T) {
			t.Setenv(envVar, "many")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				ErrorCheck:               expectFailure(t, want),
				Steps:                    []resource.TestStep{{Config: providerBlock(srv.URL(), testToken) + resourceOnly("4876876000001593003")}},
			})
		})
	}
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("want no request, got %d", got)
	}
}

// TestAccResilience_hundredCancellationsUnderConcurrencyLimit cancels 100
// backups in one apply at -parallelism=20 against an organization limited to
// 5 concurrent calls (Zoho's Free edition). Requests above the limit get 429
// and are retried: every backup is cancelled, and none twice (each answer in
// state is SUCCESS, never ALREADY_CANCELLED). The apply runs through
// terraformCLI, because terraform-plugin-testing fixes -parallelism at 10.
func TestAccResilience_hundredCancellationsUnderConcurrencyLimit(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	const count, limit = 100, 5
	srv := newEmulator(t)
	ids := make([]string, count)
	for i := range ids {
		ids[i] = srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR").ID
	}
	srv.ResetRequests()
	srv.SetConcurrencyLimit(limit)
	// Each answer takes 50 ms, as a real API call does, so calls overlap.
	srv.InjectFault(emulator.Fault{Times: -1, PassThrough: true, Delay: 50 * time.Millisecond})

	fast := &zohocrmProvider{version: "test", backoff: zoho.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}
	cli := newTerraformCLI(t, fast, retryingProviderBlock(srv.URL(), 20, "10s")+fmt.Sprintf(`
locals {
  backup_ids = [%s]
}

resource "zohocrm_backup_cancellation" "bulk" {
  count     = length(local.backup_ids)
  backup_id = local.backup_ids[count.index]
}
`, `"`+strings.Join(ids, `", "`)+`"`))
	cli.mustRun("init", "-no-color")
	cli.mustRun("apply", "-auto-approve", "-no-color", "-parallelism=20")

	state := cli.state()
	if len(state) != count {
		t.Fatalf("%d resources in state, want %d", len(state), count)
	}
	for i, id := range ids {
		values, ok := state[fmt.Sprintf("zohocrm_backup_cancellation.bulk[%d]", i)]
		if !ok || values["backup_id"] != id {
			t.Fatalf("backup %s is not in state as bulk[%d]: %v", id, i, values)
		}
		if values["code"] != zoho.CodeSuccess || values["already_cancelled"] != false {
			t.Errorf("backup %s recorded %v: it was cancelled twice", id, values["code"])
		}
		if err := checkBackupStatus(srv, id, "STOPPED")(nil); err != nil {
			t.Error(err)
		}
	}
	peak, throttled := srv.ConcurrencyStats()
	if peak != limit || throttled == 0 {
		t.Errorf("peak concurrency %d, %d throttled: the limit of %d was not exercised", peak, throttled, limit)
	}
	if got := len(srv.Requests()); got != count+throttled {
		t.Errorf("%d requests, want %d cancellations + %d throttled", got, count, throttled)
	}
	t.Logf("%d cancellations, %d requests throttled with 429, peak concurrency %d", count, throttled, peak)

	// Applying again changes nothing and calls nothing.
	before := len(srv.Requests())
	if out := cli.mustRun("plan", "-detailed-exitcode", "-no-color"); !strings.Contains(out, "No changes.") {
		t.Errorf("the second plan is not empty:\n%s", out)
	}
	if got := len(srv.Requests()); got != before {
		t.Errorf("planning again made %d requests", got-before)
	}
}
