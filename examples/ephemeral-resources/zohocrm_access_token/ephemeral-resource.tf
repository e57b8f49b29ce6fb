# The zohocrm provider authenticates with a Self Client's refresh credentials,
# taken from ZOHOCRM_CLIENT_ID, ZOHOCRM_CLIENT_SECRET and ZOHOCRM_REFRESH_TOKEN.
provider "zohocrm" {
  data_center = "EU"
}

# A valid access token for the same organization. It is never written to the
# plan or the state.
ephemeral "zohocrm_access_token" "this" {}

# Another provider calls Zoho with it, here a generic REST provider.
provider "restapi" {
  uri = ephemeral.zohocrm_access_token.this.api_domain
  headers = {
    Authorization = "Zoho-oauthtoken ${ephemeral.zohocrm_access_token.this.access_token}"
  }
}
