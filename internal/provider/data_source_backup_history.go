package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ datasource.DataSource              = (*backupHistoryDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*backupHistoryDataSource)(nil)
)

// backupHistoryDataSource reads the past year's backup events.
type backupHistoryDataSource struct {
	dataSourceClient
}

// NewBackupHistoryDataSource is the data source factory the provider registers.
func NewBackupHistoryDataSource() datasource.DataSource {
	return &backupHistoryDataSource{}
}

type backupHistoryDataSourceModel struct {
	MaxEntries types.Int64    `tfsdk:"max_entries"`
	Entries    types.List     `tfsdk:"entries"`
	Timeouts   timeouts.Value `tfsdk:"timeouts"`
}

// historyEntryAttrTypes is the shape of one element of entries.
var historyEntryAttrTypes = map[string]attr.Type{
	"id":          types.StringType,
	"done_by":     types.ObjectType{AttrTypes: requesterAttrTypes},
	"log_time":    types.StringType,
	"state":       types.StringType,
	"action":      types.StringType,
	"repeat_type": types.StringType,
	"file_name":   types.StringType,
	"count":       types.Int64Type,
}

func (d *backupHistoryDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_history"
}

func (d *backupHistoryDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the Zoho CRM data backup history of the past year (Zoho keeps no older history), newest first, with " +
			"`GET /crm/bulk/v8/backup/history`. The provider asks for pages of 200 entries, Zoho's maximum, and follows " +
			"`more_records` until the last page, or until `max_entries` entries are read. When there is no history, Zoho answers " +
			"`204 No Content` and `entries` is empty. The data source is read at every plan, with one request per page.",
		Attributes: map[string]schema.Attribute{
			"max_entries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "The most entries to read, at least 1; the newest are kept. Reading stops at the page that reaches it, " +
					"which saves requests (and API credits) on a long history. Unset, the whole year is read.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"entries": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "One element per event, newest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The id of the history entry (not of the backup)."},
					"done_by": schema.SingleNestedAttribute{
						Computed:            true,
						MarkdownDescription: "The CRM user who caused the event.",
						Attributes:          requesterAttributes("user who caused the event"),
					},
					"log_time": schema.StringAttribute{Computed: true, MarkdownDescription: "When the event happened, ISO 8601 such as `2022-07-08T13:23:05+05:30`."},
					"state": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "The outcome of a run: `completed` or `failure`; null for events that are not a finished run.",
					},
					"action": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "What was done: `scheduled`, `stopped`, `initiated` (an immediate backup), `purchased`; null for a finished run (see `state`).",
					},
					"repeat_type": schema.StringAttribute{Computed: true, MarkdownDescription: "`immediate`, `weekly`, `biweekly` or `monthly`."},
					"file_name":   schema.StringAttribute{Computed: true, MarkdownDescription: "The name of the ZIP file available for download, or null."},
					"count":       schema.Int64Attribute{Computed: true, MarkdownDescription: "The number of extra backups the organization has purchased."},
				}},
			},
			"timeouts": dataSourceTimeoutsAttribute(ctx),
		},
	}
}

func (d *backupHistoryDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data backupHistoryDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() || !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, "timeouts.read", data.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	entries, err := d.client.GetBackupHistory(ctx, int(data.MaxEntries.ValueInt64()))
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, "Failed to read the Zoho CRM backup history", err)
		return
	}
	elements := make([]attr.Value, 0, len(entries))
	for _, e := range entries {
		elements = append(elements, types.ObjectValueMust(historyEntryAttrTypes, map[string]attr.Value{
			"id":          types.StringValue(e.ID),
			"done_by":     requesterValue(e.DoneBy),
			"log_time":    types.StringPointerValue(e.LogTime),
			"state":       types.StringPointerValue(e.State),
			"action":      types.StringPointerValue(e.Action),
			"repeat_type": types.StringPointerValue(e.RepeatType),
			"file_name":   types.StringPointerValue(e.FileName),
			"count":       types.Int64Value(e.Count),
		}))
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: historyEntryAttrTypes}, elements)
	resp.Diagnostics.Append(diags...)
	data.Entries = list
	tflog.Debug(ctx, "Read the Zoho CRM backup history", map[string]any{"entries": len(entries)})
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}
