package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// cancellations declares one zohocrm_backup_cancellation per id.
func cancellations(ids ...string) string {
	var b strings.Builder
	for i, id := range ids {
		fmt.Fprintf(&b, "\nresource \"zohocrm_backup_cancellation\" \"c%d\" {\n  backup_id = %q\n}\n", i, id)
	}
	return b.String()
}

func seedBackups(srv *emulator.Server, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = srv.SeedBackup("SCHEDULED", weekly).ID
	}
	return ids
}

// checkCancelledWith asserts each backup got exactly one cancel request, and
// that it carried an access token the emulator issued.
func checkCancelledWith(srv *emulator.Server, ids ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		issued := map[string]bool{}
		for _, token := range srv.IssuedTokens(testRefreshToken) {
			issued["Zoho-oauthtoken "+token] = true
		}
		for _, id := range ids {
			if got := srv.CountRequests(http.MethodPut, cancelPath(id)); got != 1 {
				return fmt.Errorf("backup %s got %d cancel requests, want 1", id, got)
			}
		}
		for _, req := range srv.Requests() {
			if !issued[req.Header.Get("Authorization")] {
				return fmt.Errorf("%s %s did not carry a refreshed token", req.Method, req.Path)
			}
		}
		return nil
	}
}

func TestAccAuth_refreshFlow(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 1)
	config := refreshProviderBlock(srv.URL()) + cancellations(ids...)

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("zohocrm_backup_cancellation.c0", tfjsonpath.New("code"), knownvalue.StringExact("SUCCESS")),
					noSecretInState(srv),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRefreshes(srv, 1),
					checkCancelledWith(srv, ids...),
					checkBackupStatus(srv, ids[0], "STOPPED"),
					func(*terraform.State) error {
						reqs := srv.TokenRequests()
						if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].GrantType != "refresh_token" || reqs[0].ClientID != testClientID || reqs[0].Error != "" {
							return fmt.Errorf("token requests %+v", reqs)
						}
						return nil
					},
				),
			},
			{
				// A plan with nothing to read needs no token.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkRefreshes(srv, 1),
			},
		},
	})
}

func TestAccAuth_planWithoutReadsMakesNoTokenRequest(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 3)
	srv.ResetRequests()

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:             refreshProviderBlock(srv.URL()) + cancellations(ids...),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
	if got := len(srv.TokenRequests()); got != 0 {
		t.Errorf("planning three cancellations made %d token requests, want 0", got)
	}
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("planning made %d API requests, want 0", got)
	}
}

func TestAccAuth_twentyCancellationsOneRefresh(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 20)
	srv.ResetRequests()

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: refreshProviderBlock(srv.URL()) + cancellations(ids...),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRefreshes(srv, 1),
				checkRequestCount(srv, 20),
				checkCancelledWith(srv, ids...),
			),
		}},
	})
}

// TestAccAuth_tokenExpiresMidApply moves the emulator's clock past the
// token's hour right after the first of two chained cancellations, so the
// second is rejected with INVALID_TOKEN: the provider must refresh once and
// retry it.
func TestAccAuth_tokenExpiresMidApply(t *testing.T) {
	srv := emulator.New(emulator.WithMonthlyQuota(-1))
	srv.AddRefreshToken(testClientID, testClientSecret, testRefreshToken, emulator.ScopeAll)
	ids := seedBackups(srv, 2)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		if r.Method == http.MethodPut && r.URL.Path == cancelPath(ids[0]) {
			srv.AdvanceClock(61 * time.Minute)
		}
	}))
	t.Cleanup(front.Close)

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: refreshProviderBlock(front.URL) + fmt.Sprintf(`
resource "zohocrm_backup_cancellation" "first" {
  backup_id = %q
}

resource "zohocrm_backup_cancellation" "second" {
  backup_id  = %q
  depends_on = [zohocrm_backup_cancellation.first]
}
`, ids[0], ids[1]),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("zohocrm_backup_cancellation.second", tfjsonpath.New("code"), knownvalue.StringExact("SUCCESS")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRefreshes(srv, 2),
				func(*terraform.State) error {
					first, second := srv.CountRequests(http.MethodPut, cancelPath(ids[0])), srv.CountRequests(http.MethodPut, cancelPath(ids[1]))
					if first != 1 || second != 2 {
						return fmt.Errorf("cancel requests: first %d (want 1), second %d (want 2: rejected, then retried)", first, second)
					}
					issued := srv.IssuedTokens(testRefreshToken)
					reqs := srv.Requests()
					if got := reqs[len(reqs)-1].Header.Get("Authorization"); got != "Zoho-oauthtoken "+issued[1] {
						return fmt.Errorf("the retry did not carry the new token")
					}
					return nil
				},
				checkBackupStatus(srv, ids[1], "STOPPED"),
			),
		}},
	})
}

