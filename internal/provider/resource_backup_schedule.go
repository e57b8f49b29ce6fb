package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ resource.Resource                = (*backupScheduleResource)(nil)
	_ resource.ResourceWithConfigure   = (*backupScheduleResource)(nil)
	_ resource.ResourceWithImportState = (*backupScheduleResource)(nil)
	_ resource.ResourceWithIdentity    = (*backupScheduleResource)(nil)
)

// backupScheduleResource is a scheduled (or immediate) backup: created with
// POST /backup, read back with GET /backup, destroyed by cancelling it.
type backupScheduleResource struct {
	client *zoho.Client
}

// NewBackupScheduleResource is the resource factory the provider registers.
func NewBackupScheduleResource() resource.Resource {
	return &backupScheduleResource{}
}

type backupScheduleModel struct {
	ID            types.String   `tfsdk:"id"`
	RRule         types.String   `tfsdk:"rrule"`
	Status        types.String   `tfsdk:"status"`
	ScheduledDate types.String   `tfsdk:"scheduled_date"`
	StartDate     types.String   `tfsdk:"start_date"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (r *backupScheduleResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The backup's id, a string of decimal digits such as 4876876000001593003.",
			},
		},
	}
}

func (r *backupScheduleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_schedule"
}

func (r *backupScheduleResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Computed values change only when Zoho reports so (Read); an update of
	// the rule's spelling or of timeouts keeps them.
	keepString := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Schedules a Zoho CRM data backup with `POST /crm/bulk/v8/backup`: a recurring one when `rrule` is set, " +
			"otherwise an immediate one-off backup. Zoho keeps one scheduled or running backup at a time. " +
			"Each plan reads the latest backup (`GET /crm/bulk/v8/backup`); when it is no longer this one, or it was stopped " +
			"(for example cancelled in the Zoho CRM UI), the resource leaves the state and the plan proposes to schedule it again. " +
			"Destroying the resource cancels the backup; a backup already running cannot be cancelled and fails the destroy. " +
			"When Zoho's answer to the create is lost, the backup is found by reading back; when Zoho refuses because a backup " +
			"with the same rule is already scheduled, that backup is adopted.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The backup's id, as Zoho returned it when scheduling, such as `4876876000001593003`.",
				PlanModifiers:       keepString,
			},
			"rrule": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "When to back up, as a recurrence rule in Zoho's grammar, with or without the `RRULE:` prefix: " +
					"`FREQ` is `WEEKLY` or `MONTHLY`; `INTERVAL` is 1 to 52 (weeks or months between backups); and exactly one of " +
					"`BYDAY`, a weekday (`SU`, `MO`, `TU`, `WE`, `TH`, `FR`, `SA`; for monthly rules optionally after an ordinal 1 to 4 " +
					"or -1, such as `1TH` for the first Thursday) and `BYMONTHDAY`, 1 to 31, for monthly rules only. " +
					"Examples: `FREQ=WEEKLY;INTERVAL=2;BYDAY=TH` (every other Thursday), `FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16`. " +
					"The rule is checked at plan time and sent in the documented form (`RRULE:FREQ=...;INTERVAL=...;BY...`); " +
					"the state keeps the rule as written, so Zoho's form causes no diff, and rewriting the same rule another way " +
					"is an in-place update that makes no request. Leave it out for an immediate one-off backup. " +
					"Changing it to a different rule replaces the schedule: the backup is cancelled and a new one scheduled.",
				Validators: []validator.String{rruleValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(
					requiresReplaceUnlessSameRule,
					"Changing the rule to a different one replaces the schedule; another spelling of the same rule does not.",
					"Changing the rule to a different one replaces the schedule; another spelling of the same rule does not.",
				)},
			},
			"status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The backup's status at the last read: `SCHEDULED`, `INPROGRESS`, `COMPLETED` or `FAILED` " +
					"(a `STOPPED` backup leaves the state). A status Zoho adds later is passed through.",
				PlanModifiers: keepString,
			},
			"scheduled_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The next scheduled run, ISO 8601 with the organization's offset; null for an immediate backup.",
				PlanModifiers:       keepString,
			},
			"start_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the backup was first set to start, ISO 8601; null for an immediate backup.",
				PlanModifiers:       keepString,
			},
			"timeouts": resourceTimeoutsAttribute(ctx, timeouts.Opts{
				Create:            true,
				Read:              true,
				Delete:            true,
				CreateDescription: durationDescription + " bounding scheduling the backup and reading it back. Defaults to `10m`.",
				ReadDescription:   durationDescription + " bounding each refresh of the backup's status. Defaults to `5m`.",
				DeleteDescription: durationDescription + " bounding the cancellation. Defaults to `10m`.",
			}),
		},
	}
}

// requiresReplaceUnlessSameRule replaces the schedule when the rule really
// changes. Zoho returns the rule in its documented form; a configuration
// that writes it without the prefix or in another order (say, after an
// import) must not cancel and reschedule the same backup.
func requiresReplaceUnlessSameRule(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	sameRule := !req.StateValue.IsNull() && !req.PlanValue.IsNull() &&
		zoho.EquivalentRRules(req.StateValue.ValueString(), req.PlanValue.ValueString())
	resp.RequiresReplace = !sameRule
}

func (r *backupScheduleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *backupScheduleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan backupScheduleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, "timeouts.create", plan.Timeouts.Create, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	// A failure Zoho may have acted on is settled by reading back, and a
	// refusal for a backup with the same rule adopts it (zoho.ScheduleBackupSettled).
	outcome, err := r.client.ScheduleBackupSettled(ctx, plan.RRule.ValueString())
	if err != nil {
		// Nothing is known to be scheduled and nothing is written to state.
		addScheduleError(ctx, &resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "Scheduled a Zoho CRM backup", map[string]any{
		"backup_id": outcome.ID, "rrule": plan.RRule.ValueString(), "settled": settlementName(outcome.How),
	})
	plan.ID = types.StringValue(outcome.ID)
	plan.Status, plan.ScheduledDate, plan.StartDate = types.StringNull(), types.StringNull(), types.StringNull()
	if outcome.Backup != nil {
		// Settling read the backup already.
		plan.setBackup(outcome.Backup)
		addSettledWarning(&resp.Diagnostics, outcome, "It is recorded in state and managed by this resource; nothing else needs doing.")
	} else {
		r.readBackScheduled(ctx, outcome.ID, &plan, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

// readBackScheduled reads the backup Zoho just scheduled, for its status
// and dates. The backup exists now, so it goes into state whatever happens
// here: losing its id would leave a schedule no one manages.
func (r *backupScheduleResource) readBackScheduled(ctx context.Context, id string, plan *backupScheduleModel, diags *diag.Diagnostics) {
	backup, err := r.client.GetBackup(ctx)
	switch {
	case err != nil:
		diags.AddWarning(fmt.Sprintf("Backup %s was scheduled, but reading it back failed", id),
			fmt.Sprintf("%s.\n\nThe backup is scheduled and recorded in state; its status and dates are read again at the next plan.", err))
	case backup == nil || backup.ID != id:
		diags.AddWarning(fmt.Sprintf("Backup %s was scheduled, but Zoho reports another latest backup", id),
			"Zoho reports only the latest backup, and right after scheduling it is not this one. The next plan reads it again "+
				"and, if this backup is no longer the latest, proposes to schedule it again.")
	default:
		plan.setBackup(backup)
	}
}

// Read refreshes the status and dates. Zoho reports only the latest backup:
// when that is no longer this one, or it was stopped, the schedule this
// resource stands for is gone, and removing it from state makes the next
// plan propose to schedule it again.
func (r *backupScheduleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state backupScheduleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, "timeouts.read", state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	// The framework wants an identity after every read, even one that
	// removes the resource; a state from before identities gets one here.
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
	backup, err := r.client.GetBackup(ctx)
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, fmt.Sprintf("Failed to read backup %s", state.ID.ValueString()), err)
		return
	}
	if gone := scheduleGone(state.ID.ValueString(), backup); gone != "" {
		tflog.Warn(ctx, "The Zoho CRM backup schedule is gone; removing it from state", map[string]any{"backup_id": state.ID.ValueString(), "reason": gone})
		resp.State.RemoveResource(ctx)
		return
	}
	state.setBackup(backup)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// setBackup copies what Zoho reports. The rule keeps the configuration's
// spelling when it is the same rule, so that reading it back causes no diff.
func (m *backupScheduleModel) setBackup(backup *zoho.Backup) {
	m.ID = types.StringValue(backup.ID)
	m.Status = types.StringValue(backup.Status)
	m.ScheduledDate = types.StringPointerValue(backup.ScheduledDate)
	m.StartDate = types.StringPointerValue(backup.StartDate)
	// An immediate backup has no rule; Zoho's null handling is loose (v2
	// showed a rule for one), so a null rule in state stays null.
	if backup.RRule != nil && (m.RRule.IsUnknown() || (!m.RRule.IsNull() && !zoho.EquivalentRRules(m.RRule.ValueString(), *backup.RRule))) {
		m.RRule = types.StringValue(*backup.RRule)
	}
}

// Update is reached only when the rule is respelled (the same rule; any
// other change replaces the resource) or the timeouts change: neither needs
// Zoho, so the plan becomes the state.
func (r *backupScheduleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan backupScheduleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan.ID, &resp.Diagnostics)
}

// Delete cancels the backup. One that is already cancelled, or that Zoho no
// longer knows as cancellable (a finished one), is already gone. One that is
// running cannot be cancelled: the destroy fails and the resource stays in
// state, so nothing is lost.
func (r *backupScheduleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state backupScheduleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, "timeouts.delete", state.Timeouts.Delete, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	id := state.ID.ValueString()

	result, err := r.client.CancelBackup(ctx, id)
	code := zoho.ErrorCode(err)
	switch {
	case err == nil:
		tflog.Info(ctx, "Cancelled the Zoho CRM backup schedule", map[string]any{"backup_id": id, "code": result.Code})
	case code == zoho.CodeResourceNotFound:
		tflog.Info(ctx, "The Zoho CRM backup has nothing left to cancel", map[string]any{"backup_id": id, "code": code})
	case code == zoho.CodeInProgress:
		resp.Diagnostics.AddError(fmt.Sprintf("Backup %s is in progress and cannot be cancelled", id),
			describeError(ctx, err)+"\n\nNothing was changed and the resource stays in state. Once the backup has finished "+
				"(its status becomes COMPLETED or FAILED), destroy again: a finished backup needs no cancelling and is simply forgotten.")
	default:
		addZohoError(ctx, &resp.Diagnostics, cancelErrorSummary(id, code), err)
	}
}

// ImportState adopts the latest backup by its id, given as the import id
// or as the identity of an import block, after checking with GET /backup
// that it is the latest one (Zoho reports no other) and still live. It
// makes no other request.
func (r *backupScheduleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if id == "" && req.Identity != nil {
		var identity backupScheduleIdentity
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		id = identity.ID.ValueString()
	}
	if err := zoho.ValidateBackupID(id); err != nil {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Import zohocrm_backup_schedule by the backup's id "+
			"(the import id, or identity = { id = \"...\" } in an import block): %s.", err))
		return
	}
	if !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()

	backup, err := r.client.GetBackup(ctx)
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, fmt.Sprintf("Failed to read backup %s for import", id), err)
		return
	}
	if gone := scheduleGone(id, backup); gone != "" {
		resp.Diagnostics.AddError(fmt.Sprintf("Backup %s cannot be imported", id),
			fmt.Sprintf("Only Zoho's latest backup, while it is not stopped, can be managed as a schedule, and here %s. "+
				"Find the latest backup's id with the zohocrm_backup data source (its id and status attributes).", gone))
		return
	}
	// The attributes are set one by one rather than with State.Set on the
	// whole model: the model's zero timeouts value is an object without
	// attribute types, which does not convert to the schema's timeouts
	// type, and import has no configuration to take the timeouts from.
	// What is not set stays null, timeouts included, until the next plan
	// reads the configuration.
	setImportedAttributes(ctx, &resp.State, backup, &resp.Diagnostics)
	setIdentity(ctx, resp.Identity, types.StringValue(backup.ID), &resp.Diagnostics)
}
