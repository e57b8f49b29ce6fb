package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ action.Action              = (*backupStartAction)(nil)
	_ action.ActionWithConfigure = (*backupStartAction)(nil)
)

// backupStartAction takes an immediate backup (POST /backup with an empty
// body) and, when asked, waits for it to finish.
type backupStartAction struct {
	client *zoho.Client
	// pollOverride replaces the configured poll_interval (tests only; see
	// zohocrmProvider.statusPollInterval).
	pollOverride time.Duration
}

// NewBackupStartAction is the action factory the provider registers.
func NewBackupStartAction() action.Action {
	return &backupStartAction{}
}

type backupStartActionModel struct {
	Wait         types.Bool   `tfsdk:"wait"`
	PollInterval types.String `tfsdk:"poll_interval"`
	Timeout      types.String `tfsdk:"timeout"`
}

func (a *backupStartAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_start"
}

func (a *backupStartAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Takes an immediate Zoho CRM data backup each time it is invoked, with `POST /crm/bulk/v8/backup` " +
			"and an empty body, for example right before an apply that changes the CRM. " +
			"**Each invocation uses one of the backups the Zoho CRM edition allows per month** (4 for Ultimate, 2 for the " +
			"other paid editions); when they are spent, Zoho refuses with `LIMIT_EXCEEDED` (or `LIMIT_REACHED`, as Zoho's SDK names it). Zoho keeps one scheduled or running " +
			"backup at a time, so the invocation fails with `BACKUP_ALREADY_SCHEDULED` while another exists. " +
			"With `wait = true` it follows the backup until it completes and reports the download links. " +
			"Planning it makes no request and nothing is kept in state. Actions need Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"wait": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to wait for the backup to finish: the latest backup is read (`GET /crm/bulk/v8/backup`) " +
					"every `poll_interval`, each change of status is reported, and once it is `COMPLETED` the data and attachment " +
					"download links and their expiry are reported (`GET /crm/bulk/v8/backup/urls`). A `FAILED` backup fails the " +
					"invocation. Defaults to `false`: the invocation ends once Zoho has accepted the backup.",
			},
			"poll_interval": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How often to read the backup's status while waiting, as a duration such as `30s` or `2m`. "+
					"Defaults to `%s`; from `%s` to `%s`. Each read uses one of the organization's API credits.",
					shortDuration(defaultStatusPollInterval), shortDuration(minStatusPollInterval), shortDuration(maxStatusPollInterval)),
				Validators: []validator.String{durationValidator("Invalid poll_interval",
					minStatusPollInterval, maxStatusPollInterval, "1m")},
			},
			"timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How long to wait for the backup to finish, as a duration such as `2h`. "+
					"Defaults to `%s`; from `%s` to `%s`. When it runs out the invocation fails, but the backup goes on in Zoho: "+
					"follow it with the `zohocrm_backup` data source or in Zoho CRM under Setup > Data Administration > Export.",
					shortDuration(defaultBackupWaitTimeout), shortDuration(minBackupWaitTimeout), shortDuration(maxBackupWaitTimeout)),
				Validators: []validator.String{durationValidator("Invalid timeout",
					minBackupWaitTimeout, maxBackupWaitTimeout, "6h")},
			},
		},
	}
}

func (a *backupStartAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		a.client, a.pollOverride = pd.client, pd.statusPollInterval
	}
}

// Invoke schedules the backup and, with wait, follows it to its end.
func (a *backupStartAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	// An action block without a config block sends a null configuration:
	// every default applies.
	var config backupStartActionModel
	if !req.Config.Raw.IsNull() {
		resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	wait := newBackupWait(config.Wait.ValueBool(), config.PollInterval.ValueString(), config.Timeout.ValueString(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !requireClient(a.client, &resp.Diagnostics) {
		return
	}
	if a.pollOverride > 0 {
		wait.pollInterval = a.pollOverride
	}
	progress := func(format string, args ...any) {
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
	}

	progress("Starting an immediate Zoho CRM backup (it uses one of the edition's monthly backups)")
	id, ok := a.start(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	progress("Backup %s started", id)
	if !wait.enabled {
		return
	}
	a.follow(ctx, id, wait, progress, &resp.Diagnostics)
}

// start sends POST /backup (never twice: a second backup would spend
// another of the month's) and returns the backup's id. After a failure Zoho
// may have acted on, the backup found by reading back
// (zoho.ScheduleBackupSettled) is returned with a warning in diags.
func (a *backupStartAction) start(ctx context.Context, diags *diag.Diagnostics) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, defaultWriteTimeout)
	defer cancel()
	outcome, err := a.client.ScheduleBackupSettled(ctx, "")
	if err != nil {
		addStartError(ctx, diags, err)
		return "", false
	}
	tflog.Info(ctx, "Started an immediate Zoho CRM backup", map[string]any{"backup_id": outcome.ID, "settled": settlementName(outcome.How)})
	addSettledWarning(diags, outcome, "It is reported as this invocation's backup; do not invoke the action again for it, "+
		"which would start another.")
	return outcome.ID, true
}

// addStartError is addScheduleError with the way out an invocation has
// when another backup is in the way: cancel it with zohocrm_backup_cancel.
func addStartError(ctx context.Context, diags *diag.Diagnostics, err error) {
	var apiErr *zoho.APIError
	existing := ""
	if errors.As(err, &apiErr) && apiErr.Code == zoho.CodeBackupAlreadyScheduled {
		existing = apiErr.DetailString("id")
	}
	if existing == "" {
		addScheduleError(ctx, diags, err)
		return
	}
	diags.AddError(fmt.Sprintf("Backup %s is already scheduled or running", existing),
		describeAPIError(apiErr)+fmt.Sprintf("\n\nNo backup was started. To start one now, cancel backup %s first, "+
			"for example with\n\n  action \"zohocrm_backup_cancel\" \"existing\" {\n    config {\n      backup_id = %q\n    }\n  }\n\n"+
			"and terraform apply -invoke=action.zohocrm_backup_cancel.existing, then invoke this action again. "+
			"A backup that is already running cannot be cancelled: wait for it to finish.", existing, existing))
}

// follow waits for the backup to finish and, once it is COMPLETED,
// reports its links.
func (a *backupStartAction) follow(ctx context.Context, id string, wait backupWait, progress func(string, ...any), diags *diag.Diagnostics) {
	again := "Do not invoke this action again to wait: that would start another backup."
	if followBackup(ctx, a.client, id, wait, again, progress, diags) {
		a.reportLinks(ctx, id, progress, diags)
	}
}

// reportLinks reads GET /backup/urls for the completed backup.
func (a *backupStartAction) reportLinks(ctx context.Context, id string, progress func(string, ...any), diags *diag.Diagnostics) {
	urls, err := a.client.GetBackupURLs(ctx)
	if err != nil {
		addZohoError(ctx, diags, fmt.Sprintf("Backup %s completed, but reading its download links failed", id), err)
		return
	}
	if urls == nil {
		diags.AddWarning(fmt.Sprintf("Backup %s completed without download links", id),
			"Zoho answered that there are no links to download. Read them later with the zohocrm_backup_urls data source.")
		return
	}
	expiry := "an expiry Zoho did not give"
	if urls.ExpiryDate != nil {
		expiry = *urls.ExpiryDate
	}
	progress("Backup %s download links, valid until %s: data %s; attachments %s", id, expiry,
		listOrNone(urls.DataLinks), listOrNone(urls.AttachmentLinks))
}

func listOrNone(links []string) string {
	if len(links) == 0 {
		return "none"
	}
	return strings.Join(links, ", ")
}
