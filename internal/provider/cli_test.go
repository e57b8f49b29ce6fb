package provider

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// terraformCLI runs the Terraform CLI on PATH against this provider, served
// in-process and reattached the way terraform-plugin-testing does it (so the
// race detector and the test's emulator see every call). It is for what a
// resource.TestStep cannot express: terraform-plugin-testing always passes
// -parallelism=10 to apply (terraform-exec's default), which overrides any
// TF_CLI_ARGS_apply, so a test of another parallelism must run the CLI itself.
type terraformCLI struct {
	t   *testing.T
	dir string
	env []string
}

// newTerraformCLI serves p for the calling test and writes config (without a
// terraform block: one requiring the provider is added) to a fresh working
// directory.
func newTerraformCLI(t *testing.T, p provider.Provider, config string) *terraformCLI {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatal("the Terraform CLI is not on PATH; acceptance tests need it")
	}
	server := protocol6Server(p)
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	go func() {
		err := tf6server.Serve(Address, func() tfprotov6.ProviderServer { return server },
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

	reattachJSON, err := json.Marshal(map[string]any{Address: map[string]any{
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
	return &terraformCLI{t: t, dir: dir, env: append(os.Environ(),
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
	cmd := exec.Command("terraform", args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// start starts terraform with args in the working directory, its combined
// output going to out.
func (c *terraformCLI) start(out io.Writer, args ...string) *exec.Cmd {
	c.t.Helper()
	cmd := exec.Command("terraform", args...)
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

// state returns `terraform show -json`'s resources, by address.
func (c *terraformCLI) state() map[string]map[string]any {
	c.t.Helper()
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("show", "-json")), &shown); err != nil {
		c.t.Fatalf("reading terraform show -json: %v", err)
	}
	out := map[string]map[string]any{}
	for _, r := range shown.Values.RootModule.Resources {
		out[r.Address] = r.Values
	}
	return out
}
