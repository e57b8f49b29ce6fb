package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// downloadFixture is an emulator with one completed backup, served to the
// CLI under test with a zohocrm_backup_download action "this" that
// downloads into a fresh folder.
type downloadFixture struct {
	t      *testing.T
	srv    *emulator.Server
	cli    *terraformCLI
	root   string
	backup emulator.Backup
}

// fastDownloadProvider retries at once and polls fast, so that tests of
// resumes and waits take milliseconds rather than the defaults' seconds.
func fastDownloadProvider() *zohocrmProvider {
	return &zohocrmProvider{
		version:            "test",
		statusPollInterval: testStatusPollInterval,
		backoff:            zoho.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
	}
}

// newDownloadFixture seeds a COMPLETED backup unless seed is false, and
// writes the action with extra lines in its config block. providerHCL
// writes the provider block for the emulator's URL; nil means the test
// token with providerExtra lines.
func newDownloadFixture(t *testing.T, p *zohocrmProvider, seed bool, actionExtra, providerExtra string, opts ...emulator.Option) *downloadFixture {
	t.Helper()
	return newDownloadFixtureWith(t, p, seed, actionExtra, func(url string) string {
		return fmt.Sprintf("provider \"zohocrm\" {\n  api_domain   = %q\n  access_token = %q\n  %s\n}\n", url, testToken, providerExtra)
	}, newEmulator(t, opts...))
}

// newDownloadFixtureWith is newDownloadFixture with any provider block and
// emulator.
func newDownloadFixtureWith(t *testing.T, p *zohocrmProvider, seed bool, actionExtra string, providerHCL func(url string) string, srv *emulator.Server) *downloadFixture {
	t.Helper()
	skipUnlessActionsCLI(t)
	f := &downloadFixture{t: t, srv: srv, root: filepath.Join(t.TempDir(), "backups")}
	if seed {
		f.backup = srv.SeedBackup(emulator.StatusCompleted, "")
	}
	config := providerHCL(srv.URL()) + fmt.Sprintf(`
action "zohocrm_backup_download" "this" {
  config {
    directory = %q
    %s
  }
}
`, f.root, actionExtra)
	f.cli = newTerraformCLI(t, p, config)
	f.cli.mustRun("init", "-no-color")
	srv.ResetRequests()
	return f
}

func (f *downloadFixture) invoke() (string, error) {
	f.t.Helper()
	out, err := f.cli.run("apply", "-auto-approve", "-no-color", "-invoke=action.zohocrm_backup_download.this")
	return foldSpace(out), err
}

func (f *downloadFixture) mustInvoke() string {
	f.t.Helper()
	out, err := f.invoke()
	if err != nil {
		f.t.Fatalf("invoking the download: %v\n%s", err, out)
	}
	return out
}

// links are the completed backup's links, data first.
func (f *downloadFixture) links() []string {
	b, _ := f.srv.Backup(f.backup.ID)
	return slices.Concat(b.DataLinks, b.AttachmentLinks)
}

// jobDir is the folder the backup's files go to: named by the job id in
// the links.
func (f *downloadFixture) jobDir() string {
	f.t.Helper()
	link, err := zoho.ParseDownloadLink(f.links()[0])
	if err != nil {
		f.t.Fatal(err)
	}
	return filepath.Join(f.root, link.JobID)
}

// wantFiles checks that every link's file is on disk with the emulator's
// content (by SHA-256), and that the manifest lists each with that hash,
// its size and its link.
func (f *downloadFixture) wantFiles() {
	f.t.Helper()
	manifest := f.manifest()
	for _, link := range f.links() {
		name := link[strings.LastIndex(link, "/")+1:]
		want := f.srv.ExpectedSHA256(link)
		if got := fileSHA256(f.t, filepath.Join(f.jobDir(), name)); got != want {
			f.t.Errorf("%s: SHA-256 %s on disk, want the emulator's %s", name, got, want)
		}
		entry, ok := manifest[name]
		if !ok {
			f.t.Errorf("the manifest does not list %s: %v", name, manifest)
			continue
		}
		if entry.SHA256 != want || entry.Size != f.srv.DownloadSize() || entry.Link != link {
			f.t.Errorf("manifest entry of %s = %+v, want sha256 %s, size %d, link %s", name, entry, want, f.srv.DownloadSize(), link)
		}
	}
	if len(manifest) != len(f.links()) {
		f.t.Errorf("the manifest lists %d files, want %d", len(manifest), len(f.links()))
	}
}

