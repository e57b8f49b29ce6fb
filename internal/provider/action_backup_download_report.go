package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// How often zohocrm_backup_download reports a file's progress: at most
// every 10 seconds or every 10 % of the file, whichever comes first, so that
// a 1 GB file on a fast line says little and one on a slow line still shows
// it is moving.
const (
	downloadProgressInterval = 10 * time.Second
	downloadProgressStep     = 10 // percent
)

var (
	pathDirectory = path.Root("directory")
	pathBackupID  = path.Root("backup_id")
)

// downloadMeter turns the client's progress callbacks into the action's
// progress events, and refuses a file the disk has no room for before its
// first byte is written.
type downloadMeter struct {
	name, dir string
	report    func(format string, args ...any)
	stop      context.CancelCauseFunc
	// freeSpace is backupfiles.FreeSpace; tests replace it.
	freeSpace func(path string) (uint64, bool)

	started     time.Time
	heldAtStart int64
	total       int64
	lastAt      time.Time
	lastPercent int64
	begun       bool
}

func newDownloadMeter(name, dir string, report func(string, ...any), stop context.CancelCauseFunc) *downloadMeter {
	return &downloadMeter{name: name, dir: dir, report: report, stop: stop, freeSpace: backupfiles.FreeSpace, started: time.Now()}
}

// observe is the client's progress callback: first at the start of the
// body (with what the .part already held), then after each write.
func (m *downloadMeter) observe(p zoho.DownloadProgress) {
	if !m.begun {
		m.begin(p)
		return
	}
	if m.total <= 0 {
		return
	}
	percent := p.Written * 100 / m.total
	if percent < m.lastPercent+downloadProgressStep && time.Since(m.lastAt) < downloadProgressInterval {
		return
	}
	m.lastAt, m.lastPercent = time.Now(), percent
	m.report("%s: %s of %s (%d%%), %s", m.name, mebibytes(p.Written), mebibytes(m.total), percent,
		rate(p.Written-m.heldAtStart, time.Since(m.started)))
}

// begin reports the file's start and checks the free disk space, where the
// operating system can say, before anything is written.
func (m *downloadMeter) begin(p zoho.DownloadProgress) {
	m.begun, m.heldAtStart, m.total, m.lastAt = true, p.Written, p.Total, time.Now()
	size := "size not announced"
	if p.Total >= 0 {
		size = mebibytes(p.Total)
	}
	resuming := ""
	if p.Written > 0 {
		resuming = fmt.Sprintf(", resuming at %s", mebibytes(p.Written))
		m.lastPercent = p.Written * 100 / max(p.Total, 1)
	}
	m.report("%s: downloading (%s%s)", m.name, size, resuming)
	if p.Total < 0 {
		return
	}
	need := p.Total - p.Written
	if free, ok := m.freeSpace(m.dir); ok && free < uint64(max(need, 0)) {
		m.stop(&notEnoughSpaceError{dir: m.dir, name: m.name, need: need, free: free})
	}
}

// finished reports a committed file.
func (m *downloadMeter) finished(entry backupfiles.ManifestFile, verified bool, result zoho.DownloadResult) {
	how := "not verified (verify = false)"
	if verified {
		how = "every ZIP entry's CRC-32 checked"
	}
	elapsed := time.Since(m.started)
	m.report("%s: done, %s in %s (%s), %s, SHA-256 %s", entry.Name, mebibytes(entry.Size), elapsed.Round(time.Millisecond),
		rate(result.Fetched, elapsed), how, entry.SHA256)
}

// notEnoughSpaceError stops a download the disk cannot hold.
type notEnoughSpaceError struct {
	dir, name string
	need      int64
	free      uint64
}

func (e *notEnoughSpaceError) Error() string {
	return fmt.Sprintf("%s needs %s more, and the file system of %s has %s free", e.name, mebibytes(e.need), e.dir, mebibytes(int64(min(e.free, 1<<62))))
}

// mebibytes prints a byte count in MiB, the unit of Zoho's 1 GB files.
func mebibytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// rate prints bytes over elapsed in MiB/s.
func rate(n int64, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "-- MiB/s"
	}
	return fmt.Sprintf("%.1f MiB/s", float64(n)/(1<<20)/elapsed.Seconds())
}

