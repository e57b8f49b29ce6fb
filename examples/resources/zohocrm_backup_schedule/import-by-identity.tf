# Adopt the backup Zoho reports as the latest one (Terraform 1.12+). The
# import reads it once with GET .../backup and schedules nothing.
import {
  to = zohocrm_backup_schedule.biweekly
  identity = {
    id = "4876876000001593003"
  }
}

resource "zohocrm_backup_schedule" "biweekly" {
  rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
}
