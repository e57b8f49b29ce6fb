package provider

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// TestMaskedDebugLogMasksSecrets: whatever the client logs through its hook,
// the secrets given to the provider, anything shaped like a Zoho token and
// the values of secret-named fields come out masked; an unset secret ("")
// masks nothing.
func TestMaskedDebugLogMasksSecrets(t *testing.T) {
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	const secret = "my-plain-secret-value"
	maskedDebugLog(secret, "")(ctx, "Retrying after "+secret, map[string]any{
		"reason":        "proxy echoed Zoho-oauthtoken " + testToken + " and " + secret,
		"access_token":  "anything",
		"client_secret": "anything",
		"refresh_token": "anything",
		"operation":     "cancel backup 4876876000001593003",
	})
	logged := out.String()
	for _, leak := range []string{secret, testToken, "anything"} {
		if strings.Contains(logged, leak) {
			t.Errorf("log line leaks %q: %s", leak, logged)
		}
	}
	if !strings.Contains(logged, "cancel backup 4876876000001593003") || !strings.Contains(logged, `"@level":"debug"`) {
		t.Errorf("the line lost its non-secret content or level: %s", logged)
	}
}

// TestAccSecrets_absentFromTraceLog runs a whole apply (with a retry, so the
// client's own log lines are there too) at TF_LOG=TRACE and fails if the
// access token appears anywhere in the log, the diagnostics or state.
func TestAccSecrets_absentFromTraceLog(t *testing.T) {
	readLog := captureTraceLog(t)
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.InjectSequence(http.MethodPut, cancelPath(backup.ID), emulator.Fault{})

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		// The failing step's diagnostics must not quote a token either.
		Steps: []resource.TestStep{
			{
				Config:            cancellationConfig(srv.URL(), testToken, backup.ID),
				ConfigStateChecks: []statecheck.StateCheck{noSecretInState(nil)},
				Check:             checkBackupStatus(srv, backup.ID, "STOPPED"),
			},
			{
				// A failing apply too: its diagnostics and error paths are logged.
				ExpectError: regexp.MustCompile(`HTTP 401 with code INVALID_TOKEN`),
				Config:      cancellationConfig(srv.URL(), testUnknownToken, "4876876000009999999"),
			},
		},
	})

	captured := readLog()
	logged := captured.Run
	// The log must be the real thing, or the test proves nothing: Terraform
	// core's lines, the provider's RPCs and the client's retry line.
	coreLine := "[INFO]  Terraform version: " // Terraform core...
	if testCLI(t).openTofu {
		coreLine = "[INFO]  OpenTofu version: "
	}
	for _, want := range []string{
		coreLine,
		"[TRACE] sdk.proto: Received request", // ...the provider's RPCs...
		"zohocrm: Configured the Zoho CRM client",
		"zohocrm: Retrying Zoho API request", // ...the client's line, through the hook
		"zohocrm: Cancelled Zoho CRM backup",
	} {
		if !strings.Contains(logged, want) {
			t.Errorf("the captured log (%d bytes) has no %q line", len(logged), want)
		}
	}
	// The scan works: the harness's echo of the test configuration, which
	// holds the token in the provider block, is caught.
	if !strings.Contains(captured.Harness, testToken) {
		t.Errorf("the harness's copy of the configuration should contain the token; is the log captured?")
	}
	for _, secret := range allTestTokens {
		if i := strings.Index(logged, secret); i >= 0 {
			start := max(i-300, 0)
			t.Errorf("the TRACE log contains an access token:\n…%s…", logged[start:min(i+len(secret)+50, len(logged))])
		}
	}
	t.Logf("checked %d bytes of TRACE log", len(logged))
}