// addDownloadLinkError explains a link refused before anything was sent.
func addDownloadLinkError(diags *diag.Diagnostics, err error) {
	var hostErr *zoho.DownloadHostError
	if errors.As(err, &hostErr) {
		diags.AddError(fmt.Sprintf("Refused to send the access token to %s", hostErr.Host),
			fmt.Sprintf("%s.\n\nNothing was downloaded and nothing was sent to that host. A download link that points outside Zoho "+
				"is not Zoho's answer: check that api_domain (or data_center) is your Zoho data centre's API domain and not a proxy "+
				"that rewrites answers, and report the link to Zoho if it came from Zoho.", err))
		return
	}
	diags.AddError("Refused a download link Zoho reported",
		fmt.Sprintf("%s.\n\nNothing was downloaded: the provider writes only plain file names inside the backup's folder, and "+
			"takes the backup's id from a link of the documented shape https://download-accl.zoho.com/v2/crm/{zgid}/backup/{job-id}/{file}. "+
			"Report the link to the provider's maintainers.", err))
}

// addFileError explains why file f could not be taken, and what is kept.
func (r *downloadRun) addFileError(ctx context.Context, dir *backupfiles.Dir, f downloadFile, err error) {
	name := f.link.FileName
	kept := fmt.Sprintf("Files already complete stay in %s and are listed in %s; a partial file stays as %s.part, and "+
		"invoking this action again resumes it.", dir.Path(), dir.ManifestPath(), name)
	var space *notEnoughSpaceError
	var notZip *backupfiles.NotZipError
	var entry *backupfiles.EntryError
	var scope *zoho.DownloadScopeError
	var short *zoho.IncompleteBodyError
	var stall *zoho.StallError
	var size *backupfiles.SizeError
	switch {
	case errors.As(err, &space):
		r.diags.AddError("Not enough free disk space for the backup", fmt.Sprintf("%s. Nothing of it was written. Free some space "+
			"or point directory at a larger disk, then invoke again. %s", space, kept))
	case errors.As(err, &notZip), errors.As(err, &entry):
		r.diags.AddError(fmt.Sprintf("Downloaded %s is not an intact ZIP archive", name), fmt.Sprintf("%s.\n\nThe download was "+
			"complete (its size is the one Zoho announced), but its content does not check out, so it was not renamed into place. "+
			"Invoke again to download it afresh; if it happens again, Zoho's file itself is damaged: report it to Zoho, and set "+
			"verify = false to keep it as it is.", err))
	case errors.As(err, &scope):
		r.diags.AddError("The access token may not download backup files", fmt.Sprintf("%s.\n\nZoho requires the scope %s to "+
			"download a backup (https://www.zoho.com/crm/developer/docs/api/v8/download-backup.html), besides "+
			"ZohoCRM.bulk.backup.READ to read the links. On the Self Client's Generate Code tab, enter the scopes "+
			"ZohoCRM.bulk.backup.ALL,ZohoFiles.files.ALL, exchange the code for a refresh token and configure the provider with it.",
			err, zoho.ScopeFilesAll))
	case ctx.Err() != nil:
		r.addStopped(ctx, name, kept)
	case errors.As(err, &short), errors.As(err, &stall), errors.As(err, &size):
		r.diags.AddError(fmt.Sprintf("The download of %s stopped before the end of the file", name), fmt.Sprintf("%s. The "+
			"provider resumed it as often as max_retries allows in a row without progress. Nothing was renamed into place. %s "+
			"If the connection to Zoho is unreliable, raise max_retries in the provider block.", err, kept))
	case r.linkExpired(err):
		r.diags.AddError("The backup's download links have expired", fmt.Sprintf("Downloading %s failed after the links' expiry "+
			"at %s: %s. Zoho keeps a backup's files for 7 days; a new backup is needed. %s", name, r.expiry.Format(time.RFC3339), err, kept))
	default:
		addZohoError(ctx, r.diags, fmt.Sprintf("Failed to download %s", name), err)
		r.diags.AddWarning(fmt.Sprintf("%s is kept for a resume", name), kept)
	}
}

// addStopped reports an invocation stopped by Ctrl-C or by its timeout.
func (r *downloadRun) addStopped(ctx context.Context, name, kept string) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.diags.AddError(fmt.Sprintf("The download did not finish within timeout = %s", shortDuration(r.wait.timeout)),
			fmt.Sprintf("It stopped while downloading %s. %s To take longer next time, raise timeout.", name, kept))
		return
	}
	detail := fmt.Sprintf("Terraform was interrupted (for example with Ctrl-C) while downloading %s. %s", name, kept)
	// Terraform may stop listening for diagnostics once interrupted; a
	// progress event is shown as it arrives.
	r.progress("Interrupted: %s", detail)
	r.diags.AddError("The download was interrupted", detail)
}

// linkExpired reports whether a failed download is explained by the links'
// expiry having passed meanwhile.
func (r *downloadRun) linkExpired(err error) bool {
	var apiErr *zoho.APIError
	return errors.As(err, &apiErr) && !r.expiry.IsZero() && !time.Now().Before(r.expiry)
}
