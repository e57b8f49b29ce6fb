package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the
// Terraform CLI that terraform-plugin-testing drives, through the same server
// factory main.go serves.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"zohocrm": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

// Tokens the emulator knows. They look like real Zoho tokens so that the
// redaction of token-shaped strings is exercised too.
const (
	testToken         = "1000.d2dddf7602e8e90b8e7252c07449da55.e794f7281ba755afaa803aefd19cb8ce"
	testReadOnlyToken = "1000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	testNonAdminToken = "1000.cccccccccccccccccccccccccccccccc.dddddddddddddddddddddddddddddddd"
	testUnknownToken  = "1000.eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.ffffffffffffffffffffffffffffffff"
)

// A Self Client the emulator knows.
const (
	testClientID     = "1000.SELFCLIENT0123456789ABCDEFGHIJ"
	testClientSecret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0a1b2c3d4e5"
	testRefreshToken = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"
)

// allTestTokens are the secrets no diagnostic or state may contain: every
// token above, the client secret and the refresh token.
var allTestTokens = []string{
	testToken, testReadOnlyToken, testNonAdminToken, testUnknownToken,
	testClientSecret, testRefreshToken,
}

// newEmulator starts a Zoho backup API emulator on loopback for one test.
func newEmulator(t *testing.T, opts ...emulator.Option) *emulator.Server {
	t.Helper()
	srv := emulator.New(opts...)
	if err := srv.Start(); err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(srv.Close)
	// The main token may also download backups (ZohoFiles.files.ALL), as a
	// Self Client made for the download action is.
	srv.AddToken(testToken, "ZohoCRM.bulk.backup.ALL", emulator.ScopeFiles)
	srv.AddToken(testReadOnlyToken, "ZohoCRM.bulk.backup.READ")
	srv.AddNonAdminToken(testNonAdminToken, "ZohoCRM.bulk.backup.ALL")
	return srv
}

// providerBlock configures the provider for the emulator in HCL.
func providerBlock(apiDomain, token string) string {
	return fmt.Sprintf(`
provider "zohocrm" {
  api_domain   = %q
  access_token = %q
}
`, apiDomain, token)
}

// cancelPath is the documented path of the cancel call.
func cancelPath(backupID string) string {
	return "/crm/bulk/v8/backup/" + backupID + "/actions/cancel"
}

// checkRequestCount asserts how many requests the emulator has received.
func checkRequestCount(srv *emulator.Server, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := len(srv.Requests()); got != want {
			return fmt.Errorf("the emulator received %d requests, want %d", got, want)
		}
		return nil
	}
}

// noSecretInState is a state check that fails when any value in state holds
// a secret: one of allTestTokens, or an access token srv issued (srv may be
// nil when the test refreshes no token). It walks the whole state as
// terraform-json decodes it, nested blocks and lists included.
func noSecretInState(srv *emulator.Server) statecheck.StateCheck {
	return stateHoldsNoSecret{srv: srv}
}

type stateHoldsNoSecret struct{ srv *emulator.Server }

func (c stateHoldsNoSecret) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	secrets := slices.Clone(allTestTokens)
	if c.srv != nil {
		secrets = append(secrets, c.srv.IssuedTokens(testRefreshToken)...)
	}
	if req.State == nil || req.State.Values == nil {
		return
	}
	for _, res := range resourcesOf(req.State.Values.RootModule) {
		if path, ok := findSecret(res.AttributeValues, secrets); ok {
			resp.Error = fmt.Errorf("state attribute %s.%s holds a secret", res.Address, path)
			return
		}
	}
}

// resourcesOf lists the resources of a module and of its child modules.
func resourcesOf(module *tfjson.StateModule) []*tfjson.StateResource {
	if module == nil {
		return nil
	}
	resources := slices.Clone(module.Resources)
	for _, child := range module.ChildModules {
		resources = append(resources, resourcesOf(child)...)
	}
	return resources
}

