# Cancel one backup on demand:
#   terraform apply -invoke=action.zohocrm_backup_cancel.weekly
action "zohocrm_backup_cancel" "weekly" {
  config {
    backup_id = "4876876000001593003"
  }
}

# Cancel whatever backup gets scheduled: terraform_data holds the latest
# backup's id and is replaced when the id changes; each replacement creates
# it again, and the action_trigger cancels the new backup right after.
data "zohocrm_backup" "latest" {}

resource "terraform_data" "latest_backup" {
  input = data.zohocrm_backup.latest.id

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.zohocrm_backup_cancel.latest]
    }
  }
}

action "zohocrm_backup_cancel" "latest" {
  config {
    backup_id = data.zohocrm_backup.latest.id
  }
}
