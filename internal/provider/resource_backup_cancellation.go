package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ resource.Resource              = (*backupCancellationResource)(nil)
	_ resource.ResourceWithConfigure = (*backupCancellationResource)(nil)
)

// backupCancellationResource cancels a scheduled backup when it is created.
// A cancellation is an event, not an object Zoho keeps: Read and Delete make
// no API call, and state only records what happened.
type backupCancellationResource struct {
	client *zoho.Client
}

// NewBackupCancellationResource is the resource factory the provider registers.
func NewBackupCancellationResource() resource.Resource {
	return &backupCancellationResource{}
}

type backupCancellationModel struct {
	ID               types.String   `tfsdk:"id"`
	BackupID         types.String   `tfsdk:"backup_id"`
	Code             types.String   `tfsdk:"code"`
	Message          types.String   `tfsdk:"message"`
	AlreadyCancelled types.Bool     `tfsdk:"already_cancelled"`
	CancelledAt      types.String   `tfsdk:"cancelled_at"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (r *backupCancellationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_cancellation"
}

func (r *backupCancellationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Computed values never change after create; keeping them from state
	// keeps every later plan empty.
	keepString := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Cancels a scheduled Zoho CRM data backup when the resource is created, with " +
			"`PUT /crm/bulk/v8/backup/{id}/actions/cancel`. A backup that is already cancelled counts as success, " +
			"so declaring this resource for a backup cancelled by hand simply records it. " +
			"Destroying the resource only forgets the cancellation: it does not schedule the backup again.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The id of the cancelled backup, the same as `backup_id`.",
				PlanModifiers:       keepString,
			},
			"backup_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The id of the scheduled backup to cancel: 1 to 19 decimal digits, not all zeros, such as " +
					"`4876876000001593003`, as returned by Zoho when the backup was scheduled. Changing it cancels the other backup " +
					"(the resource is replaced).",
				Validators:    []validator.String{backupIDValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"code": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Zoho's answer: `SUCCESS` when this resource cancelled the backup, `ALREADY_CANCELLED` when it had been cancelled before.",
				PlanModifiers:       keepString,
			},
			"message": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Zoho's message, such as `Backup stopped successfully.`",
				PlanModifiers:       keepString,
			},
			"already_cancelled": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "Whether Zoho answered `ALREADY_CANCELLED`: the backup had been cancelled before this resource was created. " +
					"One exception: when an attempt's answer was lost (a dropped connection, a timeout) and the retry found the backup " +
					"cancelled, that earlier attempt probably cancelled it; the apply then warns, and this is `true` all the same, " +
					"because Zoho's answer cannot tell the two apart.",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"cancelled_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the cancellation was applied, as an RFC 3339 timestamp (UTC).",
				PlanModifiers:       keepString,
			},
			"timeouts": resourceTimeoutsAttribute(ctx, timeouts.Opts{
				Create: true,
				CreateDescription: durationDescription + " bounding the cancellation, every retry and the waits between them " +
					"included. Defaults to `10m`. Reading and destroying make no request, so they need no limit.",
			}),
		},
	}
}

func (r *backupCancellationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *backupCancellationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan backupCancellationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	backupID := plan.BackupID.ValueString()
	ctx, cancel, ok := withTimeout(ctx, "timeouts.create", plan.Timeouts.Create, defaultWriteTimeout, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()

	// The cancel is retried after any transient failure, even one Zoho may
	// have acted on: a repeated cancel is answered ALREADY_CANCELLED, which
	// counts as success.
	result, err := r.client.CancelBackup(ctx, backupID)
	if err != nil {
		// Nothing is written to state, so the next apply tries again.
		addZohoError(ctx, &resp.Diagnostics, cancelErrorSummary(backupID, zoho.ErrorCode(err)), err)
		return
	}
	tflog.Info(ctx, "Cancelled Zoho CRM backup", map[string]any{"backup_id": backupID, "code": result.Code, "attempts": result.Attempts})
	if result.AlreadyCancelled() && result.EarlierAttemptMayHaveActed {
		// A retry after a lost answer: recorded as Zoho answered it, with a
		// warning, since the lost attempt most likely did the cancelling.
		resp.Diagnostics.AddWarning(fmt.Sprintf("Backup %s was found already cancelled after a retry", backupID),
			fmt.Sprintf("An earlier attempt of this cancellation got no answer (%d attempts in all), and the retry was answered "+
				"ALREADY_CANCELLED. The earlier attempt most likely cancelled the backup; Zoho's answer cannot tell. "+
				"The backup is cancelled either way; already_cancelled is recorded as true.", result.Attempts))
	}

	plan.ID = types.StringValue(backupID)
	plan.Code = types.StringValue(result.Code)
	plan.Message = types.StringValue(result.Message)
	plan.AlreadyCancelled = types.BoolValue(result.AlreadyCancelled())
	plan.CancelledAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read makes no API call: the cancellation happened and Zoho keeps no
// object for it, so there is nothing to refresh. The state in
// ReadResourceResponse is already populated with the prior state.
func (r *backupCancellationResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
}

// Update is never reached with a changed backup_id (that replaces the
// resource), and every other attribute is computed; it keeps the state as
// planned so that the resource stays consistent if arguments are added.
func (r *backupCancellationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan backupCancellationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete only forgets the cancellation: Zoho has no call to un-cancel a
// backup, and scheduling a new one is a separate, deliberate act. The
// framework removes the resource from state when Delete returns no error.
func (r *backupCancellationResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
