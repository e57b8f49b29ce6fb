# Adopt the backup Zoho reports as the latest one (the id attribute of the
# zohocrm_backup data source), while it is not stopped.
terraform import zohocrm_backup_schedule.biweekly 4876876000001593003