// findSecret returns the path of the first string under value that contains
// one of secrets.
func findSecret(value any, secrets []string) (string, bool) {
	switch v := value.(type) {
	case string:
		return "", slices.ContainsFunc(secrets, func(s string) bool { return strings.Contains(v, s) })
	case map[string]any:
		for key, item := range v {
			if path, ok := findSecret(item, secrets); ok {
				return strings.TrimSuffix(key+"."+path, "."), true
			}
		}
	case []any:
		for i, item := range v {
			if path, ok := findSecret(item, secrets); ok {
				return strings.TrimSuffix(fmt.Sprintf("%d.%s", i, path), "."), true
			}
		}
	}
	return "", false
}

// latestBackupIs is a state check: the emulator's latest backup has
// wantStatus, and the zohocrm_backup_schedule under test names it.
func latestBackupIs(srv *emulator.Server, wantStatus string) statecheck.StateCheck {
	return latestBackup{srv: srv, status: wantStatus}
}

type latestBackup struct {
	srv    *emulator.Server
	status string
}

func (c latestBackup) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	latest, ok := c.srv.Latest()
	switch {
	case !ok:
		resp.Error = fmt.Errorf("the emulator has no backup")
	case latest.Status != c.status:
		resp.Error = fmt.Errorf("the latest backup %s is %s, want %s", latest.ID, latest.Status, c.status)
	default:
		id := stateValue(req.State, scheduleAddress, "id")
		if id != latest.ID {
			resp.Error = fmt.Errorf("%s.id is %v, want the latest backup %s", scheduleAddress, id, latest.ID)
		}
	}
}

// stateValue is the top-level attribute of the resource at address in state,
// or nil when there is no such resource.
func stateValue(state *tfjson.State, address, attribute string) any {
	if state == nil || state.Values == nil {
		return nil
	}
	for _, res := range resourcesOf(state.Values.RootModule) {
		if res.Address == address {
			return res.AttributeValues[attribute]
		}
	}
	return nil
}

// acceptanceTest is resource.Test and parallelAcceptanceTest is
// resource.ParallelTest, with one addition: the error of a step that sets
// ExpectError must also quote no secret. Every acceptance test runs through
// one of them.
//
// resource.Test hands the error a step expects to the step's regexp only; a
// TestCase ErrorCheck never sees it, and a regexp cannot say what the text
// must not contain. So before running, each step's ExpectError becomes the
// case's ErrorCheck (see expectErrors), which matches the regexp, scans the
// error for secrets and reports a step that did not fail. The regexp is
// matched with runs of white space folded to one space, because Terraform
// wraps diagnostics at 80 columns.
func acceptanceTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	resource.Test(t, expectErrors(t, tc))
}

// parallelAcceptanceTest is acceptanceTest for a test that may run in
// parallel with others.
func parallelAcceptanceTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	resource.ParallelTest(t, expectErrors(t, tc))
}

// expectErrors moves the ExpectError of tc's steps into one ErrorCheck that
// knows which step runs: each step's PreConfig records its index first.
func expectErrors(t *testing.T, tc resource.TestCase) resource.TestCase {
	t.Helper()
	if tc.ErrorCheck != nil {
		t.Fatal("set ExpectError on the failing step instead of ErrorCheck")
	}
	steps := slices.Clone(tc.Steps)
	want := make([]*regexp.Regexp, len(steps))
	failed := make([]bool, len(steps))
	current := 0
	for i := range steps {
		want[i], steps[i].ExpectError = steps[i].ExpectError, nil
		preConfig := steps[i].PreConfig
		steps[i].PreConfig = func() {
			current = i
			if preConfig != nil {
				preConfig()
			}
		}
	}
	tc.Steps = steps
	tc.ErrorCheck = func(err error) error {
		if want[current] == nil {
			return err
		}
		failed[current] = true
		return checkExpectedError(err, want[current])
	}
	t.Cleanup(func() {
		for i, re := range want {
			if re != nil && !failed[i] && !t.Failed() && !t.Skipped() {
				t.Errorf("step %d/%d: expected an error matching %q, but it did not fail", i+1, len(steps), re)
			}
		}
	})
	return tc
}