// exhaustRefreshes spends the 10 tokens Zoho allows per refresh token in 10 minutes.
func exhaustRefreshes(t *testing.T, srv *emulator.Server) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "client_secret": {testClientSecret}, "refresh_token": {testRefreshToken}}
	for range 10 {
		resp, err := http.PostForm(srv.URL()+emulator.TokenPath, form)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	if srv.Refreshes() != 10 {
		t.Fatalf("the emulator issued %d tokens, want 10", srv.Refreshes())
	}
}

func TestAccAuth_tokenEndpointErrors(t *testing.T) {
	tests := map[string]struct {
		clientID, clientSecret, refreshToken string
		throttleStatus                       int
		want                                 string
	}{
		"wrong refresh token": {
			clientID: testClientID, clientSecret: testClientSecret, refreshToken: "1000.99999999999999999999999999999999.88888888888888888888888888888888",
			want: `Failed to cancel backup \d+ .*/oauth/v2/token refused to refresh the access token: HTTP 200 with error "invalid_code".*The refresh token is wrong or has been revoked.*Generate a new grant code.*set refresh_token or ZOHOCRM_REFRESH_TOKEN`,
		},
		"unknown client": {
			clientID: "1000.UNKNOWNCLIENT", clientSecret: testClientSecret, refreshToken: testRefreshToken,
			want: `HTTP 200 with error "invalid_client"\..*does not know this client id. Check client_id or ZOHOCRM_CLIENT_ID, and that accounts_url \(or data_center\) names the data centre`,
		},
		"wrong secret": {
			clientID: testClientID, clientSecret: "wrong-secret", refreshToken: testRefreshToken,
			want: `HTTP 200 with error "invalid_client_secret".*often means the wrong data centre.*client_secret or ZOHOCRM_CLIENT_SECRET`,
		},
		"throttled (HTTP 200)": {
			clientID: testClientID, clientSecret: testClientSecret, refreshToken: testRefreshToken, throttleStatus: http.StatusOK,
			want: `HTTP 200 with error "Access Denied" \(You have made too many requests continuously.*at most 10 access tokens per refresh token in 10 minutes.*set token_cache_dir \(or ZOHOCRM_TOKEN_CACHE_DIR\)`,
		},
		"throttled (HTTP 400)": {
			clientID: testClientID, clientSecret: testClientSecret, refreshToken: testRefreshToken, throttleStatus: http.StatusBadRequest,
			want: `HTTP 400 with error "Access Denied".*Wait up to 10 minutes`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var opts []emulator.Option
			if tt.throttleStatus != 0 {
				opts = append(opts, emulator.WithTokenThrottleStatus(tt.throttleStatus))
			}
			srv := newOAuthEmulator(t, opts...)
			ids := seedBackups(srv, 1)
			if tt.throttleStatus != 0 {
				exhaustRefreshes(t, srv)
			}
			srv.ResetRequests()
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					ExpectError: regexp.MustCompile(tt.want),
					Config:      selfClientProviderBlock(srv.URL(), tt.clientID, tt.clientSecret, tt.refreshToken) + cancellations(ids...),
				}},
			})
			if got := len(srv.Requests()); got != 0 {
				t.Errorf("without a token no API request may be sent, got %d", got)
			}
			if got := len(srv.TokenRequests()); got == 0 {
				t.Error("the token endpoint was never asked")
			}
		})
	}
}

