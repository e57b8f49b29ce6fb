package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ datasource.DataSource              = (*backupURLsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*backupURLsDataSource)(nil)
)

// backupURLsDataSource reads the download links of the latest backup.
type backupURLsDataSource struct {
	dataSourceClient
}

// NewBackupURLsDataSource is the data source factory the provider registers.
func NewBackupURLsDataSource() datasource.DataSource {
	return &backupURLsDataSource{}
}

type backupURLsDataSourceModel struct {
	DataLinks       types.List     `tfsdk:"data_links"`
	AttachmentLinks types.List     `tfsdk:"attachment_links"`
	ExpiryDate      types.String   `tfsdk:"expiry_date"`
	Available       types.Bool     `tfsdk:"available"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func (d *backupURLsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_urls"
}

func (d *backupURLsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the download links of the latest completed Zoho CRM data backup, with " +
			"`GET /crm/bulk/v8/backup/urls`. Zoho splits a backup into ZIP files of up to 1 GB; downloading them needs a token " +
			"with the scope `ZohoFiles.files.ALL`. When there is nothing to download (no completed backup, or its links have " +
			"expired), Zoho answers `204 No Content`: `available` is then `false` and both lists are empty. " +
			"The data source is read at every plan, with one request.",
		Attributes: map[string]schema.Attribute{
			"data_links": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The URLs of the data files (`Data_001.zip`, ...): each module's records as CSV files, " +
					"with module metadata and record images. Empty when `available` is `false`.",
			},
			"attachment_links": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The URLs of the attachment files (`Attachments_001.zip`, ...): every record attachment in every module. Empty when `available` is `false`.",
			},
			"expiry_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the links stop working (about 7 days after the backup), ISO 8601 such as `2022-06-30T17:31:03+05:30`; null when `available` is `false`.",
			},
			"available": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether Zoho has links to download; `false` when it answered `204 No Content`.",
			},
			"timeouts": dataSourceTimeoutsAttribute(ctx),
		},
	}
}

func (d *backupURLsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data backupURLsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() || !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, "timeouts.read", data.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	urls, err := d.client.GetBackupURLs(ctx)
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, "Failed to read the Zoho CRM backup download links", err)
		return
	}
	if urls == nil {
		urls = &zoho.BackupURLs{}
	}
	data.Available = types.BoolValue(len(urls.DataLinks)+len(urls.AttachmentLinks) > 0)
	data.ExpiryDate = types.StringPointerValue(urls.ExpiryDate)
	data.DataLinks = stringList(ctx, urls.DataLinks, &resp.Diagnostics)
	data.AttachmentLinks = stringList(ctx, urls.AttachmentLinks, &resp.Diagnostics)
	tflog.Debug(ctx, "Read the Zoho CRM backup download links", map[string]any{"available": data.Available.ValueBool()})
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// stringList converts links to a list, empty (never null) when there are none.
func stringList(ctx context.Context, values []string, diags *diag.Diagnostics) types.List {
	if values == nil {
		values = []string{}
	}
	list, d := types.ListValueFrom(ctx, types.StringType, values)
	diags.Append(d...)
	return list
}
