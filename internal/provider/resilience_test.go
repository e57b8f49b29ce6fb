package provider

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

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
// the one that succeeded, and the backup cancelled once.
func TestAccResilience_transientFailuresAreRetried(t *testing.T) {
	throttled := emulator.Fault{Status: http.StatusTooManyRequests, Code: zoho.CodeTooManyRequests, Message: "too many requests"}
	tests := map[string]struct {
		faults   []emulator.Fault
		wantCode string
		// realBackoff uses the provider's default waits instead of
		// milliseconds.
		realBackoff bool
	}{
		"two 500s":           {faults: []emulator.Fault{{}, {}}},
		"several 429s":       {faults: []emulator.Fault{throttled, throttled, throttled, throttled}},
		"dropped connection": {faults: []emulator.Fault{{Drop: true}}},
		"gateway pages": {faults: []emulator.Fault{
			{Status: http.StatusBadGateway, Body: "<html>502 Bad Gateway</html>"},
			{Status: http.StatusServiceUnavailable, Body: " "},
			{Status: http.StatusGatewayTimeout, Body: `{"backup":`},
		}},
		"429 with Retry-After": {faults: []emulator.Fault{{Status: http.StatusTooManyRequests, Code: zoho.CodeTooManyRequests, Message: "slow down", Header: http.Header{"Retry-After": {"1"}}}}},
		// Zoho sends no Retry-After: the default waits alone ride out a
		// short throttle.
		"429s with the default backoff": {faults: []emulator.Fault{throttled, throttled}, realBackoff: true},
		// Zoho cancels the backup but the answer is lost; the retry is
		// answered ALREADY_CANCELLED, which is success, and state records
		// what Zoho answered (the apply warns that the lost attempt did it).
		"answer lost after Zoho acted": {faults: []emulator.Fault{{PassThrough: true, Drop: true}}, wantCode: zoho.CodeAlreadyCancelled},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
			srv.ResetRequests()
			srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), tt.faults...)
			factories, wantCode := testAccFastRetryProviderFactories, zoho.CodeSuccess
			if tt.realBackoff {
				factories = testAccProtoV6ProviderFactories
			}
			if tt.wantCode != "" {
				wantCode = tt.wantCode
			}
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factories,
				Steps: []resource.TestStep{{
					Config:            cancellationConfig(srv.URL(), testToken, backup.ID),
					ConfigStateChecks: cancelledStateChecks(backup.ID, wantCode),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkCancelCount(srv, backup.ID, len(tt.faults)+1),
						checkRequestCount(srv, len(tt.faults)+1),
						checkBackupStatus(srv, backup.ID, "STOPPED"),
					),
				}},
			})
		})
	}
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

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		Steps: []resource.TestStep{
			{ExpectError: regexp.MustCompile(`Failed to cancel backup \d+ .*did not finish within timeouts\.create = 3s.*` +
				`Nothing was written to state.*timeouts = \{ create = "6s" \}.*request_timeout = 1s.*raise request_timeout`), Config: config},
			expectCreatePlanned(cancellationAddress, config),
		},
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got < 2 || got > 4 {
		t.Errorf("want 2 to 4 attempts of 1s within 3s, got %d", got)
	}
	// The attempts all fall within timeouts.create (the emulator records
	// arrival times; the test's own clock includes waiting for its turn).
	if requests := srv.Requests(); len(requests) > 0 {
		if span := requests[len(requests)-1].Time.Sub(requests[0].Time); span > 3*time.Second {
			t.Errorf("attempts spanned %s; timeouts.create = 3s did not bound them", span)
		}
	}
	if err := checkBackupStatus(srv, backup.ID, "SCHEDULED")(nil); err != nil {
		t.Error(err)
	}
}