// checkExpectedError is nil when err matches want (white space folded) and
// quotes no secret.
func checkExpectedError(err error, want *regexp.Regexp) error {
	if !want.MatchString(foldSpace(err.Error())) {
		return fmt.Errorf("the error does not match %q: %w", want, err)
	}
	for _, secret := range allTestTokens {
		if strings.Contains(err.Error(), secret) {
			return fmt.Errorf("the error quotes a secret: %w", err)
		}
	}
	return nil
}

const weekly = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"

// newOAuthEmulator is newEmulator with the test Self Client registered.
func newOAuthEmulator(t *testing.T, opts ...emulator.Option) *emulator.Server {
	t.Helper()
	srv := newEmulator(t, append([]emulator.Option{emulator.WithMonthlyQuota(-1)}, opts...)...)
	srv.AddRefreshToken(testClientID, testClientSecret, testRefreshToken, emulator.ScopeAll, emulator.ScopeFiles)
	return srv
}

// refreshProviderBlock configures the provider with the test Self Client's
// refresh credentials, with the emulator as both API domain and accounts
// server; extra lines go into the block.
func refreshProviderBlock(url string, extra ...string) string {
	return selfClientProviderBlock(url, testClientID, testClientSecret, testRefreshToken, extra...)
}

// selfClientProviderBlock is refreshProviderBlock with any credentials.
func selfClientProviderBlock(url, clientID, clientSecret, refreshToken string, extra ...string) string {
	return fmt.Sprintf(`
provider "zohocrm" {
  api_domain    = %q
  accounts_url  = %q
  client_id     = %q
  client_secret = %q
  refresh_token = %q
  %s
}
`, url, url, clientID, clientSecret, refreshToken, strings.Join(extra, "\n  "))
}

// checkRefreshes asserts how many access tokens the emulator has issued.
func checkRefreshes(srv *emulator.Server, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := srv.Refreshes(); got != want {
			return fmt.Errorf("the emulator issued %d access tokens, want %d", got, want)
		}
		return nil
	}
}

