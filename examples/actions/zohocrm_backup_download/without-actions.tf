# OpenTofu, and Terraform before 1.14, have no actions. There, a
# terraform_data resource downloads the latest backup's files with curl at
# every apply, with a fresh access token that never reaches the plan or the
# state. The token needs the scope ZohoFiles.files.ALL besides
# ZohoCRM.bulk.backup.READ.
ephemeral "zohocrm_access_token" "download" {}

data "zohocrm_backup_urls" "latest" {}

resource "terraform_data" "download" {
  count = data.zohocrm_backup_urls.latest.available ? 1 : 0

  # A new set of links (a new backup) downloads again.
  triggers_replace = data.zohocrm_backup_urls.latest.expiry_date

  provisioner "local-exec" {
    interpreter = ["/bin/bash", "-c"]
    command     = <<-EOT
      set -euo pipefail
      mkdir -p backups
      for link in $LINKS; do
        # Send the token to Zoho's download hosts only, over https: the host
        # is plain letters, digits, dots and dashes, under a Zoho domain.
        zoho_host='^https://([a-z0-9-]+\.)+(zoho\.(com|eu|in|com\.au|jp|sa|com\.cn)|zohocloud\.ca)/'
        if ! [[ $link =~ $zoho_host ]]; then
          echo "refusing to send the token to a link outside Zoho: $${link%%\?*}" >&2
          exit 1
        fi
        # Write only plain file names such as Data_001.zip into backups/.
        name=$(basename "$link")
        if ! [[ $name =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]*$ ]]; then
          echo "refusing the file name of $${link%%\?*}" >&2
          exit 1
        fi
        # -C - resumes a partial file; --fail makes an error fail the apply.
        curl --fail --silent --show-error --retry 5 -C - \
          -H "Authorization: Zoho-oauthtoken $TOKEN" \
          -o "backups/$name" "$link"
      done
    EOT
    environment = {
      TOKEN = ephemeral.zohocrm_access_token.download.access_token
      LINKS = join(" ", concat(
        data.zohocrm_backup_urls.latest.data_links,
        data.zohocrm_backup_urls.latest.attachment_links,
      ))
    }
  }
}
