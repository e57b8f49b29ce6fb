package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// scenario is one of the configurations the benchmark applies.
type scenario string

const (
	// scenarioOurs cancels each backup with a zohocrm_backup_cancellation.
	scenarioOurs scenario = "ours"
	// scenarioFloor declares as many terraform_data resources and calls
	// nothing: what Terraform itself costs for N resources.
	scenarioFloor scenario = "floor"
	// scenarioNoop declares as many noop_cancellation resources of the
	// harness's no-op framework provider (noopprovider/): what any
	// terraform-plugin-framework provider costs for N resources.
	scenarioNoop scenario = "no-op"
	// scenarioNoopFull declares as many noop_full_cancellation resources:
	// zohocrm_backup_cancellation's whole schema, no request (package noop).
	scenarioNoopFull scenario = "no-op-full"
	// scenarioWorkaround is what users write without this provider: a
	// terraform_data per backup with a local-exec provisioner running curl.
	scenarioWorkaround scenario = "workaround"
)

// providerVersion is the version the harness builds and the configurations pin.
const providerVersion = "0.1.0"

const terraformBlock = `terraform {
  required_providers {
    zohocrm = {
      source  = "zohocrm-terraform/zohocrm"
      version = "` + providerVersion + `"
    }
  }
}
`

const noopTerraformBlock = `terraform {
  required_providers {
    noop = {
      source  = "zohocrm-terraform/noop"
      version = "` + providerVersion + `"
    }
  }
}
`

const variablesBlock = `variable "api_domain" {
  type = string
}

variable "backup_ids" {
  type = list(string)
}
`

// The configurations differ only in what each of the N resources does. The
// access token comes from ZOHOCRM_ACCESS_TOKEN in all of them, as users are
// told to pass it, so it is never in a file.
var configurations = map[scenario]string{
	scenarioOurs: terraformBlock + variablesBlock + `
provider "zohocrm" {
  api_domain = var.api_domain
}

resource "zohocrm_backup_cancellation" "this" {
  count     = length(var.backup_ids)
  backup_id = var.backup_ids[count.index]
}
`,
	scenarioNoop: noopTerraformBlock + variablesBlock + `
resource "noop_cancellation" "this" {
  count     = length(var.backup_ids)
  backup_id = var.backup_ids[count.index]
}
`,
	scenarioNoopFull: noopTerraformBlock + variablesBlock + `
resource "noop_full_cancellation" "this" {
  count     = length(var.backup_ids)
  backup_id = var.backup_ids[count.index]
}
`,
	scenarioFloor: variablesBlock + `
resource "terraform_data" "this" {
  count = length(var.backup_ids)
  input = var.backup_ids[count.index]
}
`,
	// --fail-with-body makes a Zoho error fail the apply, as a careful user
	// would; without it curl exits 0 on any HTTP status.
	scenarioWorkaround: variablesBlock + `
resource "terraform_data" "this" {
  count = length(var.backup_ids)
  input = var.backup_ids[count.index]

  provisioner "local-exec" {
    command = "curl -sS --fail-with-body -X PUT -H \"Authorization: Zoho-oauthtoken $ZOHOCRM_ACCESS_TOKEN\" ${var.api_domain}/crm/bulk/v8/backup/${self.input}/actions/cancel"
  }
}
`,
}

// curlTrustsCAFile is what the workaround's curl gets over TLS: the
// emulator's certificate, from a variable, as a user would pass a CA bundle.
const curlTrustsCAFile = `curl -sS --cacert \"${var.ca_file}\"`

// caFileVariable is declared only in configurations that use it.
const caFileVariable = `
variable "ca_file" {
  type = string
}
`

// writeConfiguration writes main.tf and terraform.tfvars.json for one run.
// A caFile (the emulator's certificate, over TLS) is passed to the
// workaround's curl with --cacert; the provider trusts it through
// SSL_CERT_FILE, so its configuration does not change.
func writeConfiguration(dir string, s scenario, apiDomain string, backupIDs []string, caFile string) error {
	config, ok := configurations[s]
	if !ok {
		return fmt.Errorf("no configuration for scenario %q", s)
	}
	values := map[string]any{"api_domain": apiDomain, "backup_ids": backupIDs}
	if caFile != "" && s == scenarioWorkaround {
		config = strings.Replace(config, "curl -sS", curlTrustsCAFile, 1) + caFileVariable
		values["ca_file"] = caFile
	}
	vars, err := json.MarshalIndent(values, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), append(vars, '\n'), 0o644)
}

// cliConfig is a Terraform CLI configuration that installs the provider and
// the no-op provider only from the local filesystem mirror, so init never
// contacts a registry.
func cliConfig(mirror string) string {
	return fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/zohocrm-terraform/zohocrm", "registry.terraform.io/zohocrm-terraform/noop"]
  }
}
`, mirror)
}
