package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const cancellationAddress = "zohocrm_backup_cancellation.test"

func cancellationConfig(apiDomain, token, backupID string) string {
	return providerBlock(apiDomain, token) + fmt.Sprintf(`
resource "zohocrm_backup_cancellation" "test" {
  backup_id = %q
}
`, backupID)
}

// checkCancelRequest asserts the one request made so far is the documented
// cancel call, authenticated and naming the provider.
func checkCancelRequest(srv *emulator.Server, backupID string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		requests := srv.Requests()
		if len(requests) != 1 {
			return fmt.Errorf("want exactly 1 request, got %d", len(requests))
		}
		req := requests[0]
		if req.Method != http.MethodPut || req.Path != cancelPath(backupID) {
			return fmt.Errorf("request was %s %s", req.Method, req.Path)
		}
		if got := req.Header.Get("Authorization"); got != "Zoho-oauthtoken "+testToken {
			return fmt.Errorf("the request did not carry the token in the Zoho-oauthtoken scheme")
		}
		if ua := req.Header.Get("User-Agent"); !regexp.MustCompile(`^Terraform/\d+\.\d+\.\d+ terraform-provider-zohocrm/test$`).MatchString(ua) {
			return fmt.Errorf("User-Agent %q does not name Terraform and the provider", ua)
		}
		return nil
	}
}

func TestAccBackupCancellation_lifecycle(t *testing.T) {
	srv := newEmulator(t)
	first := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	second := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16")

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cancellationConfig(srv.URL(), testToken, first.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("id"), knownvalue.StringExact(first.ID)),
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("backup_id"), knownvalue.StringExact(first.ID)),
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("code"), knownvalue.StringExact("SUCCESS")),
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("message"), knownvalue.StringExact("Backup stopped successfully.")),
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("already_cancelled"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("cancelled_at"), rfc3339Recent),
					noSecretInState(nil),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkCancelRequest(srv, first.ID),
					checkBackupStatus(srv, first.ID, "STOPPED"),
					checkBackupStatus(srv, second.ID, "SCHEDULED"),
				),
			},
			{
				// Applying the same configuration again plans nothing and calls nothing.
				Config: cancellationConfig(srv.URL(), testToken, first.ID),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkRequestCount(srv, 1),
			},
			{
				// A new backup_id replaces the resource: one more cancel call.
				Config: cancellationConfig(srv.URL(), testToken, second.ID),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(cancellationAddress, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("id"), knownvalue.StringExact(second.ID)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRequestCount(srv, 2),
					checkBackupStatus(srv, second.ID, "STOPPED"),
				),
			},
		},
		// Destroy forgets the cancellation without calling Zoho.
		CheckDestroy: checkRequestCount(srv, 2),
	})
	if got := srv.CountRequests(http.MethodPut, cancelPath(second.ID)); got != 1 {
		t.Errorf("backup %s was cancelled %d times, want once", second.ID, got)
	}
}

func TestAccBackupCancellation_alreadyCancelled(t *testing.T) {
	srv := newEmulator(t)
	backup := srv.SeedBackup("STOPPED", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cancellationConfig(srv.URL(), testToken, backup.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("code"), knownvalue.StringExact("ALREADY_CANCELLED")),
				statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("message"), knownvalue.StringExact("Backup is already canceled")),
				statecheck.ExpectKnownValue(cancellationAddress, tfjsonpath.New("already_cancelled"), knownvalue.Bool(true)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRequestCount(srv, 1),
				checkBackupStatus(srv, backup.ID, "STOPPED"),
			),
		}},
	})
}

