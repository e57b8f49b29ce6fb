package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

const (
	backupPath        = "/crm/bulk/v8/backup"
	backupDataAddress = "data.zohocrm_backup.latest"
)

// countingProviderFactories serves the provider like
// testAccProtoV6ProviderFactories and counts the data-source reads Terraform
// asks for, so a test can prove how many requests each read makes.
func countingProviderFactories(reads *atomic.Int32) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"zohocrm": func() (tfprotov6.ProviderServer, error) {
			return readCountingServer{ProviderServer: protocol6Server(New("test")()), reads: reads}, nil
		},
	}
}

type readCountingServer struct {
	tfprotov6.ProviderServer
	reads *atomic.Int32
}

func (s readCountingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	s.reads.Add(1)
	return s.ProviderServer.ReadDataSource(ctx, req)
}

// checkGETsPerRead asserts that every request the emulator received is an
// authenticated GET of path, bodiless, and that there were exactly
// perRead of them for each data-source read Terraform asked for.
func checkGETsPerRead(srv *emulator.Server, reads *atomic.Int32, path string, perRead int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		requests := srv.Requests()
		for _, req := range requests {
			if req.Method != http.MethodGet || req.Path != path || len(req.Body) != 0 || req.Header.Get("Authorization") != "Zoho-oauthtoken "+testToken {
				return fmt.Errorf("unexpected request %s %s (body %d bytes)", req.Method, req.Path, len(req.Body))
			}
		}
		n := int(reads.Load())
		if n == 0 || len(requests) != n*perRead {
			return fmt.Errorf("%d data-source reads made %d requests, want %d per read", n, len(requests), perRead)
		}
		return nil
	}
}

func backupDataConfig(apiDomain, token string) string {
	return providerBlock(apiDomain, token) + `
data "zohocrm_backup" "latest" {}
`
}

func TestAccBackupDataSource_states(t *testing.T) {
	const rule = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
	tests := map[string]struct {
		status, rule string
	}{
		"scheduled":            {emulator.StatusScheduled, rule},
		"in progress, now":     {emulator.StatusInProgress, ""},
		"completed":            {emulator.StatusCompleted, ""},
		"failed":               {emulator.StatusFailed, "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"},
		"stopped":              {emulator.StatusStopped, rule},
		"in progress, planned": {emulator.StatusInProgress, "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			srv.SeedBackup(emulator.StatusScheduled, rule) // an older backup Zoho no longer reports
			backup := srv.SeedBackup(tt.status, tt.rule)
			srv.ResetRequests()
			var reads atomic.Int32

			dates, wantRule := knownvalue.Check(zohoDate), knownvalue.Check(knownvalue.StringExact(backup.RRule))
			if tt.rule == "" {
				dates, wantRule = knownvalue.Null(), knownvalue.Null()
			}
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: countingProviderFactories(&reads),
				Steps: []resource.TestStep{{
					Config: backupDataConfig(srv.URL(), testToken),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("exists"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("id"), knownvalue.StringExact(backup.ID)),
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("status"), knownvalue.StringExact(tt.status)),
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("rrule"), wantRule),
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("scheduled_date"), dates),
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("start_date"), dates),
						statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("requester"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id":   knownvalue.StringExact("4876876000000327001"),
							"name": knownvalue.StringExact("Patricia Boyle"),
							"zuid": knownvalue.StringExact("7534658674"),
						})),
						noSecretInState(nil),
					},
					Check: checkGETsPerRead(srv, &reads, backupPath, 1),
				}},
			})
		})
	}
}

func TestAccBackupDataSource_nothingEverScheduled(t *testing.T) {
	srv := newEmulator(t)
	var reads atomic.Int32
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: countingProviderFactories(&reads),
		Steps: []resource.TestStep{{
			Config: backupDataConfig(srv.URL(), testReadOnlyToken),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("exists"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("id"), knownvalue.Null()),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("status"), knownvalue.Null()),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("rrule"), knownvalue.Null()),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("scheduled_date"), knownvalue.Null()),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("start_date"), knownvalue.Null()),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("requester"), knownvalue.Null()),
			},
			Check: func(*terraform.State) error {
				// The read-only token: READ is all a data source needs.
				if got, n := srv.CountRequests(http.MethodGet, backupPath), len(srv.Requests()); got != n || int32(got) != reads.Load() {
					return fmt.Errorf("%d reads made %d requests (%d GET %s), want one GET each", reads.Load(), n, got, backupPath)
				}
				return nil
			},
		}},
	})
}

// TestAccBackupDataSource_unknownStatus serves a status Zoho may add (v2 had
// PAYMENT_FAILED): it is passed through, not rejected.
func TestAccBackupDataSource_unknownStatus(t *testing.T) {
	zoho := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != backupPath || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = fmt.Fprint(w, `{"backup":{"id":"4876876000001593003","scheduled_date":null,"start_date":"2020-02-19T13:30:00+05:30","rrule":null,"requester":{"id":"1","name":"A","zuid":"2"},"status":"PAYMENT_FAILED"}}`)
	}))
	t.Cleanup(zoho.Close)
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: backupDataConfig(zoho.URL, testToken),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("status"), knownvalue.StringExact("PAYMENT_FAILED")),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("scheduled_date"), knownvalue.Null()),
				statecheck.ExpectKnownValue(backupDataAddress, tfjsonpath.New("start_date"), knownvalue.StringExact("2020-02-19T13:30:00+05:30")),
			},
		}},
	})
}