// TestAccResilience_failuresAreReported: answers that retrying cannot fix
// (a 501, a 4xx) fail after one request; a transient failure that lasts
// fails once max_retries is used up, saying so and how to raise it; and
// max_retries = 0 sends a request once. Nothing is written to state.
func TestAccResilience_failuresAreReported(t *testing.T) {
	tests := map[string]struct {
		fault        emulator.Fault
		maxRetries   int
		want         *regexp.Regexp
		wantRequests int
	}{
		"501 is not retried": {
			fault:      emulator.Fault{Status: http.StatusNotImplemented, Code: "NOT_IMPLEMENTED", Message: "not implemented"},
			maxRetries: 5, wantRequests: 1,
			want: regexp.MustCompile(`Failed to cancel backup \d+ .*HTTP 501 with code NOT_IMPLEMENTED`),
		},
		"400 is not retried": {
			fault:      emulator.Fault{Status: http.StatusBadRequest, Code: zoho.CodeInvalidRequestMethod, Message: "The http request method type is not a valid one"},
			maxRetries: 5, wantRequests: 1,
			want: regexp.MustCompile(`HTTP 400 with code INVALID_REQUEST_METHOD.*bug in the provider`),
		},
		"a lasting 500 uses up max_retries": {
			fault:      emulator.Fault{Times: -1},
			maxRetries: 2, wantRequests: 3,
			want: regexp.MustCompile(`Zoho still failed after 3 attempts \(the first and max_retries = 2 retries\).*` +
				`raise max_retries in the provider block \(or ZOHOCRM_MAX_RETRIES\).*HTTP 500 with code INTERNAL_ERROR.*support@zohocrm\.com`),
		},
		"max_retries = 0 disables retries": {
			fault:      emulator.Fault{Times: -1, Status: http.StatusServiceUnavailable, Body: "<html>down</html>"},
			maxRetries: 0, wantRequests: 1,
			want: regexp.MustCompile(`HTTP 503 with a body that is not a Zoho API response: <html>down</html>`),
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
			srv.ResetRequests()
			fault := tt.fault
			fault.Method, fault.Path = http.MethodPut, cancelPath(backup.ID)
			srv.InjectFault(fault)
			config := retryingProviderBlock(srv.URL(), tt.maxRetries, "10s") + resourceOnly(backup.ID)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps:                    []resource.TestStep{{ExpectError: tt.want, Config: config}, expectCreatePlanned(cancellationAddress, config)},
			})
			if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got != tt.wantRequests {
				t.Errorf("want %d requests, got %d", tt.wantRequests, got)
			}
			if err := checkBackupStatus(srv, backup.ID, "SCHEDULED")(nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestAccResilience_invalidTimeoutsFailAtPlan(t *testing.T) {
	srv := newEmulator(t)
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		Steps: []resource.TestStep{{
			ExpectError: regexp.MustCompile(`Invalid Attribute Value Time Duration.*"ten minutes" must be a string containing a sequence of decimal numbers`),
			Config:      providerBlock(srv.URL(), testToken) + cancellationWithTimeout("4876876000001593003", "ten minutes"),
			PlanOnly:    true,
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

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(`Zoho still failed after 2 attempts.*request_timeout = 1s`), Config: config}},
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
			acceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps:                    []resource.TestStep{{ExpectError: want, Config: providerBlock(srv.URL(), testToken) + resourceOnly("4876876000001593003")}},
			})
		})
	}
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("want no request, got %d", got)
	}
}

// bulkCancellations declares one zohocrm_backup_cancellation per id with count.
func bulkCancellations(ids []string) string {
	return fmt.Sprintf(`
locals {
  backup_ids = [%s]
}

resource "zohocrm_backup_cancellation" "bulk" {
  count     = length(local.backup_ids)
  backup_id = local.backup_ids[count.index]
}
`, `"`+strings.Join(ids, `", "`)+`"`)
}

