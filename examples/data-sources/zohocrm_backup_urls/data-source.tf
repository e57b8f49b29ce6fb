# The download links of the latest completed backup, while they last.
data "zohocrm_backup_urls" "latest" {}

output "backup_files" {
  value = data.zohocrm_backup_urls.latest.available ? concat(
    data.zohocrm_backup_urls.latest.data_links,
    data.zohocrm_backup_urls.latest.attachment_links,
  ) : []
}

output "backup_links_expire" {
  value = data.zohocrm_backup_urls.latest.expiry_date
}
