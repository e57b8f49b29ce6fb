package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// backupScheduleIdentity is the resource identity (Terraform 1.12+): the
// backup's id, which is all an import block needs to adopt a schedule.
type backupScheduleIdentity struct {
	ID types.String `tfsdk:"id"`
}

// setIdentity records the backup's id as the identity, where the CLI keeps
// identities (Terraform 1.12 and later; older CLIs send none).
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id types.String, diags *diag.Diagnostics) {
	if identity != nil {
		diags.Append(identity.Set(ctx, backupScheduleIdentity{ID: id})...)
	}
}

// attributeSetter is what import and a list result write a resource into:
// tfsdk.State and tfsdk.Resource.
type attributeSetter interface {
	SetAttribute(ctx context.Context, p path.Path, val any) diag.Diagnostics
}

// setImportedAttributes writes what ImportState records for backup: the
// rule as Zoho returns it and the computed attributes, timeouts left null.
// The configuration that -generate-config-out writes from these values then
// plans with no change after its import.
func setImportedAttributes(ctx context.Context, res attributeSetter, backup *zoho.Backup, diags *diag.Diagnostics) {
	for attribute, value := range map[string]types.String{
		"id":             types.StringValue(backup.ID),
		"rrule":          types.StringPointerValue(backup.RRule),
		"status":         types.StringValue(backup.Status),
		"scheduled_date": types.StringPointerValue(backup.ScheduledDate),
		"start_date":     types.StringPointerValue(backup.StartDate),
	} {
		diags.Append(res.SetAttribute(ctx, path.Root(attribute), value)...)
	}
}
