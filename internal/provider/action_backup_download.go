package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

var (
	_ action.Action              = (*backupDownloadAction)(nil)
	_ action.ActionWithConfigure = (*backupDownloadAction)(nil)

	pathDirectory = path.Root("directory")
	pathBackupID  = path.Root("backup_id")
)

// backupDownloadAction takes the latest completed backup's files off Zoho:
// it reads the links (GET /backup/urls) and streams each file into
// <directory>/<backup_id>/, resumable and verified. The download itself is
// the client's (zoho.Client.Download: Range resume, the host allow-list);
// the files are backupfiles' (.part, verify, rename, manifest). This is the
// glue, and the messages.
type backupDownloadAction struct {
	client *zoho.Client
	// pollOverride replaces the configured poll_interval (tests only; see
	// zohocrmProvider.statusPollInterval).
	pollOverride time.Duration
}

// NewBackupDownloadAction is the action factory the provider registers.
func NewBackupDownloadAction() action.Action {
	return &backupDownloadAction{}
}

type backupDownloadActionModel struct {
	Directory          types.String `tfsdk:"directory"`
	BackupID           types.String `tfsdk:"backup_id"`
	IncludeAttachments types.Bool   `tfsdk:"include_attachments"`
	Wait               types.Bool   `tfsdk:"wait"`
	PollInterval       types.String `tfsdk:"poll_interval"`
	Timeout            types.String `tfsdk:"timeout"`
	Verify             types.Bool   `tfsdk:"verify"`
}

func (a *backupDownloadAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_download"
}

func (a *backupDownloadAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Downloads the latest completed Zoho CRM data backup each time it is invoked: it reads the download links " +
			"(`GET /crm/bulk/v8/backup/urls`) and streams every data file and, unless turned off, every attachment file into " +
			"`<directory>/<backup_id>/`, where `<backup_id>` is the backup job id in the links. Each file goes to `<file>.part` first, " +
			"is checked against its `Content-Length` and, with `verify`, opened as a ZIP with every entry's CRC-32 checked, and only " +
			"then renamed into place. `<directory>/<backup_id>/manifest.json` lists every file with its size, SHA-256, link (without " +
			"any credential), download time and the links' expiry. Invoking again skips the files the manifest lists with the same " +
			"size and hash, and resumes a `.part` file left by a dropped connection or Ctrl-C with an HTTP `Range` request. " +
			"The access token goes only to Zoho's download hosts of the configured data centre, over https; a link elsewhere is " +
			"refused and nothing is sent to it. Zoho keeps a backup's files for 7 days. Downloading needs the scope " +
			"`ZohoFiles.files.ALL` besides `ZohoCRM.bulk.backup.READ`. Planning it makes no request and nothing is kept in state. " +
			"Actions need Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"directory": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The folder to download into, such as `\"${path.root}/backups\"`. It is created if missing; " +
					"the files go into a folder named after the backup job id inside it, next to `manifest.json`.",
				Validators: []validator.String{directoryValidator()},
			},
			"backup_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The backup the links must belong to: the id of the latest backup (the `zohocrm_backup` data " +
					"source's `id`) or the job id in its links. When Zoho reports the links of another backup the invocation fails " +
					"and downloads nothing. Leave it out to download whatever backup Zoho reports links for.",
				Validators: []validator.String{backupIDValidator()},
			},
			"include_attachments": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to download the attachment files (`attachment_links`) besides the data files " +
					"(`data_links`). Defaults to `true`.",
			},
			"wait": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to wait first for a latest backup that is still `SCHEDULED` or `INPROGRESS` to " +
					"complete, reading its status every `poll_interval`, as `zohocrm_backup_start` does. Defaults to `false`: " +
					"without links to download, the invocation fails at once.",
			},
			"poll_interval": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How often to read the backup's status while waiting, as a duration such as `30s`. "+
					"Defaults to `%s`; from `%s` to `%s`.",
					shortDuration(defaultStatusPollInterval), shortDuration(minStatusPollInterval), shortDuration(maxStatusPollInterval)),
				Validators: []validator.String{durationValidator("Invalid poll_interval",
					minStatusPollInterval, maxStatusPollInterval, "1m")},
			},
			"timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How long the whole invocation may take, waiting and downloading, as a duration "+
					"such as `2h`. Defaults to `%s`; from `%s` to `%s`. When it runs out, the files not finished stay as `.part` "+
					"files and invoking again resumes them.",
					shortDuration(defaultBackupWaitTimeout), shortDuration(minBackupWaitTimeout), shortDuration(maxBackupWaitTimeout)),
				Validators: []validator.String{durationValidator("Invalid timeout",
					minBackupWaitTimeout, maxBackupWaitTimeout, "6h")},
			},
			"verify": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether to open each downloaded file as a ZIP archive and read every entry to check its " +
					"CRC-32 before the file is renamed into place (Zoho publishes no checksum of its own). Defaults to `true`; " +
					"`false` skips the check, which costs a second read of each file.",
			},
		},
	}
}

