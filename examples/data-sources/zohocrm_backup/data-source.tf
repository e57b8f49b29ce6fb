# Keep Zoho CRM data backups cancelled, unattended, whatever state Zoho is in.
#
# The data source reads Zoho's latest backup at every plan. While that backup
# is scheduled, or already stopped, a cancellation is declared for its id:
#
# - SCHEDULED: the apply cancels it.
# - STOPPED: the cancellation is recorded (Zoho answers ALREADY_CANCELLED).
#   Keeping it declared once the backup is stopped is what makes the plan
#   right after an apply empty.
# - A backup scheduled later has a new id, which replaces the cancellation:
#   the next apply cancels the new backup.
# - INPROGRESS, COMPLETED, FAILED, or no backup ever scheduled: there is
#   nothing to cancel, and nothing is declared.
data "zohocrm_backup" "latest" {}

locals {
  # status is null when no backup was ever scheduled.
  backup_cancellable = contains(["SCHEDULED", "STOPPED"], coalesce(data.zohocrm_backup.latest.status, "NONE"))
}

resource "zohocrm_backup_cancellation" "latest" {
  count     = local.backup_cancellable ? 1 : 0
  backup_id = data.zohocrm_backup.latest.id
}
