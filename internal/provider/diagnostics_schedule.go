package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// settlementName is how a log line names the way a POST /backup ended.
func settlementName(how zoho.ScheduleSettlement) string {
	switch how {
	case zoho.AnswerLost:
		return "answer lost, found by reading back"
	case zoho.Adopted:
		return "already scheduled with the same rule, adopted"
	}
	return "scheduled"
}

// addSettledWarning says that a backup was taken as the result of a POST
// /backup without Zoho's SUCCESS: found by reading back after the answer
// was lost, or adopted after BACKUP_ALREADY_SCHEDULED. next says what it
// means for the caller. Nothing is said after a plain SUCCESS.
func addSettledWarning(diags *diag.Diagnostics, outcome zoho.ScheduleOutcome, next string) {
	if outcome.Backup == nil {
		return
	}
	found := zoho.DescribeBackup(outcome.Backup)
	switch outcome.How {
	case zoho.Adopted:
		diags.AddWarning(fmt.Sprintf("Adopted backup %s, already scheduled with the same rule", outcome.ID),
			fmt.Sprintf("Zoho refused to schedule another backup (%s): it keeps one scheduled or running backup at a time, "+
				"and %s already has the rule asked for. Nothing new was scheduled and no monthly backup was used; "+
				"the existing backup is taken over, as a backup found already cancelled counts as cancelled. %s",
				zoho.CodeBackupAlreadyScheduled, found, next))
	case zoho.AnswerLost:
		why := fmt.Sprintf("Zoho keeps one scheduled or running backup at a time, so it is either the backup this request "+
			"scheduled or one with the same rule that was already scheduled (which Zoho would have named in a %s refusal, "+
			"and which is then adopted)", zoho.CodeBackupAlreadyScheduled)
		if outcome.InitiatedAt != "" {
			why = fmt.Sprintf("Zoho's history shows it initiated at %s, after this request was sent, so it is "+
				"the backup this request started", outcome.InitiatedAt)
		}
		diags.AddWarning(fmt.Sprintf("Zoho's answer was lost; backup %s was found by reading back", outcome.ID),
			fmt.Sprintf("The request failed in a way Zoho may have acted on, so it was not sent again: %v.\n\n"+
				"Reading back found %s: %s. %s", outcome.Cause, found, why, next))
	}
}

// addScheduleError reports a failed POST /backup. BACKUP_ALREADY_SCHEDULED
// names the backup in the way, with its rule when it could be read, and both
// ways out spelled for its id.
func addScheduleError(ctx context.Context, diags *diag.Diagnostics, err error) {
	var apiErr *zoho.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != zoho.CodeBackupAlreadyScheduled {
		summary := "Failed to schedule a backup"
		switch {
		case errors.Is(err, zoho.ErrMayHaveActed):
			summary = "Zoho may have scheduled the backup, but its answer was lost"
		case zoho.ErrorCode(err) == zoho.CodeLimitExceeded, zoho.ErrorCode(err) == zoho.CodeLimitReached:
			summary = "The monthly backup limit of the Zoho CRM edition is reached"
		}
		addZohoError(ctx, diags, summary, err)
		return
	}
	existing := apiErr.DetailString("id")
	if existing == "" {
		diags.AddError("Another backup is already scheduled or running", describeAPIError(apiErr))
		return
	}
	diags.AddError(fmt.Sprintf("Backup %s is already scheduled or running", existing),
		describeAPIError(apiErr)+conflictingBackup(err)+fmt.Sprintf("\n\nFor backup %s: to cancel it, declare\n\n"+
			"  resource \"zohocrm_backup_cancellation\" \"existing\" {\n    backup_id = %q\n  }\n\n"+
			"and apply; to manage it with this resource, run\n\n  terraform import <this resource's address> %s",
			existing, existing, existing))
}

// conflictingBackup says what the backup in the way of a schedule is, when
// zoho.AdoptScheduled read it, and so why it was not adopted.
func conflictingBackup(err error) string {
	var conflict *zoho.ConflictError
	switch {
	case !errors.As(err, &conflict):
		return ""
	case conflict.ReadErr != nil:
		return fmt.Sprintf("\n\nReading it to compare its rule with the one asked for failed (%v), so it was not adopted.", conflict.ReadErr)
	case conflict.Existing == nil:
		return ""
	}
	return fmt.Sprintf("\n\nIt is %s. This resource adopts a backup in the way only when it is scheduled or running "+
		"with the rule asked for, which this one is not.", zoho.DescribeBackup(conflict.Existing))
}
