package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
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

// Acceptance tests of issue 12: each defect found by the black-box run,
// through the real CLI, with what the emulator received.

// wantRequests fails the test unless the emulator received exactly this
// many API and token requests.
func wantRequests(t *testing.T, srv *emulator.Server, wantAPI, wantToken int) {
	t.Helper()
	if api, token := len(srv.Requests()), len(srv.TokenRequests()); api != wantAPI || token != wantToken {
		t.Errorf("the emulator received %d API and %d token requests, want %d and %d", api, token, wantAPI, wantToken)
	}
}

// wantNoRequests: the failure under test had to stop before the network.
func wantNoRequests(t *testing.T, srv *emulator.Server) {
	t.Helper()
	wantRequests(t, srv, 0, 0)
}

// TestAccHardening_backupIDDomainIsCheckedAtPlan: ids Zoho cannot have
// (zero, more than 19 digits) fail at plan, before any request.
func TestAccHardening_backupIDDomainIsCheckedAtPlan(t *testing.T) {
	srv := newEmulator(t)
	for name, id := range map[string]string{
		"zero":       "0",
		"all zeros":  "0000000000000000000",
		"20 digits":  "48768760000015930031",
		"200 digits": strings.Repeat("4", 200),
	} {
		t.Run(name, func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      cancellationConfig(srv.URL(), testToken, id),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`Invalid Zoho backup id[\s\S]*is not a Zoho backup id:\s+ids are\s+(1 to 19 decimal\s+digits|never zero)`),
				}},
			})
		})
	}
	t.Cleanup(func() { wantNoRequests(t, srv) })
}

// TestAccHardening_explicitEmptyAccessTokenFailsAtPlan: access_token = ""
// is an error naming the attribute, not a silent fall back to
// ZOHOCRM_ACCESS_TOKEN (set here to a valid token).
func TestAccHardening_explicitEmptyAccessTokenFailsAtPlan(t *testing.T) {
	unsetAuthEnv(t)
	t.Setenv(envAccessToken, testToken)
	srv := newEmulator(t)
	id := srv.SeedBackup("SCHEDULED", weekly).ID
	srv.ResetRequests()
	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      cancellationConfig(srv.URL(), "", id),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`Empty Zoho credential[\s\S]*access_token is set to an empty string\.\s+Remove the\s+argument`),
		}},
	})
	wantNoRequests(t, srv)
}

// TestAccHardening_credentialWithLineBreakFailsAtPlan: a credential in HCL
// that ends with a line break (file() without trimspace()) fails at plan,
// naming the attribute and the fix, without quoting the value.
func TestAccHardening_credentialWithLineBreakFailsAtPlan(t *testing.T) {
	srv := newEmulator(t)
	for attribute, config := range map[string]string{
		"access_token":  providerBlock(srv.URL(), testToken+"\n"),
		"refresh_token": selfClientProviderBlock(srv.URL(), testClientID, testClientSecret, testRefreshToken+"\n"),
		"client_secret": selfClientProviderBlock(srv.URL(), testClientID, "\t"+testClientSecret+"\r\n", testRefreshToken),
	} {
		t.Run(attribute, func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      config + cancellations("4876876000001593003"),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`Invalid Zoho credential[\s\S]*` + attribute + `\s+holds\s+the\s+control\s+character\s+U\+000[AD][\s\S]*trimspace\(file\(`),
				}},
			})
		})
	}
	t.Cleanup(func() { wantNoRequests(t, srv) })
}

