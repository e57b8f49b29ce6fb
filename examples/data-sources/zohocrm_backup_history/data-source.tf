# The 50 most recent backup events (one request: Zoho pages by 200).
data "zohocrm_backup_history" "recent" {
  max_entries = 50
}

output "failed_backups" {
  value = [
    for entry in data.zohocrm_backup_history.recent.entries : entry.log_time
    if entry.state == "failure"
  ]
}
