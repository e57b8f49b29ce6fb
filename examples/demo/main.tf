# The configuration `make demo` applies against the local Zoho emulator. It is
# what a user writes: the provider from its Registry address, the token from
# ZOHOCRM_ACCESS_TOKEN. The demo copies the discover-then-cancel example
# (examples/data-sources/zohocrm_backup/data-source.tf) next to this file: it
# reads the latest backup and keeps it cancelled.
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

provider "zohocrm" {
  api_domain = var.api_domain
}

# Only values that stay the same once an apply has converged: the data
# source's status changes from SCHEDULED to STOPPED after the cancel, and an
# output of it would make the next plan non-empty.
output "cancelled_backups" {
  value = [
    for c in zohocrm_backup_cancellation.latest : {
      backup_id         = c.backup_id
      code              = c.code
      already_cancelled = c.already_cancelled
    }
  ]
}