// TestAccBackupCancellation_errors covers each documented failure: the apply
// fails with an actionable diagnostic quoting no token, nothing is written to
// state (the next plan wants to create the resource again) and exactly one
// request was made.
func TestAccBackupCancellation_errors(t *testing.T) {
	tests := map[string]struct {
		seedStatus string // status of a seeded backup; empty for an unknown id
		token      string
		opts       []emulator.Option
		want       *regexp.Regexp
		wantStatus string // the seeded backup's status afterwards
	}{
		"in progress": {
			seedStatus: "INPROGRESS", token: testToken,
			want:       regexp.MustCompile(`already in progress and can no longer be cancelled.*HTTP 400 with code INPROGRESS.*Wait for it to finish`),
			wantStatus: "INPROGRESS",
		},
		"not found, top-level envelope": {
			token: testToken,
			want:  regexp.MustCompile(`Backup 4876876000009999999 was not found.*HTTP 400 with code RESOURCE_NOT_FOUND.*Find the id`),
		},
		"not found, nested envelope": {
			token: testToken, opts: []emulator.Option{emulator.WithResourceNotFoundNested(true)},
			want: regexp.MustCompile(`Backup 4876876000009999999 was not found.*code RESOURCE_NOT_FOUND`),
		},
		"scope mismatch": {
			seedStatus: "SCHEDULED", token: testReadOnlyToken,
			want:       regexp.MustCompile(`Failed to cancel backup.*HTTP 401 with code OAUTH_SCOPE_MISMATCH.*ZohoCRM\.bulk\.backup\.UPDATE`),
			wantStatus: "SCHEDULED",
		},
		"no permission": {
			seedStatus: "SCHEDULED", token: testNonAdminToken,
			want:       regexp.MustCompile(`HTTP 403 with code NO_PERMISSION.*Administrator`),
			wantStatus: "SCHEDULED",
		},
		"invalid token": {
			seedStatus: "SCHEDULED", token: testUnknownToken,
			want:       regexp.MustCompile(`HTTP 401 with code INVALID_TOKEN.*expired`),
			wantStatus: "SCHEDULED",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t, tt.opts...)
			backupID := "4876876000009999999"
			if tt.seedStatus != "" {
				backupID = srv.SeedBackup(tt.seedStatus, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
				srv.ResetRequests()
			}
			config := cancellationConfig(srv.URL(), tt.token, backupID)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{ExpectError: tt.want, Config: config},
					expectCreatePlanned(cancellationAddress, config),
				},
			})
			if got := srv.CountRequests(http.MethodPut, cancelPath(backupID)); got != 1 {
				t.Errorf("want exactly 1 cancel request, got %d", got)
			}
			if tt.wantStatus != "" {
				if err := checkBackupStatus(srv, backupID, tt.wantStatus)(nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// expectCreatePlanned is a plan-only step proving that a failed create left
// nothing in state: the next plan wants to create the resource again.
func expectCreatePlanned(address, config string) resource.TestStep {
	return resource.TestStep{
		Config:             config,
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PostApplyPreRefresh: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(address, plancheck.ResourceActionCreate),
			},
		},
	}
}

// TestAccBackupCancellation_htmlGatewayError puts a gateway that answers an
// HTML 502 page in front of the API, as a load balancer would. A 502 is
// transient, so it is retried max_retries times before the apply fails.
func TestAccBackupCancellation_htmlGatewayError(t *testing.T) {
	var hits atomic.Int32
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = fmt.Fprint(w, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center></body>\n</html>\n")
	}))
	t.Cleanup(gateway.Close)
	config := retryingProviderBlock(gateway.URL, 2, "10s") + resourceOnly("4876876000001593003")

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
		Steps: []resource.TestStep{
			{ExpectError: regexp.MustCompile(`Failed to cancel backup 4876876000001593003.*after 3 attempts.*HTTP 502 with a body that is not a Zoho API response: <html> <head><title>502 Bad Gateway</title>.*proxy or gateway`), Config: config},
			expectCreatePlanned(cancellationAddress, config),
		},
	})
	if got := hits.Load(); got != 3 {
		t.Errorf("want 3 requests through the gateway (the first and 2 retries), got %d", got)
	}
}

func TestAccBackupCancellation_invalidBackupIDFailsAtPlan(t *testing.T) {
	srv := newEmulator(t)
	for _, id := range []string{"48768760000015930O3", "latest", " 4876876000001593003"} {
		t.Run(id, func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					ExpectError: regexp.MustCompile(`Invalid Zoho backup id .*backup_id.* is not a Zoho backup id: ids are 1 to 19 decimal digits`),
					Config:      cancellationConfig(srv.URL(), testToken, id),
					PlanOnly:    true,
				}},
			})
		})
	}
	t.Cleanup(func() {
		if got := len(srv.Requests()); got != 0 {
			t.Errorf("an invalid backup_id must fail before any request, got %d", got)
		}
	})
}
