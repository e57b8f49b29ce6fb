# Take the latest completed backup off Zoho, verified, into
# ./backups/<backup_id>/ with a manifest.json beside the files:
#   terraform apply -invoke=action.zohocrm_backup_download.latest
# Invoking it again skips the files already downloaded and resumes any file
# a dropped connection or Ctrl-C left behind as <file>.part.
action "zohocrm_backup_download" "latest" {
  config {
    directory = "${path.root}/backups"
  }
}

# Wait for a backup that is still SCHEDULED or INPROGRESS to complete, then
# download it, data files only, without the ZIP check.
action "zohocrm_backup_download" "when_done" {
  config {
    directory           = "${path.root}/backups"
    wait                = true
    poll_interval       = "5m"
    timeout             = "6h"
    include_attachments = false
    verify              = false
  }
}
