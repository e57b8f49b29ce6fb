// Package backupfiles owns the files of one downloaded Zoho CRM backup: the
// directory <directory>/<backup_id>/, the <file>.part files a download
// streams into, their verification and atomic rename into place, and
// manifest.json, which lists every complete file. It knows nothing of
// Terraform and does no HTTP. The design is in docs/design/backupfiles.md.
package backupfiles
