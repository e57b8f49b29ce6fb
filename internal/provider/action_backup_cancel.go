package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ action.Action              = (*backupCancelAction)(nil)
	_ action.ActionWithConfigure = (*backupCancelAction)(nil)
)

// backupCancelAction cancels a scheduled backup when it is invoked
// (terraform apply -invoke, or a resource's action_trigger). It is the
// imperative twin of zohocrm_backup_cancellation: the same request and
// the same answers, but nothing is kept in state.
type backupCancelAction struct {
	client *zoho.Client
}

// NewBackupCancelAction is the action factory the provider registers.
func NewBackupCancelAction() action.Action {
	return &backupCancelAction{}
}

type backupCancelActionModel struct {
	BackupID types.String `tfsdk:"backup_id"`
}

func (a *backupCancelAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_cancel"
}

func (a *backupCancelAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Cancels a scheduled Zoho CRM data backup each time it is invoked, with " +
			"`PUT /crm/bulk/v8/backup/{id}/actions/cancel`, and leaves nothing in state. A backup that is already " +
			"cancelled counts as success, so invoking it again is harmless; a backup that is already running cannot " +
			"be cancelled and fails the invocation. Planning it makes no request. Actions need Terraform 1.14 or later; " +
			"the `zohocrm_backup_cancellation` resource does the same on every CLI.",
		Attributes: map[string]schema.Attribute{
			"backup_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The id of the scheduled backup to cancel, a string of decimal digits such as " +
					"`4876876000001593003`, as the `zohocrm_backup` data source reports it. It is checked at plan time.",
				Validators: []validator.String{backupIDValidator()},
			},
		},
	}
}

func (a *backupCancelAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// Invoke sends the cancel once, with the client's retries (a repeated
// cancel is answered ALREADY_CANCELLED, so retrying is safe), and reports
// what it did as progress events.
func (a *backupCancelAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config backupCancelActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || !requireClient(a.client, &resp.Diagnostics) {
		return
	}
	id := config.BackupID.ValueString()
	ctx, cancel := context.WithTimeout(ctx, defaultWriteTimeout)
	defer cancel()

	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Cancelling Zoho CRM backup %s", id)})
	result, err := a.client.CancelBackup(ctx, id)
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, cancelErrorSummary(id, zoho.ErrorCode(err)), err)
		return
	}
	tflog.Info(ctx, "Cancelled Zoho CRM backup", map[string]any{"backup_id": id, "code": result.Code, "attempts": result.Attempts})
	message := fmt.Sprintf("Backup %s cancelled", id)
	if result.AlreadyCancelled() {
		message = fmt.Sprintf("Backup %s was already cancelled", id)
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: message})
}
