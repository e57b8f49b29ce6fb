// Package backupfiles owns the files of one downloaded Zoho CRM backup: the
// directory <directory>/<backup_id>/ (0750), the <file>.part files a
// download streams into with the validator recorded beside each, their
// bounded ZIP verification and atomic rename into place (0600), and
// manifest.json, which lists every complete file. ValidName and CheckNames
// are the one file-name rule. It knows nothing of Terraform and does no
// HTTP. The design is in docs/design/backupfiles.md.
package backupfiles
