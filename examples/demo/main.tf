# The configuration `make demo` applies against the local Zoho emulator. It is
# what a user writes: the provider from its Registry address, the token from
# ZOHOCRM_ACCESS_TOKEN, and the backup to cancel as a variable.
terraform {
  required_providers {
    zohocrm = {
      source = "zohocrm-terraform/zohocrm"
    }
  }
}

variable "api_domain" {
  description = "The Zoho API domain; the demo points it at the emulator on loopback."
  type        = string
}

variable "backup_id" {
  description = "The id of the scheduled backup to cancel."
  type        = string
}

provider "zohocrm" {
  api_domain = var.api_domain
}

resource "zohocrm_backup_cancellation" "this" {
  backup_id = var.backup_id
}

output "cancellation" {
  value = {
    backup_id         = zohocrm_backup_cancellation.this.backup_id
    code              = zohocrm_backup_cancellation.this.code
    message           = zohocrm_backup_cancellation.this.message
    already_cancelled = zohocrm_backup_cancellation.this.already_cancelled
  }
}
