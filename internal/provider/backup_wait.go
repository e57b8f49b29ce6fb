package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// Bounds of the wait for a backup (zohocrm_backup_start, zohocrm_backup_download).
// Polling faster than every 5 seconds spends API credits for nothing, and a
// day is longer than any backup Zoho documents.
const (
	defaultStatusPollInterval = time.Minute
	minStatusPollInterval     = 5 * time.Second
	maxStatusPollInterval     = time.Hour
	defaultBackupWaitTimeout  = 6 * time.Hour
	minBackupWaitTimeout      = time.Second
	maxBackupWaitTimeout      = 24 * time.Hour
)

// backupWait is how to wait for a backup: whether to, how often to read its
// status, and for how long at most.
type backupWait struct {
	enabled      bool
	pollInterval time.Duration
	timeout      time.Duration
}

// newBackupWait reads the wait, poll_interval and timeout attributes ("" when
// unset), applying the defaults. A value still invalid here (it was unknown
// at plan time) is an attribute error in diags.
func newBackupWait(enabled bool, pollInterval, timeout string, diags *diag.Diagnostics) backupWait {
	wait := backupWait{enabled: enabled, pollInterval: defaultStatusPollInterval, timeout: defaultBackupWaitTimeout}
	var err error
	if pollInterval != "" {
		if wait.pollInterval, err = parseDurationBetween(pollInterval, minStatusPollInterval, maxStatusPollInterval); err != nil {
			diags.AddAttributeError(path.Root("poll_interval"), "Invalid poll_interval", err.Error()+".")
		}
	}
	if timeout != "" {
		if wait.timeout, err = parseDurationBetween(timeout, minBackupWaitTimeout, maxBackupWaitTimeout); err != nil {
			diags.AddAttributeError(path.Root("timeout"), "Invalid timeout", err.Error()+".")
		}
	}
	return wait
}

// followBackup polls GET /backup every wait.pollInterval, reporting each
// change of status, until backup id is COMPLETED (it returns true) or
// FAILED, is no longer Zoho's latest, or wait.timeout passes (each an error
// in diags). again tells the user whether invoking again is the way to wait
// longer.
func followBackup(ctx context.Context, client *zoho.Client, id string, wait backupWait, again string, progress func(string, ...any), diags *diag.Diagnostics) bool {
	ctx, cancel := context.WithTimeout(ctx, wait.timeout)
	defer cancel()
	status := ""
	for {
		backup, err := client.GetBackup(ctx)
		if ctx.Err() != nil {
			addWaitTimeout(ctx, diags, id, wait.timeout, status, again)
			return false
		}
		if err != nil {
			addZohoError(ctx, diags, fmt.Sprintf("Failed to read backup %s while waiting for it", id), err)
			return false
		}
		if gone := scheduleGone(id, backup); gone != "" {
			diags.AddError(fmt.Sprintf("Backup %s can no longer be followed", id),
				fmt.Sprintf("Zoho reports only its latest backup, and here %s. Look for backup %s in Zoho CRM under "+
					"Setup > Data Administration > Export, or in the zohocrm_backup_history data source.", gone, id))
			return false
		}
		if backup.Status != status {
			status = backup.Status
			progress("Backup %s is %s", id, status)
		}
		if done, completed := backupFinished(id, status, diags); done {
			return completed
		}
		select {
		case <-ctx.Done():
			addWaitTimeout(ctx, diags, id, wait.timeout, status, again)
			return false
		case <-time.After(wait.pollInterval):
		}
	}
}

// backupFinished reports whether status ends the wait, and whether the
// backup completed; a FAILED backup is an error.
func backupFinished(id, status string, diags *diag.Diagnostics) (done, completed bool) {
	switch status {
	case zoho.StatusCompleted:
		return true, true
	case zoho.StatusFailed:
		diags.AddError(fmt.Sprintf("Backup %s failed", id),
			"Zoho reports the backup as FAILED, so there is nothing to download. Zoho does not say why here; see the backup's "+
				"entry in Zoho CRM under Setup > Data Administration > Export, or the zohocrm_backup_history data source, "+
				"then take another backup (if the month's backups allow) or contact Zoho support.")
		return true, false
	}
	return false, false
}

// addWaitTimeout says that only the wait ended: the backup goes on in Zoho.
// again says whether invoking again is the way to wait longer.
func addWaitTimeout(ctx context.Context, diags *diag.Diagnostics, id string, timeout time.Duration, status, again string) {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		diags.AddError(fmt.Sprintf("Stopped waiting for backup %s", id),
			"The invocation was cancelled (Terraform was interrupted, for example with Ctrl-C). The backup goes on in Zoho: "+
				"follow it with the zohocrm_backup data source or in Zoho CRM under Setup > Data Administration > Export.")
		return
	}
	last := "before its status could be read"
	if status != "" {
		last = "while it was " + status
	}
	diags.AddError(fmt.Sprintf("Backup %s did not finish within timeout = %s", id, shortDuration(timeout)),
		fmt.Sprintf("The wait ended %s. The backup goes on in Zoho: follow it with the zohocrm_backup data source "+
			"(its status attribute) or in Zoho CRM under Setup > Data Administration > Export, and read its links with the "+
			"zohocrm_backup_urls data source once it is COMPLETED. %s To wait longer next time, raise timeout.", last, again))
}