// TestAccHardening_environmentCredentialsAreTrimmed: defect 3. Credentials
// read from the environment with surrounding whitespace (echo, a file)
// work, for the access token and for the refresh credentials alike.
func TestAccHardening_environmentCredentialsAreTrimmed(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"access token": {envAccessToken: testToken + "\n"},
		"refresh credentials": {
			envClientID: " " + testClientID + "\n", envClientSecret: testClientSecret + "\r\n", envRefreshToken: "\t" + testRefreshToken + "\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			unsetAuthEnv(t)
			srv := newOAuthEmulator(t)
			for k, v := range env {
				t.Setenv(k, v)
			}
			t.Setenv(envAccountsURL, srv.URL()+"\n")
			id := srv.SeedBackup("SCHEDULED", weekly).ID
			srv.ResetRequests()
			acceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"zohocrm\" {\n  api_domain = %q\n}\n", srv.URL()) + cancellationConfigResourceOnly(id),
					Check:  resource.ComposeAggregateTestCheckFunc(checkCancelCount(srv, id, 1), checkBackupStatus(srv, id, "STOPPED")),
				}},
			})
		})
	}
}

// cancellationConfigResourceOnly declares the cancellation without a provider block.
func cancellationConfigResourceOnly(id string) string {
	return fmt.Sprintf("resource \"zohocrm_backup_cancellation\" \"test\" {\n  backup_id = %q\n}\n", id)
}

// TestAccHardening_unsendableTokenIsReportedAtOnce: defect 3's class. A
// token with a control character inside (trimming cannot help) is reported
// at once, naming the cause, with no request and no retry.
func TestAccHardening_unsendableTokenIsReportedAtOnce(t *testing.T) {
	unsetAuthEnv(t)
	t.Setenv(envAccessToken, "1000.d2dddf7602e8e90b\n8e7252c07449da55.e794f7281ba755afaa803aefd19cb8ce")
	srv := newEmulator(t)
	start := time.Now()
	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf("provider \"zohocrm\" {\n  api_domain = %q\n}\n", srv.URL()) + cancellationConfigResourceOnly("4876876000001593003"),
			ExpectError: regexp.MustCompile(`nothing\s+was\s+sent:\s+the\s+access\s+token\s+holds\s+the\s+control\s+character\s+U\+000A\s+at\s+byte\s+22\s+of\s+71[\s\S]*Sending\s+it\s+again\s+cannot\s+help,\s+so\s+it\s+was\s+not\s+retried[\s\S]*ZOHOCRM_ACCESS_TOKEN`),
		}},
	})
	wantNoRequests(t, srv)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s: the failure was retried", took)
	}
}

// TestAccHardening_refusedRefreshIsAskedOnce: defect 1. Twenty
// cancellations with a revoked refresh token send one token request, not
// twenty, and no API request.
func TestAccHardening_refusedRefreshIsAskedOnce(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 20)
	srv.RevokeRefreshToken(testRefreshToken)
	srv.ResetRequests()
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      refreshProviderBlock(srv.URL()) + cancellations(ids...),
			ExpectError: regexp.MustCompile(`HTTP 200 with error "invalid_code"[\s\S]*The refresh token is wrong or has been\s+revoked`),
		}},
	})
	// One token request for 20 resources, and no API request without a token.
	wantRequests(t, srv, 0, 1)
}

// TestAccHardening_historyPagingIsBounded: defect 4. A server that answers
// every page with one entry and more_records: true gets MaxHistoryPages
// requests, and the diagnostic names the bound.
func TestAccHardening_historyPagingIsBounded(t *testing.T) {
	srv := newEmulator(t)
	srv.InjectFault(emulator.Fault{
		Method: http.MethodGet, Path: historyPath, Times: -1, Status: http.StatusOK,
		Body: `{"history":[{"id":"4876876000001758001","done_by":null,"log_time":null,"state":null,"action":"scheduled","repeat_type":null,"file_name":null,"count":0}],` +
			`"info":{"page":1,"per_page":200,"count":1,"more_records":true}}`,
	})
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      historyDataConfig(srv.URL(), ""),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`stopped at the provider's bound of\s+%d\s+pages\s+of\s+200\s+entries[\s\S]*check\s+that\s+api_domain`, zoho.MaxHistoryPages)),
		}},
	})
	if got := srv.CountRequests(http.MethodGet, historyPath); got != zoho.MaxHistoryPages {
		t.Errorf("%d history requests, want %d", got, zoho.MaxHistoryPages)
	}
}

