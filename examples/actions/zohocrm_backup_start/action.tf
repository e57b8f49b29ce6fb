# Take a backup now and wait for its download links. Each invocation uses
# one of the edition's monthly backups (4 for Ultimate, 2 for other paid
# editions):
#   terraform apply -invoke=action.zohocrm_backup_start.now
action "zohocrm_backup_start" "now" {
  config {
    wait          = true
    poll_interval = "1m"
    timeout       = "6h"
  }
}

# Take a backup before a resource that changes the CRM is created. Without
# wait, the apply goes on once Zoho has accepted the backup; with wait, it
# holds until the backup is COMPLETED.
action "zohocrm_backup_start" "before_change" {}

resource "terraform_data" "crm_change" {
  input = "the change this configuration makes"

  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.zohocrm_backup_start.before_change]
    }
  }
}
