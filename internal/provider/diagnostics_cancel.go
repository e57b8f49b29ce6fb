package provider

import (
	"fmt"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// cancelErrorSummary is the one-line summary for a failed cancellation.
func cancelErrorSummary(backupID, code string) string {
	switch code {
	case zoho.CodeInProgress:
		return fmt.Sprintf("Backup %s is already in progress and can no longer be cancelled", backupID)
	case zoho.CodeResourceNotFound:
		return fmt.Sprintf("Backup %s was not found", backupID)
	default:
		return fmt.Sprintf("Failed to cancel backup %s", backupID)
	}
}