// TestAccHardening_retryAfterBeyondTheTimeoutSaysSo: Retry-After: 3600
// under timeouts.create = "5s" fails at once, saying Zoho asked for an hour.
func TestAccHardening_retryAfterBeyondTheTimeoutSaysSo(t *testing.T) {
	srv := newEmulator(t)
	id := srv.SeedBackup("SCHEDULED", weekly).ID
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{
		Method: http.MethodPut, Path: cancelPath(id), Times: -1, Status: http.StatusTooManyRequests,
		Code: zoho.CodeTooManyRequests, Message: "too many requests", Header: http.Header{"Retry-After": {"3600"}},
	})
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      providerBlock(srv.URL(), testToken) + cancellationWithTimeout(id, "5s"),
			ExpectError: regexp.MustCompile(`Zoho asked the provider to wait 1h0m0s before trying again \(a\s+Retry-After\s+header\)[\s\S]*longer than\s+timeouts.create\s+=\s+5s`),
		}},
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(id)); got != 1 {
		t.Errorf("%d cancel requests, want 1", got)
	}
}

// TestAccHardening_maxConcurrentRequestsIsValidatedAtPlan covers the new
// setting's domain, in HCL (at plan) and in the environment.
func TestAccHardening_maxConcurrentRequestsIsValidatedAtPlan(t *testing.T) {
	srv := newEmulator(t)
	for _, n := range []int{0, -1, 26} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"zohocrm\" {\n  api_domain = %q\n  access_token = %q\n  max_concurrent_requests = %d\n}\n", srv.URL(), testToken, n) +
						cancellationConfigResourceOnly("4876876000001593003"),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`max_concurrent_requests[\s\S]*value must be between 1 and 25`),
				}},
			})
		})
	}
	t.Cleanup(func() { wantNoRequests(t, srv) })
}

func TestAccHardening_invalidMaxConcurrentRequestsInEnvironment(t *testing.T) {
	t.Setenv(envMaxConcurrentRequests, "50")
	srv := newEmulator(t)
	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      providerBlock(srv.URL(), testToken) + cancellationConfigResourceOnly("4876876000001593003"),
			ExpectError: regexp.MustCompile(`ZOHOCRM_MAX_CONCURRENT_REQUESTS: "50" is not a number of concurrent requests:\s+use a whole number from 1 to 25`),
		}},
	})
	wantNoRequests(t, srv)
}

// TestAccHardening_maxConcurrentRequestsHoldsTheOrganizationsLimit: with
// max_concurrent_requests = 1 (in HCL, then from the environment) and an
// organization limited to 1 call at once, ten cancellations at Terraform's
// parallelism of 10 never reach the limit: no 429 at all.
func TestAccHardening_maxConcurrentRequestsHoldsTheOrganizationsLimit(t *testing.T) {
	for _, fromEnv := range []bool{false, true} {
		t.Run(fmt.Sprintf("from environment %t", fromEnv), func(t *testing.T) {
			setting := "max_concurrent_requests = 1"
			if fromEnv {
				t.Setenv(envMaxConcurrentRequests, "1")
				setting = ""
			}
			srv := newEmulator(t)
			ids := seedBackups(srv, 10)
			srv.ResetRequests()
			srv.SetConcurrencyLimit(1)
			srv.InjectFault(emulator.Fault{Times: -1, PassThrough: true, Delay: 50 * time.Millisecond})
			config := fmt.Sprintf("provider \"zohocrm\" {\n  api_domain = %q\n  access_token = %q\n  %s\n}\n", srv.URL(), testToken, setting) + cancellations(ids...)
			acceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("zohocrm_backup_cancellation.c9", tfjsonpath.New("code"), knownvalue.StringExact(zoho.CodeSuccess)),
					},
					Check: func(*terraform.State) error {
						peak, throttled := srv.ConcurrencyStats()
						if peak != 1 || throttled != 0 || len(srv.Requests()) != len(ids) {
							return fmt.Errorf("peak %d, %d throttled, %d requests: want 1, 0, %d", peak, throttled, len(srv.Requests()), len(ids))
						}
						return nil
					},
				}},
			})
		})
	}
}
