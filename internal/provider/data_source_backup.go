package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ datasource.DataSource              = (*backupDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*backupDataSource)(nil)
)

// backupDataSource reads the latest backup, the only one Zoho reports: it
// is how a configuration discovers the id that zohocrm_backup_cancellation
// needs.
type backupDataSource struct {
	dataSourceClient
}

// NewBackupDataSource is the data source factory the provider registers.
func NewBackupDataSource() datasource.DataSource {
	return &backupDataSource{}
}

type backupDataSourceModel struct {
	ID            types.String   `tfsdk:"id"`
	Exists        types.Bool     `tfsdk:"exists"`
	Status        types.String   `tfsdk:"status"`
	RRule         types.String   `tfsdk:"rrule"`
	ScheduledDate types.String   `tfsdk:"scheduled_date"`
	StartDate     types.String   `tfsdk:"start_date"`
	Requester     types.Object   `tfsdk:"requester"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (d *backupDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup"
}

func (d *backupDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the latest Zoho CRM data backup, the one Zoho reports with `GET /crm/bulk/v8/backup`: " +
			"its id, status and schedule. Zoho keeps one scheduled or running backup at a time, so this is how a configuration " +
			"finds the id to give `zohocrm_backup_cancellation` or to import into `zohocrm_backup_schedule`. " +
			"When no backup was ever scheduled, Zoho answers `204 No Content`: `exists` is then `false` and every other attribute null. " +
			"The data source is read at every plan, with one request.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The id of the latest backup, a string of decimal digits such as `4876876000001593003`; null when `exists` is `false`.",
			},
			"exists": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether Zoho reports any backup: `false` when no backup was ever scheduled for the organization.",
			},
			"status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The backup's status: `SCHEDULED` (waiting for its date), `INPROGRESS` (running), `COMPLETED`, `FAILED`, " +
					"or `STOPPED` (cancelled). A status Zoho adds later is passed through as Zoho sends it.",
			},
			"rrule": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The recurrence rule as Zoho returns it, such as `RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU`; null for an immediate backup.",
			},
			"scheduled_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The next scheduled run, ISO 8601 with the organization's offset, such as `2022-07-26T09:58:45+05:30`; null for an immediate backup.",
			},
			"start_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the backup was first set to start, ISO 8601; null for an immediate backup.",
			},
			"requester": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The CRM user who scheduled the backup.",
				Attributes:          requesterAttributes("user who scheduled the backup"),
			},
			"timeouts": dataSourceTimeoutsAttribute(ctx),
		},
	}
}

func (d *backupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data backupDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() || !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, "timeouts.read", data.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	backup, err := d.client.GetBackup(ctx)
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, "Failed to read the latest Zoho CRM backup", err)
		return
	}
	data.setBackup(backup)
	tflog.Debug(ctx, "Read the latest Zoho CRM backup", map[string]any{"exists": backup != nil, "id": data.ID.ValueString(), "status": data.Status.ValueString()})
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// setBackup fills the model from Zoho's answer; nil (204) leaves everything
// null but exists.
func (m *backupDataSourceModel) setBackup(backup *zoho.Backup) {
	m.Exists = types.BoolValue(backup != nil)
	if backup == nil {
		m.ID, m.Status, m.RRule = types.StringNull(), types.StringNull(), types.StringNull()
		m.ScheduledDate, m.StartDate = types.StringNull(), types.StringNull()
		m.Requester = types.ObjectNull(requesterAttrTypes)
		return
	}
	m.ID = types.StringValue(backup.ID)
	m.Status = types.StringValue(backup.Status)
	m.RRule = types.StringPointerValue(backup.RRule)
	m.ScheduledDate = types.StringPointerValue(backup.ScheduledDate)
	m.StartDate = types.StringPointerValue(backup.StartDate)
	m.Requester = requesterValue(backup.Requester)
}
