package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// fileError marks a failure of the backup's files on this machine (the
// backup folder, a .part, the manifest), as opposed to Zoho's answer or the
// network: its diagnostic says what to do with the file.
type fileError struct{ err error }

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// localFileError wraps err, an error of internal/backupfiles, as a
// *fileError; nil stays nil.
func localFileError(err error) error {
	if err == nil {
		return nil
	}
	return &fileError{err: err}
}

// isLocalFileFailure reports whether err is a failure of a file on this
// machine: a *fileError, or an operating-system error on a path (a write
// into the .part that the client reports).
func isLocalFileFailure(err error) bool {
	return errors.As(err, new(*fileError)) || errors.As(err, new(*fs.PathError)) || errors.As(err, new(*os.LinkError))
}

// addDownloadLinkError explains a link refused before anything was sent: its
// host, its shape or its file name.
func addDownloadLinkError(diags *diag.Diagnostics, err error) {
	var hostErr *zoho.DownloadHostError
	var nameErr *backupfiles.NameError
	switch {
	case errors.As(err, &hostErr):
		diags.AddError(fmt.Sprintf("Refused to send the access token to %s", hostErr.Host),
			fmt.Sprintf("%s.\n\nNothing was downloaded and nothing was sent to that host. A download link that points outside Zoho "+
				"is not Zoho's answer: check that api_domain (or data_center) is your Zoho data centre's API domain and not a proxy "+
				"that rewrites answers, and report the link to Zoho if it came from Zoho.", err))
	case errors.As(err, &nameErr):
		diags.AddError("Refused the file name of a download link Zoho reported",
			fmt.Sprintf("%s.\n\nEvery link is checked before any is downloaded, so nothing was sent to Zoho and nothing was written. "+
				"The provider writes only plain file names, each once, inside the backup's folder. Report the link to the "+
				"provider's maintainers.", err))
	default:
		diags.AddError("Refused a download link Zoho reported",
			fmt.Sprintf("%s.\n\nEvery link is checked before any is downloaded, so nothing was sent to Zoho and nothing was written. "+
				"The provider takes the backup's id and file name from a link of the documented shape "+
				"https://download-accl.zoho.com/v2/crm/{zgid}/backup/{job-id}/{file}. Report the link to the provider's maintainers.", err))
	}
}

// fileFailure is what the diagnostic of a file that could not be taken
// says besides the error.
type fileFailure struct {
	// name is the file's name; folder and manifest are the backup folder's
	// path and its manifest's.
	name, folder, manifest string
	// expiry is when the links expire (zero when Zoho did not say);
	// timeout is the invocation's.
	expiry  time.Time
	timeout time.Duration
	// progress sends a progress event.
	progress func(format string, args ...any)
}