// TestAccResilience_hundredCancellationsUnderConcurrencyLimit cancels 100
// backups in one apply at -parallelism=20 against an organization limited to
// 5 concurrent calls (Zoho's Free edition), with max_concurrent_requests
// set above it to 20, as a user who overstates the edition does. Requests
// above the limit get 429 and are retried (and the limiter halves): every
// backup is cancelled, and none twice (each answer in state is SUCCESS,
// never ALREADY_CANCELLED). The apply runs through terraformCLI, because
// terraform-plugin-testing fixes -parallelism at 10.
func TestAccResilience_hundredCancellationsUnderConcurrencyLimit(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	const count, limit = 100, 5
	srv := newEmulator(t)
	ids := seedBackups(srv, count)
	srv.ResetRequests()
	srv.SetConcurrencyLimit(limit)
	// Each answer takes 50 ms, as a real API call does, so calls overlap.
	srv.InjectFault(emulator.Fault{Times: -1, PassThrough: true, Delay: 50 * time.Millisecond})

	fast := &zohocrmProvider{version: "test", backoff: zoho.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}}
	cli := newTerraformCLI(t, fast, fmt.Sprintf(`
provider "zohocrm" {
  api_domain              = %q
  access_token            = %q
  max_retries             = 20
  request_timeout         = "10s"
  max_concurrent_requests = 20
}
`, srv.URL(), testToken)+bulkCancellations(ids))
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

// TestAccResilience_twoHundredCancellationsAtParallelismFifty: 200
// cancellations in one apply at -parallelism=50 against an organization
// limited to 5 concurrent calls, each answered in 0.3 s, with the provider's
// default settings (max_concurrent_requests 5, max_retries 5, real backoff).
// The limiter keeps the provider under Zoho's limit, so every cancellation
// succeeds in this one apply, none twice, with fewer than 20 throttled
// answers (without it, about 170 were throttled and 10 to 14 gave up).
func TestAccResilience_twoHundredCancellationsAtParallelismFifty(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	const count, limit, maxThrottled = 200, 5, 20
	srv := newEmulator(t)
	ids := seedBackups(srv, count)
	srv.ResetRequests()
	srv.SetConcurrencyLimit(limit)
	srv.InjectFault(emulator.Fault{Times: -1, PassThrough: true, Delay: 300 * time.Millisecond})

	cli := newTerraformCLI(t, &zohocrmProvider{version: "test"}, providerBlock(srv.URL(), testToken)+bulkCancellations(ids))
	cli.mustRun("init", "-no-color")
	started := time.Now()
	cli.mustRun("apply", "-auto-approve", "-no-color", "-parallelism=50")
	took := time.Since(started)

	wantBulkCancelled(t, cli, ids)
	for _, id := range ids {
		if err := checkBackupStatus(srv, id, "STOPPED")(nil); err != nil {
			t.Error(err)
		}
	}
	peak, throttled := srv.ConcurrencyStats()
	if throttled >= maxThrottled || peak > limit {
		t.Errorf("%d answers throttled with 429 (want fewer than %d), peak concurrency %d (limit %d)", throttled, maxThrottled, peak, limit)
	}
	if got := len(srv.Requests()); got != count+throttled {
		t.Errorf("%d requests, want %d cancellations + %d throttled", got, count, throttled)
	}
	t.Logf("%d cancellations at -parallelism=50 in %s: %d answers throttled with 429, peak concurrency %d of %d", count, took.Round(100*time.Millisecond), throttled, peak, limit)
}

