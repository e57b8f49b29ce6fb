// Command noopprovider is the benchmark's architecture floor: a
// terraform-plugin-framework provider whose one resource, noop_cancellation,
// has the same arguments as zohocrm_backup_cancellation (backup_id, which
// forces replacement, and a computed id) and does nothing: no client, no
// request, no validator, no timeouts. zohocrm-bench builds it into the same
// filesystem mirror as the provider and applies N of its resources, so that
// ours / no-op is what this provider costs above any framework provider.
//
// It is served as a framework provider is by default (providerserver.Serve),
// with the SDK's logs turned off exactly as the provider's main does, so the
// comparison is of the resources' work and not of log encoding.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	zohoprovider "github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/provider"
)

// Address is where the harness's mirror installs the no-op provider.
const Address = "registry.terraform.io/zohocrm-terraform/noop"

func main() {
	zohoprovider.TurnOffUnwantedLogs()
	if err := providerserver.Serve(context.Background(), func() provider.Provider { return noopProvider{} }, providerserver.ServeOpts{Address: Address}); err != nil {
		log.Fatal(err)
	}
}

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return noopCancellation{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type noopCancellation struct{}

type noopModel struct {
	ID       types.String `tfsdk:"id"`
	BackupID types.String `tfsdk:"backup_id"`
}

func (noopCancellation) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cancellation"
}

func (noopCancellation) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"backup_id": schema.StringAttribute{
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (noopCancellation) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	plan.ID = plan.BackupID
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (noopCancellation) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (noopCancellation) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (noopCancellation) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
