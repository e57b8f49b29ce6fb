package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// TestAccAuth_traceLogHoldsNoSecret runs a full apply with TF_LOG=TRACE, the
// Terraform CLI's and the provider's logs going to one file, and searches it
// for the client secret, the refresh token and every access token issued.
func TestAccAuth_traceLogHoldsNoSecret(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 2)
	readLog := captureTraceLog(t)
	// The credentials come from the environment, as in CI: the test harness
	// itself logs the configuration at TRACE.
	unsetAuthEnv(t)
	t.Setenv(envAPIDomain, srv.URL())
	t.Setenv(envAccountsURL, srv.URL())
	t.Setenv(envClientID, testClientID)
	t.Setenv(envClientSecret, testClientSecret)
	t.Setenv(envRefreshToken, testRefreshToken)
	t.Setenv(envTokenCacheDir, t.TempDir())

	acceptanceTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cancellations(ids...) + `
ephemeral "zohocrm_access_token" "test" {}
`,
			Check: resource.ComposeAggregateTestCheckFunc(checkRefreshes(srv, 1), checkCancelledWith(srv, ids...)),
		}},
	})

	// The credentials come from the environment, so even the harness's
	// lines (its copy of the configuration) must hold none: check them all.
	log := readLog().All
	// Guard against a vacuous pass: the log must cover the CLI and the
	// provider, including the refresh and the cancellations.
	for _, want := range []string{
		"[TRACE]",
		`CLI command args: []string{"apply"`, // The Terraform CLI's own log of the apply.
		"Refreshing the Zoho access token",
		"Refreshed the Zoho access token",
		"Cancelled Zoho CRM backup",
		"Opened zohocrm_access_token",
		"] zohocrm: Configured the Zoho CRM client",
		"] sdk.proto: ", // The framework's RPC logging.
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log (%d bytes) does not contain %q", len(log), want)
		}
	}
	secrets := map[string]string{"the client secret": testClientSecret, "the refresh token": testRefreshToken}
	for i, token := range srv.IssuedTokens(testRefreshToken) {
		secrets[fmt.Sprintf("access token %d", i)] = token
	}
	if len(secrets) < 3 {
		t.Fatal("no access token was issued")
	}
	for what, secret := range secrets {
		if n := strings.Count(log, secret); n > 0 {
			t.Errorf("the TRACE log contains %s %d times", what, n)
		}
	}
}