type manifestEntry struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	Link          string `json:"link"`
	DownloadedAt  string `json:"downloaded_at"`
	LinkExpiresAt string `json:"link_expires_at"`
}

// manifest reads <job>/manifest.json, by file name.
func (f *downloadFixture) manifest() map[string]manifestEntry {
	f.t.Helper()
	data, err := os.ReadFile(filepath.Join(f.jobDir(), "manifest.json"))
	if err != nil {
		f.t.Fatalf("reading the manifest: %v", err)
	}
	var m struct {
		BackupID string          `json:"backup_id"`
		Files    []manifestEntry `json:"files"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		f.t.Fatalf("the manifest is not JSON: %v\n%s", err, data)
	}
	if strings.Contains(string(data), testToken) {
		f.t.Error("the manifest holds the access token")
	}
	byName := map[string]manifestEntry{}
	for _, e := range m.Files {
		byName[e.Name] = e
	}
	return byName
}

// downloads returns the download requests and the body bytes they carried.
func (f *downloadFixture) downloads() ([]emulator.DownloadRequest, int64) {
	requests := f.srv.DownloadRequests()
	var sent int64
	for _, r := range requests {
		sent += r.BytesSent
		if !r.Authorization {
			f.t.Errorf("download request %s %s carried no token", r.Method, r.Path)
		}
	}
	return requests, sent
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatalf("opening a downloaded file: %v", err)
	}
	defer file.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, file); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// A two-part backup with attachments is downloaded whole, each file equal
// to the emulator's by hash, with one download request per file and one
// read of the links; invoking again sends no download request at all.
func TestAccBackupDownloadAction_twoPartsWithAttachmentsThenNothingToDo(t *testing.T) {
	f := newDownloadFixture(t, &zohocrmProvider{version: "test"}, true, "", "", emulator.WithDownloadFiles(2, 2))
	out := f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	if len(requests) != 4 || sent != 4*f.srv.DownloadSize() {
		t.Errorf("%d download requests carrying %d bytes, want 4 carrying %d", len(requests), sent, 4*f.srv.DownloadSize())
	}
	if got := f.srv.CountRequests(http.MethodGet, "/crm/bulk/v8/backup/urls"); got != 1 || len(f.srv.Requests()) != 1 {
		t.Errorf("API requests %v, want exactly one GET of the links", f.srv.Requests())
	}
	wantOutput(t, out, "4 file(s) to take into", "Data_002.zip: done", "Attachments_002.zip: done",
		"every ZIP entry's CRC-32 checked", "4 file(s) downloaded", "manifest.json")

	f.srv.ResetDownloadRequests()
	out = f.mustInvoke()
	if requests, _ := f.downloads(); len(requests) != 0 {
		t.Errorf("the second invocation sent %d download requests, want 0: %v", len(requests), requests)
	}
	wantOutput(t, out, "Data_001.zip: already downloaded", "0 file(s) downloaded", "4 already there")
	f.wantFiles()
}

// A connection dropped at 50 % is resumed within the same invocation with a
// Range request, fetching no more than 1 % above the file's size.
func TestAccBackupDownloadAction_resumesAfterADropAtHalf(t *testing.T) {
	const size = 1 << 20
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(size),
		emulator.WithDownloadFaults(emulator.DownloadFault{DropAfter: size / 2}))
	f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	if len(requests) != 2 || !strings.HasPrefix(requests[1].Range, "bytes=") || requests[1].Status != http.StatusPartialContent {
		t.Fatalf("want the drop then one Range request answered 206, got %+v", requests)
	}
	if limit := size + size/100; sent > int64(limit) {
		t.Errorf("fetched %d bytes for a %d-byte file, more than 1 %% above it", sent, size)
	}
	t.Logf("fetched %d bytes for a %d-byte file (%.4f x), resumed with %q", sent, size, float64(sent)/size, requests[1].Range)
}

// A server that ignores Range and answers 200 makes the client start the
// file again from zero, and the file still comes out right.
func TestAccBackupDownloadAction_serverIgnoringRange(t *testing.T) {
	const size = 512 << 10
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(size),
		emulator.WithDownloadFaults(emulator.DownloadFault{DropAfter: size / 2}, emulator.DownloadFault{IgnoreRange: true, Times: -1}))
	f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	if len(requests) != 2 || requests[1].Range == "" || requests[1].Status != http.StatusOK || sent != size+size/2 {
		t.Fatalf("want a Range request answered 200 with the whole file (%d bytes in all), got %+v (%d bytes)", size+size/2, requests, sent)
	}
}

// A body shorter than its Content-Length is detected: with retries off it
// fails the invocation, the partial file stays as .part, and nothing is
// renamed into place.
func TestAccBackupDownloadAction_truncatedBody(t *testing.T) {
	const size = 256 << 10
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "max_retries = 0", emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(size),
		emulator.WithDownloadFaults(emulator.DownloadFault{TruncateAfter: size / 2, Times: -1}))
	out, err := f.invoke()
	if err == nil {
		t.Fatalf("a truncated body was accepted:\n%s", out)
	}
	wantOutput(t, out, "The download of Data_001.zip stopped before the end of the file", "the answer ended at byte 131072 of 262144", "Data_001.zip.part", "resumes it")
	wantOnlyPart(t, f.jobDir(), "Data_001.zip", size/2)
}

// A file that is not an intact ZIP fails verify, names the file and how
// to skip the check, and is not renamed into place.
func TestAccBackupDownloadAction_corruptZipCaughtByVerify(t *testing.T) {
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0),
		emulator.WithDownloadFaults(emulator.DownloadFault{Corrupt: true}))
	out, err := f.invoke()
	if err == nil {
		t.Fatalf("a corrupt ZIP was accepted:\n%s", out)
	}
	wantOutput(t, out, "Downloaded Data_001.zip is not an intact ZIP archive", "verify = false")
	if _, err := os.Stat(filepath.Join(f.jobDir(), "Data_001.zip")); !os.IsNotExist(err) {
		t.Errorf("the corrupt file was renamed into place (stat: %v)", err)
	}
	// The fault was once: invoking again downloads it afresh and intact.
	f.mustInvoke()
	f.wantFiles()
}

// Links past their expiry fail at once, saying when they expired and that
// a new backup is needed, with no download request.
func TestAccBackupDownloadAction_expiredLinks(t *testing.T) {
	past := time.Now().Add(-8 * 24 * time.Hour)
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithClock(func() time.Time { return past }),
		emulator.WithListedExpiredLinks(true))
	out, err := f.invoke()
	if err == nil {
		t.Fatalf("expired links were downloaded:\n%s", out)
	}
	wantOutput(t, out, "The backup's download links have expired", "expired at", "A new backup is needed")
	if requests, _ := f.downloads(); len(requests) != 0 {
		t.Errorf("%d download requests for expired links, want 0", len(requests))
	}
}

// A link to a host that is not Zoho's is refused: the host name resolves
// (through the provider's dialer) to a second local server, which receives
// no request and so no token.
func TestAccBackupDownloadAction_foreignHostRefused(t *testing.T) {
	var foreignRequests atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		foreignRequests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(foreign.Close)
	_, port, _ := net.SplitHostPort(foreign.Listener.Addr().String())
	p := fastDownloadProvider()
	p.dialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); host == "backups.example.net" {
			addr = foreign.Listener.Addr().String()
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	f := newDownloadFixture(t, p, true, "", "", emulator.WithDownloadFiles(1, 0))
	link := fmt.Sprintf("http://backups.example.net:%s/v2/crm/757345985/backup/4876876000001594004/Data_001.zip", port)
	if err := f.srv.SetDownloadLinks(f.backup.ID, []string{link}, nil); err != nil {
		t.Fatal(err)
	}
	// The dialer does reach the foreign server: a refusal below is the
	// allow-list's, not an unreachable host.
	if resp, err := (&http.Client{Transport: &http.Transport{DialContext: p.dialContext}}).Get(link); err != nil {
		t.Fatalf("the test dialer does not reach the foreign server: %v", err)
	} else {
		resp.Body.Close()
	}
	foreignRequests.Store(0)

	out, err := f.invoke()
	if err == nil {
		t.Fatalf("a foreign link was downloaded:\n%s", out)
	}
	wantOutput(t, out, `Refused to send the access token to backups.example.net`, "nothing was sent to that host")
	if got := foreignRequests.Load(); got != 0 {
		t.Errorf("the foreign server received %d requests, want 0", got)
	}
	if requests, _ := f.downloads(); len(requests) != 0 {
		t.Errorf("%d download requests, want 0", len(requests))
	}
	wantEmptyDir(t, f.root)
}

// A file name that would leave the backup's folder is refused before
// anything is sent or written.
func TestAccBackupDownloadAction_traversalFileNameRefused(t *testing.T) {
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0))
	link := f.srv.DownloadURL() + "/v2/crm/757345985/backup/4876876000001594004/..%2F..%2Fescaped.zip"
	if err := f.srv.SetDownloadLinks(f.backup.ID, []string{link}, nil); err != nil {
		t.Fatal(err)
	}
	out, err := f.invoke()
	if err == nil {
		t.Fatalf("a traversal file name was downloaded:\n%s", out)
	}
	wantOutput(t, out, "Refused the file name of a download link Zoho reported", "nothing was sent")
	if requests, _ := f.downloads(); len(requests) != 0 {
		t.Errorf("%d download requests, want 0", len(requests))
	}
	wantEmptyDir(t, filepath.Dir(f.root))
}

// Ctrl-C in the middle of a file stops the invocation, keeps the .part
// file and says that invoking again resumes; invoking again resumes it with
// a Range request and completes it.
func TestAccBackupDownloadAction_interruptKeepsPartThenResumes(t *testing.T) {
	const size = 2 << 20
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(size),
		emulator.WithDownloadThroughput(512<<10))
	var out syncBuffer
	cmd := f.cli.start(&out, "apply", "-auto-approve", "-no-color", "-invoke=action.zohocrm_backup_download.this")
	part := filepath.Join(f.jobDir(), "Data_001.zip.part")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(part); err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the download never started:\n%s", out.String())
		}
	}
	interrupted := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // Terraform 1.16 exits 0 after an interrupted invocation, and shows no diagnostic of it
	t.Logf("terraform exited %s after SIGINT", time.Since(interrupted).Round(time.Millisecond))
	// The download stops with the invocation's context: the .part stops
	// growing within a second and is never renamed into place.
	time.Sleep(time.Second)
	held := wantOnlyPart(t, f.jobDir(), "Data_001.zip", -1)
	time.Sleep(time.Second)
	if again := wantOnlyPart(t, f.jobDir(), "Data_001.zip", -1); again != held || held >= size {
		t.Fatalf("the download went on after the interrupt: %d then %d of %d bytes", held, again, size)
	}
	if requests, _ := f.downloads(); len(requests) != 1 {
		t.Fatalf("want the one interrupted download request, got %+v", requests)
	}

	f.srv.SetDownloadThroughput(0)
	f.srv.ResetDownloadRequests()
	f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	if len(requests) != 1 || requests[0].Range != fmt.Sprintf("bytes=%d-", held) || sent != size-held {
		t.Errorf("want one request resuming at byte %d and fetching the %d bytes left, got %+v (%d bytes)", held, size-held, requests, sent)
	}
}

// An access token that Zoho revokes in the middle of a download is
// refreshed (refresh-token mode) and the download resumes where it was.
func TestAccBackupDownloadAction_invalidTokenMidDownloadRefreshesAndResumes(t *testing.T) {
	const size = 1 << 20
	srv := newOAuthEmulator(t, emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(size),
		emulator.WithDownloadFaults(emulator.DownloadFault{DropAfter: size / 2}, emulator.DownloadFault{Error: emulator.CodeInvalidToken}))
	f := newDownloadFixtureWith(t, fastDownloadProvider(), true, "", func(url string) string { return refreshProviderBlock(url) }, srv)
	f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	statuses := make([]int, len(requests))
	for i, r := range requests {
		statuses[i] = r.Status
	}
	if !slices.Equal(statuses, []int{http.StatusOK, http.StatusUnauthorized, http.StatusPartialContent}) || sent > size+size/100 {
		t.Errorf("want the drop, the 401, then the rest with a new token (%d bytes at most), got statuses %v and %d bytes", size+size/100, statuses, sent)
	}
	if got := srv.Refreshes(); got != 2 {
		t.Errorf("%d access tokens issued, want 2 (the first, and one after INVALID_TOKEN)", got)
	}
}

// With wait = true, an INPROGRESS backup is followed to COMPLETED, then
// downloaded.
func TestAccBackupDownloadAction_waitsForARunningBackup(t *testing.T) {
	f := newDownloadFixture(t, fastDownloadProvider(), false, `wait = true
    poll_interval = "5s"`, "", emulator.WithDownloadFiles(1, 1))
	f.backup = f.srv.SeedBackup(emulator.StatusInProgress, "")
	go func() {
		time.Sleep(time.Second)
		_ = f.srv.SetStatus(f.backup.ID, emulator.StatusCompleted)
	}()
	out := f.mustInvoke()
	wantOutput(t, out, "Waiting for backup "+f.backup.ID+", which is INPROGRESS", "Backup "+f.backup.ID+" is COMPLETED",
		"2 file(s) downloaded")
	f.wantFiles()
}

// Validation makes no request: a blank directory and a bad backup_id are
// refused at plan time, naming the attribute.
func TestProtocol_downloadActionValidation(t *testing.T) {
	srv := newEmulator(t)
	c := newProtocolClient(t, srv, testToken)
	wantOneError(t, "a blank directory", c.validateAction("zohocrm_backup_download", map[string]tftypes.Value{
		"directory": stringValue("  "),
	}), "Invalid directory", "the path is empty")
	wantOneError(t, "a bad backup_id", c.validateAction("zohocrm_backup_download", map[string]tftypes.Value{
		"directory": stringValue("backups"), "backup_id": stringValue("latest"),
	}), "Invalid Zoho backup id")
	wantOneError(t, "a bad timeout", c.validateAction("zohocrm_backup_download", map[string]tftypes.Value{
		"directory": stringValue("backups"), "timeout": stringValue("soon"),
	}), "Invalid timeout")
	if got := len(srv.Requests()) + len(srv.DownloadRequests()); got != 0 {
		t.Fatalf("validation made %d requests, want 0", got)
	}
}

// No links (204) fails with what to do, and a backup_id that is not the
// one Zoho reports links for downloads nothing.
func TestProtocol_downloadActionRefusals(t *testing.T) {
	srv := newEmulator(t)
	c := newProtocolClient(t, srv, testToken)
	dir := t.TempDir()
	_, diags := c.invokeAction("zohocrm_backup_download", map[string]tftypes.Value{"directory": stringValue(dir)})
	wantOneError(t, "no links", diags, "Zoho reports no backup to download", "set wait = true")

	srv.SeedBackup(emulator.StatusCompleted, "")
	_, diags = c.invokeAction("zohocrm_backup_download", map[string]tftypes.Value{
		"directory": stringValue(dir), "backup_id": stringValue("4876876000000000001"),
	})
	wantOneError(t, "another backup_id", diags, "Zoho's download links are not those of backup_id", "4876876000000000001")
	if got := len(srv.DownloadRequests()); got != 0 {
		t.Fatalf("%d download requests, want 0", got)
	}
	wantEmptyDir(t, dir)
}

// wantOnlyPart checks that dir holds name's .part (of want bytes, unless
// want < 0) and not name itself; it returns the .part's size.
func wantOnlyPart(t *testing.T, dir, name string, want int64) int64 {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
		t.Errorf("%s was renamed into place (stat: %v)", name, err)
	}
	fi, err := os.Stat(filepath.Join(dir, name+".part"))
	if err != nil {
		t.Fatalf("the partial file was not kept: %v", err)
	}
	if want >= 0 && fi.Size() != want {
		t.Errorf("%s.part holds %d bytes, want %d", name, fi.Size(), want)
	}
	return fi.Size()
}

// wantEmptyDir checks that nothing was written under dir.
func wantEmptyDir(t *testing.T, dir string) {
	t.Helper()
	var files []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) > 0 {
		t.Errorf("files were written: %v", files)
	}
}

// The page's local-exec for CLIs without actions is a configuration every
// supported CLI accepts, ephemeral token in the provisioner included.
func TestAccBackupDownloadExampleWithoutActions_validates(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	example, err := os.ReadFile("../../examples/actions/zohocrm_backup_download/without-actions.tf")
	if err != nil {
		t.Fatal(err)
	}
	srv := newEmulator(t)
	cli := newTerraformCLI(t, New("test")(), providerBlock(srv.URL(), testToken)+string(example))
	cli.mustRun("init", "-no-color")
	if out := cli.mustRun("validate", "-no-color"); !strings.Contains(out, "The configuration is valid") {
		t.Fatalf("validate:\n%s", out)
	}
	if got := len(srv.Requests()) + len(srv.DownloadRequests()); got != 0 {
		t.Errorf("validating made %d requests, want 0", got)
	}
}

// A .part that is not a regular file (here a folder planted in its place)
// is reported as a local file to deal with, never as a network failure,
// and nothing is requested for it.
func TestAccBackupDownloadAction_remedyOfAPlantedPartNamesTheFile(t *testing.T) {
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0))
	link, err := zoho.ParseDownloadLink(f.links()[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(f.jobDir(), link.FileName+backupfiles.PartSuffix), 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := f.invoke()
	if err == nil {
		t.Fatalf("a planted folder was used as a .part:\n%s", out)
	}
	wantOutput(t, out, "Cannot use the local files of "+link.FileName, "not a regular file", "not with Zoho or the network",
		"then invoke this action again")
	if strings.Contains(out, "check the network") || strings.Contains(out, "did not get an answer") {
		t.Errorf("a local file's error talks of the network:\n%s", out)
	}
	if requests, _ := f.downloads(); len(requests) != 0 {
		t.Errorf("%d download requests, want 0", len(requests))
	}
}

// A link whose file name the files' rule refuses (the manifest's own name)
// stops the invocation before any file is requested, even the valid link
// before it, and says that nothing was sent.
func TestAccBackupDownloadAction_remedyOfARefusedNameSaysNothingWasSent(t *testing.T) {
	f := newDownloadFixture(t, fastDownloadProvider(), true, "", "", emulator.WithDownloadFiles(1, 0))
	valid := f.links()[0]
	refused := valid[:strings.LastIndex(valid, "/")+1] + backupfiles.ManifestName
	if err := f.srv.SetDownloadLinks(f.backup.ID, []string{valid, refused}, nil); err != nil {
		t.Fatal(err)
	}
	out, err := f.invoke()
	if err == nil {
		t.Fatalf("a link named %s was downloaded:\n%s", backupfiles.ManifestName, out)
	}
	wantOutput(t, out, "Refused the file name of a download link Zoho reported", "the manifest's own name", "nothing was sent to Zoho")
	if strings.Contains(out, "check the network") {
		t.Errorf("a refused link talks of the network:\n%s", out)
	}
	if requests, _ := f.downloads(); len(requests) != 0 {
		t.Errorf("%d download requests, want 0", len(requests))
	}
	wantEmptyDir(t, filepath.Dir(f.root))
}
