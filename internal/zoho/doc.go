// Package zoho is a small client for the Zoho CRM Data Backup REST API
// (https://www.zoho.com/crm/developer/docs/api/v8/).
//
// It knows nothing about Terraform: the provider in internal/provider injects
// an *http.Client and a token source and turns the typed errors returned here
// into diagnostics. Keeping the two apart lets the client be unit tested
// against canned responses and the emulator alone.
package zoho