func TestAccAuth_conflictsInConfigurationFailAtPlan(t *testing.T) {
	srv := newOAuthEmulator(t)
	tests := map[string]struct {
		block string
		want  string
	}{
		"access token and refresh credentials": {
			// Real-looking secrets: the diagnostic must not quote the lines
			// that hold them (acceptanceTest checks).
			block: fmt.Sprintf(`provider "zohocrm" {
  access_token  = %q
  client_id     = %q
  refresh_token = %q
}`, testToken, testClientID, testRefreshToken),
			want: `Conflicting Zoho authentication settings.*access_token.*also client_id, refresh_token.*remove access_token to let the provider refresh tokens itself`,
		},
		"unknown data centre": {
			block: `provider "zohocrm" {
  data_center = "MARS"
}`,
			want: `Invalid Zoho data centre.*data_center.*"MARS" is not a Zoho data centre: use one of US, EU, IN, AU, JP, CA, SA, CN`,
		},
		"UK data centre": {
			block: `provider "zohocrm" {
  data_center = "UK"
}`,
			want: `"UK" is a Zoho data centre whose CRM API domain is not confirmed.*set accounts_url = "https://accounts.zoho.uk" and api_domain`,
		},
		"accounts_url over plain http": {
			block: `provider "zohocrm" {
  accounts_url = "http://accounts.zoho.eu"
}`,
			want: `Invalid URL.*accounts_url.*"http://accounts.zoho.eu" uses plain http`,
		},
		"relative token cache directory": {
			block: `provider "zohocrm" {
  token_cache_dir = "cache"
}`,
			want: `Invalid token cache directory.*token_cache_dir.*"cache" is not an absolute path`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					ExpectError: regexp.MustCompile(tt.want),
					Config:      tt.block + resourceOnly("4876876000001593003"),
					PlanOnly:    true,
				}},
			})
		})
	}
	t.Cleanup(func() {
		if got := len(srv.TokenRequests()) + len(srv.Requests()); got != 0 {
			t.Errorf("invalid settings must fail before any request, got %d", got)
		}
	})
}

// unsetAuthEnv clears every authentication variable for one test, so the
// developer's own environment cannot leak in.
func unsetAuthEnv(t *testing.T) {
	for _, v := range []string{envAccessToken, envClientID, envClientSecret, envRefreshToken, envAccountsURL, envDataCenter, envTokenCacheDir, envAPIDomain, envAPIVersion} {
		t.Setenv(v, "")
	}
}

// The tests below set environment variables, so they cannot run in parallel.

func TestAccAuth_conflictsFromEnvironment(t *testing.T) {
	srv := newOAuthEmulator(t)
	tests := map[string]struct {
		env   map[string]string
		block string
		want  string
	}{
		"access token in the environment, refresh credentials in the block": {
			env:   map[string]string{envAccessToken: testToken},
			block: refreshProviderBlock(srv.URL()),
			want: `Conflicting Zoho authentication settings.*access_token \(from ZOHOCRM_ACCESS_TOKEN\), and client_id \(in the provider block\), ` +
				`client_secret \(in the provider block\), refresh_token \(in the provider block\)`,
		},
		"only a client id": {
			env:  map[string]string{envClientID: testClientID, envAPIDomain: srv.URL()},
			want: `Incomplete Zoho refresh credentials.*Set: client_id \(from ZOHOCRM_CLIENT_ID\)\. Missing: client_secret \(or ZOHOCRM_CLIENT_SECRET\), refresh_token \(or ZOHOCRM_REFRESH_TOKEN\)`,
		},
		"secret and refresh token without client id": {
			env:  map[string]string{envClientSecret: testClientSecret, envRefreshToken: testRefreshToken},
			want: `Incomplete Zoho refresh credentials.*Missing: client_id \(or ZOHOCRM_CLIENT_ID\)\.`,
		},
		"invalid data centre in the environment": {
			env:  map[string]string{envDataCenter: "eu", envAccessToken: testToken},
			want: `Invalid provider setting in the environment.*ZOHOCRM_DATA_CENTER: "eu" is not a data centre code: write it in upper case, "EU"`,
		},
		"plain http accounts server in the environment": {
			env:  map[string]string{envAccountsURL: "http://accounts.zoho.com", envAccessToken: testToken},
			want: `ZOHOCRM_ACCOUNTS_URL: "http://accounts.zoho.com" uses plain http`,
		},
		"relative cache directory in the environment": {
			env:  map[string]string{envTokenCacheDir: "tmp", envAccessToken: testToken},
			want: `ZOHOCRM_TOKEN_CACHE_DIR: "tmp" is not an absolute path`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			unsetAuthEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			acceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(tt.want), Config: tt.block + resourceOnly("4876876000001593003"), PlanOnly: true}},
			})
		})
	}
	if got := len(srv.TokenRequests()) + len(srv.Requests()); got != 0 {
		t.Errorf("invalid settings must fail before any request, got %d", got)
	}
}

