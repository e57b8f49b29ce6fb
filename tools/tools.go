//go:build generate

// Package tools pins the code generators used by this repository in a separate
// Go module, so that they do not bloat the provider's own go.mod.
// Run them with `make docs` (cd tools && go generate ./...).
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format Terraform code for use in documentation.
//go:generate terraform fmt -recursive ../examples/

// Generate documentation (docs/) from the provider schema, examples/ and templates/.
// Uses the terraform binary on PATH; never pass --tf-version (it downloads Terraform).
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name zohocrm
