# Back up every other Thursday. Zoho keeps one scheduled backup at a time,
# so a configuration declares one zohocrm_backup_schedule per organization.
resource "zohocrm_backup_schedule" "biweekly" {
  rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"

  # Other rules Zoho accepts:
  #   "FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH"      the first Thursday of every month
  #   "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"  the 16th of every month
  #   "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"  every Friday (the prefix is optional)
  # Leave rrule out for one immediate backup.

  timeouts = {
    create = "2m"
  }
}