// TestAccAuth_environmentOnly is the CI setup: no provider block at all.
func TestAccAuth_environmentOnly(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 1)
	srv.ResetRequests()
	unsetAuthEnv(t)
	t.Setenv(envDataCenter, "EU") // The explicit URLs below win over its defaults.
	t.Setenv(envAPIDomain, srv.URL())
	t.Setenv(envAccountsURL, srv.URL())
	t.Setenv(envClientID, testClientID)
	t.Setenv(envClientSecret, testClientSecret)
	t.Setenv(envRefreshToken, testRefreshToken)

	acceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            cancellations(ids...),
			ConfigStateChecks: []statecheck.StateCheck{noSecretInState(srv)},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRefreshes(srv, 1),
				checkCancelledWith(srv, ids...),
			),
		}},
	})
}

func TestAccAuth_tokenCacheAcrossProviderInstances(t *testing.T) {
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 4)
	dir := t.TempDir()
	config := func(n int) string {
		return refreshProviderBlock(srv.URL(), fmt.Sprintf("token_cache_dir = %q", dir)) + cancellations(ids[:n]...)
	}
	cacheFile := func() string {
		return filepath.Join(dir, "zohocrm-token-"+zoho.CacheKey(srv.URL(), zoho.RefreshCredentials{
			ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefreshToken,
		})+".json")
	}
	writeCache := func(content string) func() {
		return func() {
			if err := os.WriteFile(cacheFile(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkCacheHoldsLatestToken := func(*terraform.State) error {
		info, err := os.Stat(cacheFile())
		if err != nil {
			return err
		}
		if info.Mode().Perm() != 0o600 {
			return fmt.Errorf("cache file mode %o, want 600", info.Mode().Perm())
		}
		data, _ := os.ReadFile(cacheFile())
		issued := srv.IssuedTokens(testRefreshToken)
		if !strings.Contains(string(data), issued[len(issued)-1]) || strings.Contains(string(data), testClientSecret) || strings.Contains(string(data), testRefreshToken) {
			return fmt.Errorf("the cache file must hold the latest token and no credential: %s", data)
		}
		return nil
	}

	// Every step runs Terraform (and so configures the provider) anew, like
	// consecutive CI runs.
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(1), Check: resource.ComposeAggregateTestCheckFunc(checkRefreshes(srv, 1), checkCacheHoldsLatestToken)},
			{Config: config(2), Check: resource.ComposeAggregateTestCheckFunc(checkRefreshes(srv, 1), checkCancelledWith(srv, ids[:2]...))},
			{
				PreConfig: writeCache("{this is not json"),
				Config:    config(3),
				Check:     resource.ComposeAggregateTestCheckFunc(checkRefreshes(srv, 2), checkCacheHoldsLatestToken, checkCancelledWith(srv, ids[:3]...)),
			},
			{
				PreConfig: writeCache(fmt.Sprintf(`{"access_token":"1000.77777777777777777777777777777777.77777777777777777777777777777777","expires_at":%q}`,
					time.Now().Add(-time.Minute).UTC().Format(time.RFC3339))),
				Config: config(4),
				Check:  resource.ComposeAggregateTestCheckFunc(checkRefreshes(srv, 3), checkCacheHoldsLatestToken, checkCancelledWith(srv, ids...)),
			},
		},
	})
}
