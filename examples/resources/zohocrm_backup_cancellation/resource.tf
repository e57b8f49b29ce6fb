# Cancel the scheduled backup 4876876000001593003. Applying again changes
# nothing; a backup someone already cancelled by hand is simply recorded.
resource "zohocrm_backup_cancellation" "weekly" {
  backup_id = "4876876000001593003"
}

output "cancellation" {
  value = {
    code              = zohocrm_backup_cancellation.weekly.code
    already_cancelled = zohocrm_backup_cancellation.weekly.already_cancelled
    cancelled_at      = zohocrm_backup_cancellation.weekly.cancelled_at
  }
}
