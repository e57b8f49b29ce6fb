package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The tests that set environment variables cannot run in parallel (t.Setenv
// forbids it), which also keeps their variables away from the parallel tests.

func TestAccProvider_environmentVariables(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	t.Setenv(envAPIDomain, srv.URL()+"/")
	t.Setenv(envAccessToken, testToken)
	t.Setenv(envAPIVersion, "v8")

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: resourceOnly(backup.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("code"), knownvalue.StringExact("SUCCESS")),
			},
			Check: checkCancelRequest(srv, backup.ID),
		}},
	})
}

func TestAccProvider_configurationWinsOverEnvironment(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	t.Setenv(envAPIDomain, "https://zoho.invalid")
	t.Setenv(envAccessToken, testUnknownToken)
	t.Setenv(envAPIVersion, "v1")

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "zohocrm" {
  api_domain   = %q
  access_token = %q
  api_version  = "v8"
}
`, srv.URL(), testToken) + resourceOnly(backup.ID),
			Check: checkCancelRequest(srv, backup.ID),
		}},
	})
}

func TestAccProvider_missingAccessToken(t *testing.T) {
	srv := newEmulator(t)
	t.Setenv(envAccessToken, "")
	t.Setenv(envAPIDomain, srv.URL())

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(`Missing Zoho credentials.*access_token argument in the provider block, or the ZOHOCRM_ACCESS_TOKEN environment variable.*ZOHOCRM_CLIENT_ID, ZOHOCRM_CLIENT_SECRET and ZOHOCRM_REFRESH_TOKEN`), Config: resourceOnly("4876876000001593003")}},
	})
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("want no request without a token, got %d", got)
	}
}

func TestAccProvider_invalidEnvironmentAPIDomain(t *testing.T) {
	t.Setenv(envAccessToken, testToken)
	t.Setenv(envAPIDomain, "http://www.zohoapis.com")

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(`Invalid provider setting in the environment.*ZOHOCRM_API_DOMAIN: "http://www.zohoapis.com" uses plain http, which would send the access token in clear text`), Config: resourceOnly("4876876000001593003"), PlanOnly: true}},
	})
}

// TestAccProvider_environmentAPIVersion sends requests under another API
// version; the emulator serves v8 only, so Zoho's INVALID_URL_PATTERN comes
// back and the diagnostic points at api_version.
func TestAccProvider_environmentAPIVersion(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()
	t.Setenv(envAPIVersion, "v7")

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			ExpectError: regexp.MustCompile(`Failed to cancel backup \d+.*HTTP 404 with code INVALID_URL_PATTERN.*Check api_domain .* and api_version`),
			Config:      cancellationConfig(srv.URL(), testToken, backup.ID),
		}},
	})
	if got := srv.CountRequests(http.MethodPut, "/crm/bulk/v7/backup/"+backup.ID+"/actions/cancel"); got != 1 {
		t.Errorf("want the cancel sent once under v7, got %d", got)
	}
}

func TestAccProvider_invalidConfigurationFailsAtPlan(t *testing.T) {
	srv := newEmulator(t)
	tests := map[string]struct {
		providerBlock string
		want          *regexp.Regexp
	}{
		"plain http to a remote host": {
			providerBlock: `provider "zohocrm" {
  api_domain   = "http://www.zohoapis.eu"
  access_token = "x"
}`,
			want: regexp.MustCompile(`Invalid URL.*api_domain.*"http://www.zohoapis.eu" uses plain http, which would send the access token in clear text: use https`),
		},
		"api_domain with a path": {
			providerBlock: `provider "zohocrm" {
  api_domain   = "https://www.zohoapis.com/crm/bulk/v8"
  access_token = "x"
}`,
			want: regexp.MustCompile(`Invalid URL.*api_domain.*must be a bare origin such as "https://www.zohoapis.com", without a path`),
		},
		"api_version without v": {
			providerBlock: `provider "zohocrm" {
  api_version  = "8"
  access_token = "x"
}`,
			want: regexp.MustCompile(`Invalid Zoho API version.*api_version.*"8" is not a Zoho API version: use "v" followed by digits`),
		},
		"negative max_retries": {
			providerBlock: retryingProviderBlock(srv.URL(), -1, "30s"),
			want:          regexp.MustCompile(`Invalid Attribute Value.*max_retries.*must be between 0 and 20, got: -1`),
		},
		"too many max_retries": {
			providerBlock: retryingProviderBlock(srv.URL(), 21, "30s"),
			want:          regexp.MustCompile(`max_retries.*must be between 0 and 20, got: 21`),
		},
		"request_timeout not a duration": {
			providerBlock: retryingProviderBlock(srv.URL(), 3, "soon"),
			want:          regexp.MustCompile(`Invalid request timeout.*request_timeout.*"soon" is not a duration: use a number with a unit, such as "30s"`),
		},
		"zero request_timeout": {
			providerBlock: retryingProviderBlock(srv.URL(), 3, "0s"),
			want:          regexp.MustCompile(`request_timeout.*"0s" is out of range: use a duration from 1s to 10m0s`),
		},
		"request_timeout too long": {
			providerBlock: retryingProviderBlock(srv.URL(), 3, "11m"),
			want:          regexp.MustCompile(`request_timeout.*"11m" is out of range`),
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					ExpectError: tt.want,
					Config:      tt.providerBlock + resourceOnly("4876876000001593003"),
					PlanOnly:    true,
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

// TestAccProvider_unknownConfiguration takes the token from another
// resource, so it is unknown while planning: the plan must still succeed and
// the apply use the token once it is known.
func TestAccProvider_unknownConfiguration(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	srv.ResetRequests()

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}

provider "zohocrm" {
  api_domain   = %q
  access_token = terraform_data.token.output
}
`, testToken, srv.URL()) + resourceOnly(backup.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("code"), knownvalue.StringExact("SUCCESS")),
			},
			Check: checkCancelRequest(srv, backup.ID),
		}},
	})
}
