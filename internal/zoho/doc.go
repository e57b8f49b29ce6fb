// Package zoho is a client for the Zoho CRM Data Backup REST API
// (https://www.zoho.com/crm/developer/docs/api/v8/) and its download hosts.
//
// It knows nothing about Terraform: internal/provider injects an
// *http.Client and a token source and turns the typed errors returned here
// into diagnostics. How a request is sent, retried and authorized is in
// docs/design/send-path.md; how a backup file is downloaded, in
// docs/design/download.md.
package zoho
