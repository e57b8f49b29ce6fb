package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ list.ListResource              = (*backupScheduleListResource)(nil)
	_ list.ListResourceWithConfigure = (*backupScheduleListResource)(nil)
)

// backupScheduleListResource finds the zohocrm_backup_schedule that
// `terraform query` can import (Terraform 1.14+). Zoho reports only the
// latest backup (GET /backup), so there is at most one result: the latest
// backup when the resource would keep it in state, which is also exactly
// when an import of it succeeds (scheduleGone, shared with Read and
// ImportState). A STOPPED backup, or no backup at all, lists nothing.
type backupScheduleListResource struct {
	client *zoho.Client
}

// NewBackupScheduleListResource is the list resource factory the provider
// registers; its type name is the managed resource's.
func NewBackupScheduleListResource() list.ListResource {
	return &backupScheduleListResource{}
}

func (l *backupScheduleListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_schedule"
}

func (l *backupScheduleListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds the organization's current backup schedule with `GET /crm/bulk/v8/backup`, so that " +
			"`terraform query` can list it and `terraform query -generate-config-out` can write the `import` and " +
			"`resource \"zohocrm_backup_schedule\"` blocks that adopt it. Zoho reports only the latest backup, so there is " +
			"at most one result: the latest backup unless it is `STOPPED` (cancelled), the same rule by which the resource " +
			"keeps a backup in state and accepts it for import. A recurring schedule, an immediate backup still running, " +
			"and a finished one (`COMPLETED` or `FAILED`) are listed; an organization with no backup, or whose latest backup " +
			"was stopped, lists nothing. The list block takes no arguments, and listing makes one request.",
	}
}

func (l *backupScheduleListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *backupScheduleListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if !requireClient(l.client, &diags) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	// The read happens here, not in the iterator, so that the timeout's
	// context is released as soon as List returns.
	readCtx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	backup, err := l.client.GetBackup(readCtx)
	if err != nil {
		addZohoError(ctx, &diags, "Failed to list the backup schedule", err)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	latestID := ""
	if backup != nil {
		latestID = backup.ID
	}
	if gone := scheduleGone(latestID, backup); gone != "" {
		tflog.Debug(ctx, "No current Zoho CRM backup schedule to list", map[string]any{"reason": gone})
		stream.Results = list.NoListResults
		return
	}
	stream.Results = slices.Values([]list.ListResult{scheduleListResult(ctx, req, backup)})
}

// scheduleListResult is the list result of a live backup: its identity,
// a display name that says when it runs and, with include_resource, the
// attributes an import of it would record.
func scheduleListResult(ctx context.Context, req list.ListRequest, backup *zoho.Backup) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = scheduleDisplayName(backup)
	setIdentity(ctx, result.Identity, types.StringValue(backup.ID), &result.Diagnostics)
	if req.IncludeResource {
		setImportedAttributes(ctx, result.Resource, backup, &result.Diagnostics)
	}
	return result
}

// Bounds of the server's strings in a display name: a status or a date is
// far shorter; anything longer is cut rather than shown whole.
const (
	maxDisplayStatus = 32
	maxDisplayDate   = 40
	maxDisplayRule   = 80
)

// scheduleDisplayName says what the backup is and when it runs, such as
// "Weekly backup every 2 weeks on Thursday (next 2026-12-10T10:00:00+05:30)"
// or "Immediate backup (INPROGRESS)". The status is named unless it is
// SCHEDULED, which the rest of the name already says. Every part that comes
// from Zoho is bounded and stripped of control characters.
func scheduleDisplayName(backup *zoho.Backup) string {
	var notes []string
	if backup.Status != zoho.StatusScheduled {
		notes = append(notes, displaySafe(backup.Status, maxDisplayStatus))
	}
	if backup.ScheduledDate != nil && *backup.ScheduledDate != "" {
		notes = append(notes, "next "+displaySafe(*backup.ScheduledDate, maxDisplayDate))
	}
	name := "Immediate backup"
	if backup.RRule != nil && *backup.RRule != "" {
		name = describeRRule(*backup.RRule)
	}
	if len(notes) == 0 {
		return name
	}
	return name + " (" + strings.Join(notes, ", ") + ")"
}

// weekdayNames spells the BYDAY weekdays Zoho documents.
var weekdayNames = map[string]string{
	"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
	"FR": "Friday", "SA": "Saturday", "SU": "Sunday",
}

// ordinalNames spells the ordinals a monthly BYDAY may carry.
var ordinalNames = map[string]string{"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}

// describeRRule puts a backup rule into words, such as "Monthly backup every
// 3 months on the first Thursday". The rule is checked with the grammar the
// resource validates with (zoho.NormalizeRRule); one it does not accept,
// say a form Zoho introduces later, is shown as it is, bounded.
func describeRRule(rule string) string {
	normalized, err := zoho.NormalizeRRule(rule)
	if err != nil {
		return "Backup on rule " + displaySafe(rule, maxDisplayRule)
	}
	parts := map[string]string{}
	for part := range strings.SplitSeq(strings.TrimPrefix(normalized, zoho.RRulePrefix), ";") {
		key, value, _ := strings.Cut(part, "=")
		parts[key] = value
	}
	unit, adjective := "week", "Weekly"
	if parts["FREQ"] == "MONTHLY" {
		unit, adjective = "month", "Monthly"
	}
	every := "every " + unit
	if parts["INTERVAL"] != "1" {
		every = "every " + parts["INTERVAL"] + " " + unit + "s"
	}
	return fmt.Sprintf("%s backup %s on %s", adjective, every, describeDay(parts["BYDAY"], parts["BYMONTHDAY"], unit))
}

// describeDay spells BYDAY ("Thursday", "the first Thursday", "every
// Thursday" for a monthly rule without an ordinal) or BYMONTHDAY ("day 16").
func describeDay(byDay, byMonthDay, unit string) string {
	if byDay == "" {
		return "day " + byMonthDay
	}
	weekday := byDay[len(byDay)-2:]
	ordinal := byDay[:len(byDay)-2]
	switch {
	case ordinal != "":
		return "the " + ordinalNames[ordinal] + " " + weekdayNames[weekday]
	case unit == "month":
		return "every " + weekdayNames[weekday]
	}
	return weekdayNames[weekday]
}

// displaySafe bounds a string Zoho sent to limit runes, redacts anything
// shaped like a Zoho token and drops control characters, so that it can
// neither leak a credential nor flood or garble the CLI's output.
func displaySafe(s string, limit int) string {
	s = zoho.TokenPattern.ReplaceAllString(s, "[REDACTED]")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			continue
		}
		if n == limit {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
