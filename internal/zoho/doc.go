// Package zoho is a small client for the Zoho CRM Data Backup REST API
// (https://www.zoho.com/crm/developer/docs/api/v8/).
//
// It knows nothing about Terraform: the provider in internal/provider injects
// an *http.Client and a token source and turns the typed errors returned here
// into diagnostics. Keeping the two apart lets the client be unit tested
// against canned responses and the emulator alone.
//
// Besides the API it downloads a backup's files (download.go): from Zoho's
// download hosts, which are not the API host, with the API's access token,
// which it sends only to hosts under the data centre's Zoho domain over
// https (download_policy.go), streamed into a caller's target and resumed
// with Range requests. Where the files go is internal/backupfiles'.
package zoho
