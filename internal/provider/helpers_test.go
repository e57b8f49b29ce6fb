package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
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

// allTestTokens are the secrets no diagnostic or state may contain.
var allTestTokens = []string{testToken, testReadOnlyToken, testNonAdminToken, testUnknownToken}

// newEmulator starts a Zoho backup API emulator on loopback for one test.
func newEmulator(t *testing.T, opts ...emulator.Option) *emulator.Server {
	t.Helper()
	srv := emulator.New(opts...)
	if err := srv.Start(); err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(srv.Close)
	srv.AddToken(testToken, "ZohoCRM.bulk.backup.ALL")
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

// checkNoSecretInState fails when any attribute in state contains a token.
func checkNoSecretInState(s *terraform.State) error {
	for _, module := range s.Modules {
		for name, res := range module.Resources {
			for key, value := range res.Primary.Attributes {
				for _, secret := range allTestTokens {
					if strings.Contains(value, secret) {
						return fmt.Errorf("state attribute %s.%s contains a token", name, key)
					}
				}
			}
		}
	}
	return nil
}

// expectFailure is a TestCase ErrorCheck for a case whose one failing step
// must fail with an error matching want and quoting no token. Unlike
// ExpectError it can assert what the error must not contain, and want is
// matched with runs of white space folded to one space. The test fails if no
// step failed at all.
func expectFailure(t *testing.T, want *regexp.Regexp) resource.ErrorCheckFunc {
	t.Helper()
	failed := false
	t.Cleanup(func() {
		if !failed && !t.Skipped() {
			t.Errorf("expected a step to fail with %q, but none failed", want)
		}
	})
	return func(err error) error {
		failed = true
		// Terraform wraps diagnostics at 80 columns; match on single spaces.
		if !want.MatchString(strings.Join(strings.Fields(err.Error()), " ")) {
			return fmt.Errorf("the error does not match %q: %w", want, err)
		}
		for _, secret := range allTestTokens {
			if strings.Contains(err.Error(), secret) {
				return fmt.Errorf("the error quotes an access token: %w", err)
			}
		}
		return nil
	}
}
