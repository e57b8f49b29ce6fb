package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// clientFrom extracts the client from the data Configure handed over. Nil
// data is normal: Terraform calls a resource's Configure before the provider
// is configured (during validation) and when the provider configuration is
// not known yet.
func clientFrom(data any, diags *diag.Diagnostics) *zoho.Client {
	if pd := providerDataFrom(data, diags); pd != nil {
		return pd.client
	}
	return nil
}

// providerDataFrom is clientFrom for the components that need more than the
// client, such as the zohocrm_access_token ephemeral resource.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data type",
			fmt.Sprintf("Expected *providerData, got %T. This is always a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// requireClient reports whether an API call can be made, and explains why
// not otherwise.
func requireClient(client *zoho.Client, diags *diag.Diagnostics) bool {
	if client != nil {
		return true
	}
	diags.AddError("Provider not configured",
		"The zohocrm provider has no usable configuration yet: its arguments depend on values that are known only "+
			"after other resources are applied. Apply those resources first (for example with -target), then apply again.")
	return false
}

// dataSourceClient is embedded by every data source: its Configure receives
// the client the provider configured.
type dataSourceClient struct {
	client *zoho.Client
}

func (d *dataSourceClient) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}
