package provider

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccAuth_tokenCacheAcrossProcesses builds the provider binary and runs
// the Terraform CLI three times, as a CI pipeline does: each run starts a new
// provider process. With the token cache, the first run refreshes and the
// others reuse its token. All runs log at TRACE; the log must hold no secret.
func TestAccAuth_tokenCacheAcrossProcesses(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	terraform := testCLI(t).path
	srv := newOAuthEmulator(t)
	ids := seedBackups(srv, 2)
	srv.ResetRequests()

	root := t.TempDir()
	binDir, work, cacheDir, logPath := filepath.Join(root, "bin"), filepath.Join(root, "work"), filepath.Join(root, "cache"), filepath.Join(root, "trace.log")
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "terraform-provider-zohocrm"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(root, "terraformrc")
	writeFile(t, cliConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "zohocrm-terraform/zohocrm" = %q
  }
  direct {}
}
`, binDir))
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"TF_LOG=TRACE", "TF_LOG_PATH="+logPath,
		envAccessToken+"=", envDataCenter+"=", envAPIVersion+"=",
		envAPIDomain+"="+srv.URL(), envAccountsURL+"="+srv.URL(),
		envClientID+"="+testClientID, envClientSecret+"="+testClientSecret, envRefreshToken+"="+testRefreshToken,
		envTokenCacheDir+"="+cacheDir,
	)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(terraform, append(args, "-no-color", "-input=false")...)
		cmd.Dir, cmd.Env = work, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	configure := func(n int) {
		writeFile(t, filepath.Join(work, "main.tf"), `terraform {
  required_providers {
    zohocrm = { source = "zohocrm-terraform/zohocrm" }
  }
}
`+cancellations(ids[:n]...))
	}

	configure(1)
	run("apply", "-auto-approve")
	if got := srv.Refreshes(); got != 1 {
		t.Fatalf("the first run refreshed %d times, want 1", got)
	}
	configure(2)
	run("apply", "-auto-approve")
	run("plan", "-detailed-exitcode") // Exit code 2 (changes) would fail the run.
	if got := srv.Refreshes(); got != 1 {
		t.Errorf("three provider processes refreshed %d times, want 1: the later ones must reuse the cached token", got)
	}
	if err := checkCancelledWith(srv, ids...)(nil); err != nil {
		t.Error(err)
	}
	issued := srv.IssuedTokens(testRefreshToken)
	for _, req := range srv.Requests() {
		if req.Header.Get("Authorization") != "Zoho-oauthtoken "+issued[0] {
			t.Errorf("%s %s did not carry the cached token", req.Method, req.Path)
		}
	}

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	for _, want := range []string{`CLI command args: []string{"apply"`, "Refreshed the Zoho access token", "Using the cached Zoho access token", "Cancelled Zoho CRM backup"} {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log of the provider processes (%d bytes) does not contain %q", len(data), want)
		}
	}
	for what, secret := range map[string]string{"client secret": testClientSecret, "refresh token": testRefreshToken, "access token": issued[0]} {
		if strings.Contains(log, secret) {
			t.Errorf("the TRACE log contains the %s", what)
		}
	}
}
