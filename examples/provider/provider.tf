terraform {
  required_providers {
    zohocrm = {
      source = "zohocrm-terraform/zohocrm"
    }
  }
}

# Keep the token out of the configuration: export ZOHOCRM_ACCESS_TOKEN instead.
provider "zohocrm" {
  api_domain = "https://www.zohoapis.eu" # your data centre; defaults to https://www.zohoapis.com
}
