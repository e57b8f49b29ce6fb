package provider

import "github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"

// scheduleGone says why the backup id no longer stands for a live schedule,
// or returns "" when it does.
func scheduleGone(id string, latest *zoho.Backup) string {
	switch {
	case latest == nil:
		return "Zoho reports no backup at all"
	case latest.ID != id:
		return "the latest backup is now " + latest.ID
	case latest.Status == zoho.StatusStopped:
		return "the backup was stopped"
	}
	return ""
}
