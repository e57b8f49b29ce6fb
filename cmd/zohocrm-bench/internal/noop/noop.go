// Package noop is the benchmark's architecture floor: a
// terraform-plugin-framework provider whose resources do nothing. Its
// noop_cancellation has the arguments of zohocrm_backup_cancellation
// (backup_id, which forces replacement, and a computed id) and nothing more;
// noop_full_cancellation has that resource's whole schema (computed answer
// attributes, timeouts, plan modifiers and validator) and fills it without a
// request. Their difference is what the framework charges for the larger
// schema; ours minus noop_full_cancellation is what this provider's own code
// costs.
package noop

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	zohoprovider "github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/provider"
)

// Address is where the harness's mirror installs the no-op provider.
const Address = "registry.terraform.io/zohocrm-terraform/noop"

// New returns the no-op provider.
func New() provider.Provider { return noopProvider{} }

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return noopCancellation{} },
		func() resource.Resource { return fullCancellation{} },
	}
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

// fullCancellation serves zohocrm_backup_cancellation's own schema, taken
// from the provider, and fills its computed attributes without a request.
type fullCancellation struct{ noopCancellation }

type fullModel struct {
	ID               types.String   `tfsdk:"id"`
	BackupID         types.String   `tfsdk:"backup_id"`
	Code             types.String   `tfsdk:"code"`
	Message          types.String   `tfsdk:"message"`
	AlreadyCancelled types.Bool     `tfsdk:"already_cancelled"`
	CancelledAt      types.String   `tfsdk:"cancelled_at"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (fullCancellation) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_full_cancellation"
}

func (fullCancellation) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	zohoprovider.NewBackupCancellationResource().Schema(ctx, req, resp)
}

func (fullCancellation) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan fullModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	plan.ID = plan.BackupID
	plan.Code = types.StringValue("SUCCESS")
	plan.Message = types.StringValue("Backup stopped successfully.")
	plan.AlreadyCancelled = types.BoolValue(false)
	plan.CancelledAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}