// readErrorCases are the documented failures of the three read endpoints.
// Each must fail the plan with an actionable diagnostic and write nothing.
func readErrorCases(path string) map[string]struct {
	token string
	setup func(*emulator.Server)
	want  *regexp.Regexp
	// requests is how many requests the failure costs; 0 means one.
	requests int
} {
	return map[string]struct {
		token string
		setup func(*emulator.Server)
		want  *regexp.Regexp
		// requests is how many requests the failure costs; 0 means one.
		requests int
	}{
		"scope mismatch": {
			// testUnknownToken is registered here with CREATE only: no READ.
			token: testUnknownToken,
			setup: func(s *emulator.Server) { s.AddToken(testUnknownToken, emulator.ScopeCreate) },
			want:  regexp.MustCompile(`HTTP 401 with code OAUTH_SCOPE_MISMATCH.*ZohoCRM\.bulk\.backup\.READ`),
		},
		"no permission": {token: testNonAdminToken, want: regexp.MustCompile(`HTTP 403 with code NO_PERMISSION.*Administrator`)},
		"invalid token": {token: testUnknownToken, want: regexp.MustCompile(`HTTP 401 with code INVALID_TOKEN.*expired`)},
		// A 500 is retried (a single one is ridden out); a lasting one fails
		// once max_retries is used up.
		"internal error": {
			token:    testToken,
			setup:    func(s *emulator.Server) { s.InjectFault(emulator.Fault{Method: http.MethodGet, Path: path, Times: -1}) },
			want:     regexp.MustCompile(`Zoho still failed after 6 attempts.*HTTP 500 with code INTERNAL_ERROR.*Try again later`),
			requests: 1 + zoho.DefaultMaxRetries,
		},
	}
}

// testReadErrors runs readErrorCases against one data source configuration.
func testReadErrors(t *testing.T, path, dataSource string, wantSummary *regexp.Regexp) {
	for name, tt := range readErrorCases(path) {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			srv.SeedBackup(emulator.StatusCompleted, "")
			srv.ResetRequests()
			if tt.setup != nil {
				tt.setup(srv)
			}
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
				Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(wantSummary.String() + `.*` + tt.want.String()), Config: providerBlock(srv.URL(), tt.token) + dataSource}},
			})
			want := max(tt.requests, 1)
			if got := len(srv.Requests()); got != want || srv.CountRequests(http.MethodGet, path) != want {
				t.Errorf("want exactly %d GET %s, got %d requests", want, path, got)
			}
		})
	}
}

func TestAccBackupDataSource_errors(t *testing.T) {
	testReadErrors(t, backupPath, `data "zohocrm_backup" "latest" {}`, regexp.MustCompile(`Failed to read the latest Zoho CRM backup`))
}

// slowZoho answers nothing until the test ends, as a hung Zoho would.
func slowZoho(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

// TestAccTimeoutsBoundTheOperation proves that each timeouts attribute
// bounds its operation: a hung Zoho fails the read or the create after the
// configured second, with a diagnostic that says so.
func TestAccTimeoutsBoundTheOperation(t *testing.T) {
	configs := map[string]struct{ config, limit string }{
		"zohocrm_backup":          {`data "zohocrm_backup" "latest" { timeouts = { read = "1s" } }`, "read"},
		"zohocrm_backup_urls":     {`data "zohocrm_backup_urls" "latest" { timeouts = { read = "1s" } }`, "read"},
		"zohocrm_backup_history":  {`data "zohocrm_backup_history" "all" { timeouts = { read = "1s" } }`, "read"},
		"zohocrm_backup_schedule": {`resource "zohocrm_backup_schedule" "test" { timeouts = { create = "1s" } }`, "create"},
	}
	for name, tt := range configs {
		t.Run(name, func(t *testing.T) {
			zoho := slowZoho(t)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{ExpectError: regexp.MustCompile(`did not finish within timeouts\.` + tt.limit + ` = 1s.*` +
					`timeouts = \{ ` + tt.limit + ` = "2s" \}.*still waiting for Zoho's answer`), Config: providerBlock(zoho.URL, testToken) + tt.config}},
			})
		})
	}
}

func TestAccTimeoutsRejectABadDuration(t *testing.T) {
	srv := newEmulator(t)
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			ExpectError: regexp.MustCompile(`Invalid Attribute Value Time Duration.*"soon" must be a string containing a sequence of decimal numbers`),
			Config:      providerBlock(srv.URL(), testToken) + `data "zohocrm_backup" "latest" { timeouts = { read = "soon" } }`,
			PlanOnly:    true,
		}},
	})
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("a bad duration must fail before any request, got %d", got)
	}
}
