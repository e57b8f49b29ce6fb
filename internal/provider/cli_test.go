package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// terraformCLI runs the CLI under test (testCLI) against this provider, served
// in-process and reattached the way terraform-plugin-testing does it (so the
// race detector and the test's emulator see every call). It is for what a
// resource.TestStep cannot express: terraform-plugin-testing always passes
// -parallelism=10 to apply (terraform-exec's default), which overrides any
// TF_CLI_ARGS_apply, so a test of another parallelism must run the CLI itself.
type terraformCLI struct {
	t    *testing.T
	path string // the CLI's binary (testCLI)
	dir  string
	env  []string
}

// newTerraformCLI serves p for the calling test and writes config (without a
// terraform block: one requiring the provider is added) to a fresh working
// directory.
func newTerraformCLI(t *testing.T, p provider.Provider, config string) *terraformCLI {
	t.Helper()
	cli := testCLI(t)
	server := protocol6Server(p)
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	go func() {
		err := tf6server.Serve(cli.providerAddress(), func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithLoggingSink(t))
		if err != nil {
			t.Errorf("serving the provider: %v", err)
		}
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case <-time.After(30 * time.Second):
		t.Fatal("the provider server did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})

	reattachJSON, err := json.Marshal(map[string]any{cli.providerAddress(): map[string]any{
		"Protocol": cfg.Protocol, "ProtocolVersion": cfg.ProtocolVersion, "Pid": cfg.Pid, "Test": true,
		"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cliConfig := filepath.Join(dir, "terraformrc")
	writeFile(t, cliConfig, "")
	writeFile(t, filepath.Join(dir, "main.tf"), `
terraform {
  required_providers {
    zohocrm = { source = "zohocrm-terraform/zohocrm" }
  }
}
`+config)
	return &terraformCLI{t: t, path: cli.path, dir: dir, env: append(os.Environ(),
		"TF_REATTACH_PROVIDERS="+string(reattachJSON),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	)}
}

// run runs terraform with args in the working directory and returns its
// combined output.
func (c *terraformCLI) run(args ...string) (string, error) {
	c.t.Helper()
	cmd := exec.Command(c.path, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// start starts terraform with args in the working directory, its combined
// output going to out.
func (c *terraformCLI) start(out io.Writer, args ...string) *exec.Cmd {
	c.t.Helper()
	cmd := exec.Command(c.path, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("starting terraform %v: %v", args, err)
	}
	c.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// mustRun is run that fails the test on an error.
func (c *terraformCLI) mustRun(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("terraform %v: %v\n%s", args, err, out)
	}
	return out
}

// state returns the resources of `terraform show -json`, decoded by
// terraform-json, by address.
func (c *terraformCLI) state() map[string]map[string]any {
	c.t.Helper()
	var shown tfjson.State
	if err := json.Unmarshal([]byte(c.mustRun("show", "-json")), &shown); err != nil {
		c.t.Fatalf("reading terraform show -json: %v", err)
	}
	out := map[string]map[string]any{}
	if shown.Values != nil {
		for _, r := range resourcesOf(shown.Values.RootModule) {
			out[r.Address] = r.AttributeValues
		}
	}
	return out
}

// cliUnderTest is the CLI the acceptance tests drive.
type cliUnderTest struct {
	// path is the binary: TF_ACC_TERRAFORM_PATH when set (the variable
	// terraform-plugin-testing reads, which make test sets from TERRAFORM),
	// else terraform on PATH.
	path string
	// openTofu is true for OpenTofu, which resolves a provider source
	// without a host to registry.opentofu.org rather than
	// registry.terraform.io.
	openTofu bool
	// version is the first line of `version`, e.g. "Terraform v1.11.4".
	version string
}

// providerAddress is the address this CLI gives the provider's source
// "zohocrm-terraform/zohocrm": the key a reattached provider is served
// under.
func (c cliUnderTest) providerAddress() string {
	if c.openTofu {
		return "registry.opentofu.org/zohocrm-terraform/zohocrm"
	}
	return Address
}

// TestMain tells terraform-plugin-testing where the CLI under test looks for
// this provider. It serves the in-process provider under
// registry.terraform.io/{-,hashicorp}/zohocrm unless TF_ACC_PROVIDER_HOST
// and TF_ACC_PROVIDER_NAMESPACE say otherwise, but OpenTofu resolves a
// provider without a source to registry.opentofu.org/hashicorp/zohocrm, and
// refuses the legacy namespace "-" outside that host, so every test would
// fail at init. Values set by the caller win.
//
// A TF_CLI_CONFIG_FILE that names a missing file is dropped: OpenTofu warns
// about it on stdout, which breaks terraform-exec's reading of its output,
// and no file is the same as an empty one.
func TestMain(m *testing.M) {
	if path := os.Getenv("TF_CLI_CONFIG_FILE"); path != "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			_ = os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	if os.Getenv("TF_ACC") != "" {
		if cli, err := detectCLI(); err == nil && cli.openTofu {
			setEnvUnlessSet("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
			setEnvUnlessSet("TF_ACC_PROVIDER_NAMESPACE", "hashicorp")
		}
	}
	os.Exit(m.Run())
}

func setEnvUnlessSet(key, value string) {
	if os.Getenv(key) == "" {
		_ = os.Setenv(key, value)
	}
}

var (
	detectCLIOnce sync.Once
	detectedCLI   cliUnderTest
	detectCLIErr  error
)

// testCLI finds and identifies the CLI under test once per test binary; a
// test that needs it fails (never skips) when there is none.
func testCLI(t *testing.T) cliUnderTest {
	t.Helper()
	detectCLIOnce.Do(func() { detectedCLI, detectCLIErr = detectCLI() })
	if detectCLIErr != nil {
		t.Fatalf("acceptance tests need a Terraform or OpenTofu CLI: %v", detectCLIErr)
	}
	return detectedCLI
}

func detectCLI() (cliUnderTest, error) {
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		found, err := exec.LookPath("terraform")
		if err != nil {
			return cliUnderTest{}, fmt.Errorf("TF_ACC_TERRAFORM_PATH is not set and terraform is not on PATH: %w", err)
		}
		path = found
	}
	cmd := exec.Command(path, "version")
	// A TF_CLI_CONFIG_FILE naming a missing file makes OpenTofu print a
	// warning before the version; an empty file is the same as none.
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=")
	out, err := cmd.Output()
	if err != nil {
		return cliUnderTest{}, fmt.Errorf("running %s version: %w", path, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return cliUnderTest{path: path, openTofu: strings.HasPrefix(first, "OpenTofu"), version: first}, nil
}