// resourceOnly is a configuration without a provider block, so every
// provider argument comes from the environment or its default.
func resourceOnly(backupID string) string {
	return fmt.Sprintf(`
resource "zohocrm_backup_cancellation" "test" {
  backup_id = %q
}
`, backupID)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// foldSpace joins runs of white space, so that wrapped text still matches.
func foldSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// testAccFastRetryProviderFactories serve a provider whose waits between
// retries are milliseconds instead of seconds, so that tests of retries
// stay fast. Everything else (max_retries, request_timeout, the retry
// decisions) is the real provider's.
var testAccFastRetryProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"zohocrm": func() (tfprotov6.ProviderServer, error) {
		return protocol6Server(&zohocrmProvider{
			version: "test",
			backoff: zoho.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
		}), nil
	},
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

// rfc3339UTCIn checks a value is an RFC 3339 UTC timestamp ("Z") between
// from and to away from now (negative: in the past); what names it.
type rfc3339UTCIn struct {
	what     string
	from, to time.Duration
}

// rfc3339Recent is the time of this apply: within the last hour.
var rfc3339Recent = rfc3339UTCIn{what: "an RFC 3339 UTC timestamp of the apply", from: -time.Hour, to: time.Minute}

// expiresSoon is an access token's expiry: about an hour from now.
var expiresSoon = rfc3339UTCIn{what: "an RFC 3339 UTC timestamp about an hour from now", from: 50 * time.Minute, to: time.Hour}

func (c rfc3339UTCIn) CheckValue(value any) error {
	s, ok := value.(string)
	if !ok {
		return fmt.Errorf("expected %s, got %T", c.what, value)
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		return fmt.Errorf("%q is not an RFC 3339 UTC timestamp", s)
	}
	if away := time.Until(at); away < c.from || away > c.to {
		return fmt.Errorf("%q is %s away, want %s", s, away.Round(time.Second), c.what)
	}
	return nil
}

func (c rfc3339UTCIn) String() string { return c.what }

// stringFrom checks a value against a string known only when the check
// runs, such as an id the emulator gives mid-test; what names it in failures.
func stringFrom(what string, want func() string) knownvalue.Check {
	return lateString{what: what, want: want}
}

type lateString struct {
	what string
	want func() string
}

func (c lateString) CheckValue(v any) error {
	if s, ok := v.(string); !ok || s != c.want() {
		return fmt.Errorf("the value is not %s", c.what)
	}
	return nil
}

func (c lateString) String() string { return c.what }

// zohoDate matches a date as Zoho renders it: ISO 8601 with a numeric offset.
var zohoDate = knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`))

// checkBackupStatus asserts the status the emulator holds for a backup.
func checkBackupStatus(srv *emulator.Server, id, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		backup, ok := srv.Backup(id)
		if !ok {
			return fmt.Errorf("the emulator has no backup %s", id)
		}
		if backup.Status != want {
			return fmt.Errorf("backup %s is %s, want %s", id, backup.Status, want)
		}
		return nil
	}
}

// TestExpectErrorsChecksTheFailingStep proves what acceptanceTest adds to
// ExpectError: the error of the step that runs is matched with its own
// regexp (white space folded, as Terraform wraps at 80 columns), an error that
// quotes a secret fails even when it matches, and an error of a step that
// expects none is passed on.
func TestExpectErrorsChecksTheFailingStep(t *testing.T) {
	preConfigRan := false
	tc := expectErrors(t, resource.TestCase{Steps: []resource.TestStep{
		{Config: "# first", PreConfig: func() { preConfigRan = true }},
		{Config: "# second", ExpectError: regexp.MustCompile(`Failed to cancel backup 1: HTTP 401`)},
	}})
	for i, step := range tc.Steps {
		if step.ExpectError != nil {
			t.Errorf("step %d still sets ExpectError; resource.Test would hide its error from the secret scan", i+1)
		}
	}

	tc.Steps[0].PreConfig()
	if !preConfigRan {
		t.Error("the step's own PreConfig did not run")
	}
	unexpected := errors.New("Failed to cancel backup 1: HTTP 401")
	if err := tc.ErrorCheck(unexpected); !errors.Is(err, unexpected) {
		t.Errorf("a step that expects no error: ErrorCheck returned %v, want the error itself", err)
	}

	tc.Steps[1].PreConfig()
	if err := tc.ErrorCheck(errors.New("Failed to cancel\nbackup 1:   HTTP 401")); err != nil {
		t.Errorf("a wrapped error that matches: %v", err)
	}
	if err := tc.ErrorCheck(errors.New("Failed to cancel backup 2: HTTP 500")); err == nil {
		t.Error("an error that does not match was accepted")
	}
	for _, secret := range allTestTokens {
		if err := tc.ErrorCheck(errors.New("Failed to cancel backup 1: HTTP 401 with " + secret)); err == nil {
			t.Errorf("an error that quotes the secret %.8s... was accepted", secret)
		}
	}
}

// TestEveryAcceptanceTestScansItsErrors: acceptanceTest's secret scan only
// covers the tests that run through it, so no test file may call
// resource.Test or resource.ParallelTest directly.
func TestEveryAcceptanceTestScansItsErrors(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	direct := regexp.MustCompile(`resource\.(Test|ParallelTest|UnitTest)\(`)
	for _, file := range files {
		if file == "helpers_test.go" {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if loc := direct.FindIndex(src); loc != nil {
			t.Errorf("%s calls %s; use acceptanceTest or parallelAcceptanceTest", file, src[loc[0]:loc[1]])
		}
	}
}