func (a *backupDownloadAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		a.client, a.pollOverride = pd.client, pd.statusPollInterval
	}
}

// Invoke waits if asked, reads the links, vets every link, then downloads
// file after file.
func (a *backupDownloadAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config backupDownloadActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	wait := newBackupWait(config.Wait.ValueBool(), config.PollInterval.ValueString(), config.Timeout.ValueString(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !requireClient(a.client, &resp.Diagnostics) {
		return
	}
	if a.pollOverride > 0 {
		wait.pollInterval = a.pollOverride
	}
	// timeout bounds the whole invocation, the wait included.
	ctx, cancel := context.WithTimeout(ctx, wait.timeout)
	defer cancel()
	run := &downloadRun{
		client:  a.client,
		config:  config,
		wait:    wait,
		diags:   &resp.Diagnostics,
		started: time.Now(),
		progress: func(format string, args ...any) {
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
		},
	}
	run.execute(ctx)
}

// downloadRun is one invocation of zohocrm_backup_download.
type downloadRun struct {
	client   *zoho.Client
	config   backupDownloadActionModel
	wait     backupWait
	diags    *diag.Diagnostics
	progress func(format string, args ...any)
	started  time.Time

	// latest is the latest backup, when it was read (wait, backup_id).
	latest *zoho.Backup
	// expiry is when the links expire; zero when Zoho did not say.
	expiry time.Time
}

// downloadFile is one vetted link.
type downloadFile struct {
	link zoho.DownloadLink
	kind backupfiles.Kind
}

func (r *downloadRun) execute(ctx context.Context) {
	if r.wait.enabled && !r.awaitLatest(ctx) {
		return
	}
	files, ok := r.readLinks(ctx)
	if !ok || !r.checkBackupID(ctx, files[0].link.JobID) {
		return
	}
	dir, err := backupfiles.Open(r.config.Directory.ValueString(), files[0].link.JobID)
	if err != nil {
		r.diags.AddAttributeError(pathDirectory, "Cannot use the download directory", fmt.Sprintf("%s. Nothing was downloaded; "+
			"check that directory names a folder this user may create and write.", err))
		return
	}
	defer dir.Close()
	r.progress("Backup %s: %d file(s) to take into %s", dir.BackupID(), len(files), dir.Path())
	r.downloadAll(ctx, dir, files)
}

// awaitLatest follows the latest backup while it is SCHEDULED or
// INPROGRESS; it reports whether to go on.
func (r *downloadRun) awaitLatest(ctx context.Context) bool {
	latest, err := r.client.GetBackup(ctx)
	if err != nil {
		addZohoError(ctx, r.diags, "Failed to read the latest Zoho CRM backup before downloading it", err)
		return false
	}
	r.latest = latest
	if latest == nil || (latest.Status != zoho.StatusScheduled && latest.Status != zoho.StatusInProgress) {
		return true
	}
	r.progress("Waiting for backup %s, which is %s, to complete before downloading it", latest.ID, latest.Status)
	again := "Invoking this action again with wait = true waits for it again; nothing was downloaded."
	if !followBackup(ctx, r.client, latest.ID, r.wait, again, r.progress, r.diags) {
		return false
	}
	latest.Status = zoho.StatusCompleted
	return true
}

// readLinks reads GET /backup/urls and vets every link before any is
// downloaded, so that one bad link stops the whole backup before anything
// is sent or written.
func (r *downloadRun) readLinks(ctx context.Context) ([]downloadFile, bool) {
	urls, err := r.client.GetBackupURLs(ctx)
	if err != nil {
		addZohoError(ctx, r.diags, "Failed to read the backup's download links", err)
		return nil, false
	}
	includeAttachments := r.config.IncludeAttachments.IsNull() || r.config.IncludeAttachments.ValueBool()
	if urls == nil || len(urls.DataLinks)+len(urls.AttachmentLinks) == 0 {
		r.diags.AddError("Zoho reports no backup to download",
			"Zoho answered that there are no download links (GET /crm/bulk/v8/backup/urls): no backup has completed in the last "+
				"7 days, or the latest one is still scheduled or running. Nothing was downloaded. Read the latest backup's status "+
				"with the zohocrm_backup data source; set wait = true to wait for one that is running, or take one with the "+
				"zohocrm_backup_start action (wait = true) or a zohocrm_backup_schedule.")
		return nil, false
	}
	if !r.linksValid(urls.ExpiryDate) {
		return nil, false
	}
	files := r.vet(urls.DataLinks, backupfiles.KindData, nil)
	if includeAttachments {
		files = r.vet(urls.AttachmentLinks, backupfiles.KindAttachment, files)
	}
	if !r.diags.HasError() {
		r.checkNames(files)
	}
	if r.diags.HasError() {
		return nil, false
	}
	if len(files) == 0 {
		r.diags.AddError("Zoho reports no data file to download",
			"The backup's links list attachment files only, and include_attachments = false leaves them out. Nothing was downloaded.")
		return nil, false
	}
	return files, r.sameBackup(files)
}

// linksValid checks the links' expiry: Zoho keeps a backup's files for 7
// days, and a link past its expiry cannot be downloaded.
func (r *downloadRun) linksValid(expiry *string) bool {
	if expiry == nil {
		return true
	}
	at, err := time.Parse(time.RFC3339, *expiry)
	if err != nil {
		r.diags.AddWarning("Zoho sent an unreadable expiry date", "The links' expiry_date is not an RFC 3339 date, so the "+
			"manifest records no expiry.")
		return true
	}
	r.expiry = at
	if time.Now().Before(at) {
		return true
	}
	r.diags.AddError("The backup's download links have expired", fmt.Sprintf("Zoho's links expired at %s (%s ago): Zoho keeps a "+
		"backup's files for 7 days, and these are gone. Nothing was downloaded. A new backup is needed: take one with the "+
		"zohocrm_backup_start action, or wait for the next one a zohocrm_backup_schedule takes, then invoke this action again.",
		at.Format(time.RFC3339), time.Since(at).Round(time.Minute)))
	return false
}

// vet checks each link's shape and host and appends it to files.
func (r *downloadRun) vet(links []string, kind backupfiles.Kind, files []downloadFile) []downloadFile {
	for _, raw := range links {
		link, err := r.client.CheckDownloadLink(raw)
		if err != nil {
			addDownloadLinkError(r.diags, err)
			continue
		}
		files = append(files, downloadFile{link: link, kind: kind})
	}
	return files
}

// checkNames checks every file name with the one rule of the files written,
// duplicates included, before any file is opened.
func (r *downloadRun) checkNames(files []downloadFile) {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.link.FileName
	}
	if err := backupfiles.CheckNames(names); err != nil {
		addDownloadLinkError(r.diags, err)
	}
}

// sameBackup checks that every link belongs to one backup job: the files
// of two backups must not mix in one folder.
func (r *downloadRun) sameBackup(files []downloadFile) bool {
	job := files[0].link.JobID
	for _, f := range files[1:] {
		if f.link.JobID != job {
			r.diags.AddError("Zoho's download links name two backups", fmt.Sprintf("The links belong to backup jobs %s (%s) and %s "+
				"(%s); one invocation downloads one backup, so nothing was downloaded. Invoke again later; if it persists, report "+
				"it to the provider's maintainers.", job, files[0].link.RedactedURL, f.link.JobID, f.link.RedactedURL))
			return false
		}
	}
	return true
}

// checkBackupID holds the links to backup_id when it is set: Zoho's job id
// in the links, or the id of the latest backup.
func (r *downloadRun) checkBackupID(ctx context.Context, jobID string) bool {
	want := r.config.BackupID.ValueString()
	if want == "" || want == jobID {
		return true
	}
	if r.latest == nil {
		latest, err := r.client.GetBackup(ctx)
		if err != nil {
			addZohoError(ctx, r.diags, "Failed to read the latest Zoho CRM backup to compare it with backup_id", err)
			return false
		}
		r.latest = latest
	}
	if r.latest != nil && r.latest.ID == want && r.latest.Status == zoho.StatusCompleted {
		return true
	}
	latest := "no backup"
	if r.latest != nil {
		latest = fmt.Sprintf("backup %s (%s)", r.latest.ID, r.latest.Status)
	}
	r.diags.AddAttributeError(pathBackupID, "Zoho's download links are not those of backup_id", fmt.Sprintf("backup_id is %s, but "+
		"Zoho reports the links of backup job %s, and its latest backup is %s. Zoho only serves the links of its latest completed "+
		"backup, so backup %s can no longer be downloaded here. Nothing was downloaded. Remove backup_id to download the backup "+
		"Zoho reports, or set it to %s.", want, jobID, latest, want, jobID))
	return false
}

// downloadAll takes each file that is not complete yet, and reports the
// total at the end.
func (r *downloadRun) downloadAll(ctx context.Context, dir *backupfiles.Dir, files []downloadFile) {
	var fetched, bytes int64
	skipped := 0
	for _, f := range files {
		done, err := r.alreadyComplete(ctx, dir, f)
		if err != nil {
			r.addFileError(ctx, dir, f, err)
			return
		}
		if done {
			skipped++
			continue
		}
		got, size, err := r.downloadOne(ctx, dir, f)
		fetched += got
		if err != nil {
			r.addFileError(ctx, dir, f, err)
			return
		}
		bytes += size
	}
	elapsed := time.Since(r.started)
	r.progress("Backup %s complete: %d file(s) downloaded (%s in %s, %s), %d already there; manifest %s",
		dir.BackupID(), len(files)-skipped, mebibytes(bytes), elapsed.Round(time.Millisecond), rate(fetched, elapsed), skipped, dir.ManifestPath())
	tflog.Info(ctx, "Downloaded a Zoho CRM backup", map[string]any{
		"backup_id": dir.BackupID(), "files": len(files), "skipped": skipped, "bytes": bytes, "fetched": fetched, "directory": dir.Path(),
	})
}

// alreadyComplete reports whether the manifest lists f with the size and
// hash of the file on disk: then nothing is sent for it.
func (r *downloadRun) alreadyComplete(ctx context.Context, dir *backupfiles.Dir, f downloadFile) (bool, error) {
	listed, same, err := dir.Completed(ctx, f.link.FileName)
	if err != nil || !same {
		return false, localFileError(err)
	}
	r.progress("%s: already downloaded (%s, SHA-256 %s), skipped", f.link.FileName, mebibytes(listed.Size), listed.SHA256)
	return true, nil
}

// downloadOne streams f into its .part file, commits it and records it in
// the manifest. It returns the bytes received over the network and the
// file's size.
func (r *downloadRun) downloadOne(ctx context.Context, dir *backupfiles.Dir, f downloadFile) (fetched, size int64, err error) {
	part, err := dir.OpenPart(ctx, f.link.FileName)
	if err != nil {
		return 0, 0, localFileError(err)
	}
	fileCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	meter := newDownloadMeter(f.link.FileName, dir.Path(), r.progress, stop)
	result, err := r.client.Download(fileCtx, f.link, part, meter.observe)
	if err != nil {
		_ = part.Close() // the .part stays for the next invocation to resume
		if cause := context.Cause(fileCtx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
			err = cause
		}
		return result.Fetched, 0, err
	}
	verify := r.config.Verify.IsNull() || r.config.Verify.ValueBool()
	if verify {
		r.progress("%s: checking every ZIP entry's CRC-32", f.link.FileName)
	}
	entry, err := dir.Commit(ctx, part, backupfiles.CommitOptions{Verify: verify, ExpectedSize: result.Size})
	if err != nil {
		return result.Fetched, 0, localFileError(err)
	}
	entry.Kind, entry.Link, entry.LinkExpiresAt = f.kind, f.link.RedactedURL, r.expiry
	if err := dir.Record(entry); err != nil {
		return result.Fetched, 0, localFileError(err)
	}
	meter.finished(entry, verify, result)
	return result.Fetched, entry.Size, nil
}

// addFileError reports why file f could not be taken, and what is kept.
func (r *downloadRun) addFileError(ctx context.Context, dir *backupfiles.Dir, f downloadFile, err error) {
	addFileError(ctx, r.diags, fileFailure{name: f.link.FileName, folder: dir.Path(), manifest: dir.ManifestPath(),
		expiry: r.expiry, timeout: r.wait.timeout, progress: r.progress}, err)
}