// TestAccResilience_interruptStopsAtOnce: Ctrl-C during an apply whose
// request Zoho is slow to answer. Terraform asks the provider to stop, the
// request's context is cancelled, and the provider returns at once (not after
// request_timeout or timeouts.create), saying so; nothing is in state.
func TestAccResilience_interruptStopsAtOnce(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{Method: http.MethodPut, Path: cancelPath(backup.ID), Times: -1, Delay: 5 * time.Minute})
	cli := newTerraformCLI(t, New("test")(), retryingProviderBlock(srv.URL(), 5, "2m")+resourceOnly(backup.ID))
	cli.mustRun("init", "-no-color")

	var out syncBuffer
	cmd := cli.start(&out, "apply", "-auto-approve", "-no-color")
	deadline := time.Now().Add(time.Minute)
	for srv.CountRequests(http.MethodPut, cancelPath(backup.ID)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the apply never sent its request:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	interrupted := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if elapsed := time.Since(interrupted); elapsed > 20*time.Second {
		t.Errorf("terraform took %s to stop after Ctrl-C", elapsed)
	}
	if err == nil {
		t.Errorf("an interrupted apply must fail:\n%s", out.String())
	}
	if got := foldSpace(out.String()); !strings.Contains(got, "Failed to cancel backup "+backup.ID) ||
		!strings.Contains(got, "The operation was cancelled (Terraform was interrupted, for example with Ctrl-C) after 1 attempt(s)") {
		t.Errorf("the output does not say the operation was cancelled:\n%s", out.String())
	}
	if state := cli.state(); len(state) != 0 {
		t.Errorf("an interrupted create left state: %v", state)
	}
	if got := srv.CountRequests(http.MethodPut, cancelPath(backup.ID)); got != 1 {
		t.Errorf("want 1 request, got %d", got)
	}
	if err := checkBackupStatus(srv, backup.ID, "SCHEDULED")(nil); err != nil {
		t.Error(err)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAccResilience_scheduleIsRetriedOnlyWhenZohoCannotHaveActed: POST
// /backup must never schedule twice (a duplicate costs one of the edition's
// few backups a month), so it is retried only after answers Zoho gives
// before processing (429, 503); after a 500 or a lost answer the one request
// is settled by reading back: the backup Zoho made is recorded, and where
// there is none the error says Zoho may have acted.
func TestAccResilience_scheduleIsRetriedOnlyWhenZohoCannotHaveActed(t *testing.T) {
	const rule = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
	throttled := emulator.Fault{Status: http.StatusTooManyRequests, Code: zoho.CodeTooManyRequests, Message: "too many requests"}
	tests := map[string]struct {
		faults  []emulator.Fault
		posts   int
		backups int    // backups Zoho holds afterwards
		want    string // the error; empty when the apply succeeds
	}{
		"429s are refused before processing": {faults: []emulator.Fault{throttled, throttled}, posts: 3, backups: 1},
		"503 never reached an application server": {
			faults: []emulator.Fault{{Status: http.StatusServiceUnavailable, Body: "<html>Service Unavailable</html>"}}, posts: 2, backups: 1,
		},
		"500 may have been processed": {
			faults: []emulator.Fault{{}}, posts: 1, backups: 0,
			want: `Zoho may have scheduled the backup, but its answer was lost.*HTTP 500, Zoho code INTERNAL_ERROR.*` +
				`not sent again: Zoho may have acted on it.*Zoho reports no backup at all.*Check before trying again`,
		},
		"an answer lost after Zoho scheduled": {faults: []emulator.Fault{{PassThrough: true, Drop: true}}, posts: 1, backups: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			srv.InjectSequence(http.MethodPost, backupPath, tt.faults...)
			config := scheduleConfig(srv.URL(), testToken, rule)
			step := resource.TestStep{Config: config}
			testCase := resource.TestCase{ProtoV6ProviderFactories: testAccFastRetryProviderFactories}
			if tt.want == "" {
				step.ConfigStateChecks = []statecheck.StateCheck{latestBackupIs(srv, emulator.StatusScheduled)}
				testCase.Steps = []resource.TestStep{step}
			} else {
				step.ExpectError = regexp.MustCompile(tt.want)
				testCase.Steps = []resource.TestStep{step, expectCreatePlanned(scheduleAddress, config)}
			}
			parallelAcceptanceTest(t, testCase)
			if got := srv.CountRequests(http.MethodPost, backupPath); got != tt.posts {
				t.Errorf("want %d POST /backup, got %d", tt.posts, got)
			}
			if got := len(srv.Backups()); got != tt.backups {
				t.Errorf("Zoho holds %d backups, want %d", got, tt.backups)
			}
		})
	}
}

// wantBulkCancelled checks that the state of bulkCancellations(ids) holds
// one resource per backup, each cancelled with SUCCESS.
func wantBulkCancelled(t *testing.T, cli *terraformCLI, ids []string) {
	t.Helper()
	state := cli.state()
	if len(state) != len(ids) {
		t.Fatalf("%d resources in state, want %d", len(state), len(ids))
	}
	for i, id := range ids {
		values := state[fmt.Sprintf("zohocrm_backup_cancellation.bulk[%d]", i)]
		if values["backup_id"] != id || values["code"] != zoho.CodeSuccess {
			t.Errorf("bulk[%d]: %v, want backup %s cancelled once (SUCCESS)", i, values, id)
		}
	}
}
