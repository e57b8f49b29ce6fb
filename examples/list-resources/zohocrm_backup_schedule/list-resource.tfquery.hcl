# backups.tfquery.hcl, next to the configuration that declares the provider.
# `terraform query` lists the organization's current backup schedule, if any;
# `terraform query -generate-config-out=generated.tf` writes the import and
# resource blocks that adopt it at the next apply.
list "zohocrm_backup_schedule" "all" {
  provider = zohocrm

  # The attributes (rrule, status, dates) as well as the identity and the
  # display name.
  include_resource = true
}