// addFileError explains why a file could not be taken and what is kept: the
// cause decides the remedy (the disk, the file, Zoho's answer, the network).
func addFileError(ctx context.Context, diags *diag.Diagnostics, f fileFailure, err error) {
	kept := fmt.Sprintf("Files already complete stay in %s and are listed in %s; a partial file stays as %s.part, and "+
		"invoking this action again resumes it.", f.folder, f.manifest, f.name)
	var space *notEnoughSpaceError
	var notZip *backupfiles.NotZipError
	var entry *backupfiles.EntryError
	var scope *zoho.DownloadScopeError
	var short *zoho.IncompleteBodyError
	var stall *zoho.StallError
	var size *backupfiles.SizeError
	var answer *zoho.DownloadAnswerError
	switch {
	case errors.As(err, &space):
		diags.AddError("Not enough free disk space for the backup", fmt.Sprintf("%s. Nothing of it was written. Free some space "+
			"or point directory at a larger disk, then invoke again. %s", space, kept))
	case errors.As(err, &notZip), errors.As(err, &entry):
		diags.AddError(fmt.Sprintf("Downloaded %s is not an intact ZIP archive", f.name), fmt.Sprintf("%s.\n\nThe download was "+
			"complete (its size is the one Zoho announced), but its content does not check out, so it was not renamed into place. "+
			"Invoke again to download it afresh; if it happens again, Zoho's file itself is damaged: report it to Zoho, and set "+
			"verify = false to keep it as it is.", err))
	case errors.As(err, &scope):
		diags.AddError("The access token may not download backup files", fmt.Sprintf("%s.\n\nZoho requires the scope %s to "+
			"download a backup (https://www.zoho.com/crm/developer/docs/api/v8/download-backup.html), besides "+
			"ZohoCRM.bulk.backup.READ to read the links. On the Self Client's Generate Code tab, enter the scopes "+
			"ZohoCRM.bulk.backup.ALL,ZohoFiles.files.ALL, exchange the code for a refresh token and configure the provider with it.",
			err, zoho.ScopeFilesAll))
	case ctx.Err() != nil:
		addStopped(ctx, diags, f, kept)
	case errors.Is(err, syscall.ENOSPC):
		diags.AddError("The disk is full", fmt.Sprintf("%s.\n\nThe file system of %s has no room left for %s. Free some space or "+
			"point directory at a larger disk, then invoke again. %s", err, f.folder, f.name, kept))
	case errors.As(err, &short), errors.As(err, &stall), errors.As(err, &size):
		diags.AddError(fmt.Sprintf("The download of %s stopped before the end of the file", f.name), fmt.Sprintf("%s. The "+
			"provider resumed it as often as max_retries allows in a row without progress. Nothing was renamed into place. %s "+
			"If the connection to Zoho is unreliable, raise max_retries in the provider block.", err, kept))
	case isLocalFileFailure(err):
		addLocalFileError(diags, f, err)
	case errors.As(err, &answer):
		diags.AddError(fmt.Sprintf("Failed to download %s", f.name), fmt.Sprintf("%s.\n\nThe download host answered with something "+
			"that cannot be taken as the file, and nothing of that answer was written. Zoho's download host announces every "+
			"file's size, so the usual cause is a proxy or gateway between this machine and Zoho that rewrites or compresses "+
			"answers: check the proxies (HTTPS_PROXY), then invoke again. %s", err, kept))
	case linkExpired(err, f.expiry):
		diags.AddError("The backup's download links have expired", fmt.Sprintf("Downloading %s failed after the links' expiry "+
			"at %s: %s. Zoho keeps a backup's files for 7 days; a new backup is needed. %s", f.name, f.expiry.Format(time.RFC3339), err, kept))
	default:
		addZohoError(ctx, diags, fmt.Sprintf("Failed to download %s", f.name), err)
		diags.AddWarning(fmt.Sprintf("%s is kept for a resume", f.name), kept)
	}
}

// addLocalFileError explains a file on this machine the provider cannot
// use: nothing about it is Zoho's or the network's, and the way out is to
// fix or remove the file the error names.
func addLocalFileError(diags *diag.Diagnostics, f fileFailure, err error) {
	diags.AddError(fmt.Sprintf("Cannot use the local files of %s", f.name), fmt.Sprintf("%s.\n\nThis is a problem with a file "+
		"on this machine, not with Zoho or the network; nothing more of %s was downloaded. Files already complete stay in %s "+
		"and are listed in %s. Deal with the file named above: make it a regular file that only this user may read and write "+
		"(or remove it, and %s is downloaded afresh), then invoke this action again.", err, f.name, f.folder, f.manifest, f.name))
}

// addStopped reports an invocation stopped by Ctrl-C or by its timeout.
func addStopped(ctx context.Context, diags *diag.Diagnostics, f fileFailure, kept string) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		diags.AddError(fmt.Sprintf("The download did not finish within timeout = %s", shortDuration(f.timeout)),
			fmt.Sprintf("It stopped while downloading %s. %s To take longer next time, raise timeout.", f.name, kept))
		return
	}
	detail := fmt.Sprintf("Terraform was interrupted (for example with Ctrl-C) while downloading %s. %s", f.name, kept)
	// Terraform may stop listening for diagnostics once interrupted; a
	// progress event is shown as it arrives.
	f.progress("Interrupted: %s", detail)
	diags.AddError("The download was interrupted", detail)
}

// linkExpired reports whether a failed download is explained by the links'
// expiry (zero when unknown) having passed meanwhile.
func linkExpired(err error, expiry time.Time) bool {
	var apiErr *zoho.APIError
	return errors.As(err, &apiErr) && !expiry.IsZero() && !time.Now().Before(expiry)
}
