package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// echoFactories add the echo provider, which copies its configuration into
// the state of its echo resource: the one way to observe an ephemeral value.
var echoFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"zohocrm": testAccProtoV6ProviderFactories["zohocrm"],
	"echo":    echoprovider.NewProviderServer(),
}

const echoAccessToken = `
ephemeral "zohocrm_access_token" "test" {}

provider "echo" {
  data = ephemeral.zohocrm_access_token.test
}

resource "echo" "test" {}
`

func TestAccEphemeralAccessToken(t *testing.T) {
	srv := newOAuthEmulator(t)
	// The cache makes every Terraform command of the test see the same token,
	// so the echo resource's plan stays empty.
	config := refreshProviderBlock(srv.URL(), fmt.Sprintf("token_cache_dir = %q", t.TempDir())) + echoAccessToken

	parallelAcceptanceTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: echoFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("access_token"), stringFrom("the access token the emulator issued", func() string {
					return srv.IssuedTokens(testRefreshToken)[0]
				})),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("api_domain"), knownvalue.StringExact(srv.URL())),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("expires_at"), expiresSoon),
			},
			// Plan and apply both open the ephemeral resource; the token
			// cache means Zoho is asked once.
			Check: checkRefreshes(srv, 1),
		}},
	})
}

func TestAccEphemeralAccessToken_withoutCache(t *testing.T) {
	srv := newOAuthEmulator(t)
	parallelAcceptanceTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: echoFactories,
		Steps: []resource.TestStep{{
			Config: refreshProviderBlock(srv.URL()) + echoAccessToken,
			ConfigStateChecks: []statecheck.StateCheck{
				// The echo resource keeps what the last Terraform command opened.
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("access_token"), stringFrom("the access token the emulator issued", func() string {
					issued := srv.IssuedTokens(testRefreshToken)
					return issued[len(issued)-1]
				})),
			},
		}},
	})
	// Without the cache every Terraform command (plan, apply, the checks'
	// plans) starts the provider anew and refreshes once: six with this
	// version of terraform-plugin-testing, the reason token_cache_dir exists.
	if got := srv.Refreshes(); got < 2 {
		t.Errorf("want a refresh per Terraform command, got %d", got)
	}
}

func TestAccEphemeralAccessToken_staticTokenRefused(t *testing.T) {
	srv := newOAuthEmulator(t)
	parallelAcceptanceTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: echoFactories,
		Steps: []resource.TestStep{{
			ExpectError: regexp.MustCompile(`zohocrm_access_token needs refresh credentials.*configured with a static access token.*client_id, client_secret and refresh_token`),
			Config:      providerBlock(srv.URL(), testToken) + echoAccessToken,
		}},
	})
}
