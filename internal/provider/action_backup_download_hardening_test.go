package provider

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// The cases of issue 19 item 2, each met as a user meets it: through the
// zohocrm_backup_download action, against the emulator's download faults.

// hardeningSize is the size of the files these tests download.
const hardeningSize = 100_000

// manyEntriesOverCap is an entry count above verify's cap on entries.
const manyEntriesOverCap = 1_000_000 + 1

// newHardeningFixture is newDownloadFixture with one data file of
// hardeningSize bytes, the fast provider and extra action lines.
func newHardeningFixture(t *testing.T, actionExtra, providerExtra string, opts ...emulator.Option) *downloadFixture {
	t.Helper()
	opts = append([]emulator.Option{emulator.WithDownloadFiles(1, 0), emulator.WithDownloadSize(hardeningSize)}, opts...)
	return newDownloadFixture(t, fastDownloadProvider(), true, actionExtra, providerExtra, opts...)
}

// mustFail invokes the action, fails the test if the invocation passed, and
// returns the diagnostic (see diagnostic).
func (f *downloadFixture) mustFail(what string) string {
	f.t.Helper()
	out, err := f.invoke()
	if err == nil {
		f.t.Fatalf("%s was accepted:\n%s", what, out)
	}
	return diagnostic(out)
}

// diagnostic is the part of a failed invocation's output from Terraform's
// "Action failed:" (or "Error:") on, without the progress lines before it.
func diagnostic(out string) string {
	for _, mark := range []string{"Action failed:", "Error:"} {
		if i := strings.Index(out, mark); i >= 0 {
			return out[i:]
		}
	}
	return out
}

// wantLinksReadOnce checks that the API got exactly one request: the read
// of the links.
func (f *downloadFixture) wantLinksReadOnce() {
	f.t.Helper()
	if got := f.srv.CountRequests(http.MethodGet, "/crm/bulk/v8/backup/urls"); got != 1 || len(f.srv.Requests()) != 1 {
		f.t.Errorf("API requests %v, want exactly one GET of the links", f.srv.Requests())
	}
}

// wantNotCommitted checks that Data_001.zip is neither in dir nor in the
// manifest (which may not exist).
func (f *downloadFixture) wantNotCommitted(dir string) {
	f.t.Helper()
	const name = "Data_001.zip"
	if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
		f.t.Errorf("%s was committed (stat: %v)", name, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err == nil && strings.Contains(string(data), `"`+name+`"`) {
		f.t.Errorf("the manifest lists %s:\n%s", name, data)
	}
}

// partSize is the size of Data_001.zip.part in dir, or -1 when there is none.
func partSize(dir string) int64 {
	fi, err := os.Stat(filepath.Join(dir, "Data_001.zip.part"))
	if err != nil {
		return -1
	}
	return fi.Size()
}

// wantStatuses checks the statuses of the download requests, in order, and
// returns the requests.
func (f *downloadFixture) wantStatuses(want ...int) []emulator.DownloadRequest {
	f.t.Helper()
	requests, _ := f.downloads()
	got := make([]int, len(requests))
	for i, r := range requests {
		got[i] = r.Status
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		f.t.Errorf("download requests answered %v, want %v: %+v", got, want, requests)
	}
	return requests
}

// wantNoNetworkRemedy checks that a diagnostic of a local or link refusal
// does not send the user to the network.
func wantNoNetworkRemedy(t *testing.T, out string) {
	t.Helper()
	for _, wrong := range []string{"check the network", "did not get an answer from Zoho", "api_domain"} {
		if strings.Contains(foldSpace(out), wrong) {
			t.Errorf("the diagnostic says %q, but the cause is not the network:\n%s", wrong, out)
		}
	}
}

// withLinks replaces the backup's links with the job's download path and
// these file names (already escaped for a URL path).
func (f *downloadFixture) withLinks(names ...string) {
	f.t.Helper()
	first := f.links()[0]
	base := first[:strings.LastIndex(first, "/")+1]
	links := make([]string, len(names))
	for i, name := range names {
		links[i] = base + name
	}
	if err := f.srv.SetDownloadLinks(f.backup.ID, links, nil); err != nil {
		f.t.Fatal(err)
	}
}

// A 200 without Content-Length that ends cleanly at 40,000 of 100,000
// bytes is not committed with verify = false, nor listed, and not retried.
func TestAccBackupDownloadHardening_noContentLengthCutShort(t *testing.T) {
	f := newHardeningFixture(t, "verify = false", "", emulator.WithDownloadFaults(
		emulator.DownloadFault{NoContentLength: true, TruncateAfter: 40_000, Times: -1}))
	out := f.mustFail("a 200 without Content-Length cut short")
	wantOutput(t, out, "Data_001.zip")
	if !strings.Contains(strings.ToLower(out), "size") {
		t.Errorf("the diagnostic does not say that no size was announced:\n%s", out)
	}
	f.wantNotCommitted(f.jobDir())
	if held := partSize(f.jobDir()); held > 0 {
		t.Errorf("%d bytes of an answer of unknown size were kept", held)
	}
	f.wantStatuses(http.StatusOK)
}

// A resume answered 206 with "Content-Range: bytes N-M/*" (total unknown),
// ending at M+1 short of the file, is refused; the .part keeps only what
// came before it.
func TestAccBackupDownloadHardening_rangeOfUnknownTotal(t *testing.T) {
	f := newHardeningFixture(t, "verify = false", "", emulator.WithDownloadFaults(
		emulator.DownloadFault{DropAfter: hardeningSize / 2},
		emulator.DownloadFault{NoContentLength: true, TruncateAfter: hardeningSize / 4, Times: -1}))
	out := f.mustFail("a 206 with total *")
	wantOutput(t, out, "Data_001.zip")
	f.wantNotCommitted(f.jobDir())
	if held := partSize(f.jobDir()); held != hardeningSize/2 {
		t.Errorf("the .part holds %d bytes, want the %d before the 206 of unknown total", held, hardeningSize/2)
	}
	requests := f.wantStatuses(http.StatusOK, http.StatusPartialContent)
	if len(requests) == 2 && requests[1].Range != fmt.Sprintf("bytes=%d-", hardeningSize/2) {
		t.Errorf("the resume asked %q", requests[1].Range)
	}
}

// A .part left by an older file of the same name (its ETag has changed
// since) is not spliced: the resume carries If-Range with the old ETag,
// Zoho answers 200 with the new file, and the committed file is the new one.
func TestAccBackupDownloadHardening_partOfAnOlderFile(t *testing.T) {
	f := newHardeningFixture(t, "", "max_retries = 0", emulator.WithDownloadFaults(emulator.DownloadFault{DropAfter: hardeningSize / 2}))
	oldETag := f.headETag()
	f.srv.ResetDownloadRequests()
	f.mustFail("a dropped download with retries off")
	if held := partSize(f.jobDir()); held != hardeningSize/2 {
		t.Fatalf("the .part holds %d bytes after the drop, want %d", held, hardeningSize/2)
	}
	oldSHA := f.srv.ExpectedSHA256(f.links()[0])
	if n := f.srv.ChangeDownload("Data_001.zip"); n != 1 {
		t.Fatalf("ChangeDownload changed %d files", n)
	}
	if f.srv.ExpectedSHA256(f.links()[0]) == oldSHA {
		t.Fatal("the file did not change")
	}
	f.srv.ResetDownloadRequests()
	f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	if len(requests) != 1 || requests[0].IfRange != oldETag || requests[0].Status != http.StatusOK || sent != hardeningSize {
		t.Errorf("want one resume with If-Range %s answered 200 with the whole new file (%d bytes), got %+v (%d bytes)",
			oldETag, hardeningSize, requests, sent)
	}
}

// headETag is the ETag the download host gives the first link now.
func (f *downloadFixture) headETag() string {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodHead, f.links()[0], nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.Header.Get("ETag") == "" {
		f.t.Fatal("the download host sent no ETag")
	}
	return resp.Header.Get("ETag")
}

// A .part of the full size, all zeros, with no validator recorded, is not
// committed as it is with verify = false: the file is fetched from zero.
func TestAccBackupDownloadHardening_fullSizePartWithoutValidator(t *testing.T) {
	f := newHardeningFixture(t, "verify = false", "")
	if err := os.MkdirAll(f.jobDir(), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.jobDir(), "Data_001.zip.part"), make([]byte, hardeningSize), 0o600); err != nil {
		t.Fatal(err)
	}
	f.mustInvoke()
	f.wantFiles()
	requests, sent := f.downloads()
	if len(requests) != 1 || requests[0].Range != "" || requests[0].Status != http.StatusOK || sent != hardeningSize {
		t.Errorf("want one request from zero (no Range) answered 200 with the whole file, got %+v (%d bytes)", requests, sent)
	}
}

// A resume answered with a Content-Range whose numbers overflow, or pass
// the largest file accepted, is refused; nothing of it is written.
func TestAccBackupDownloadHardening_overflowingContentRange(t *testing.T) {
	const half = hardeningSize / 2
	for name, lie := range map[string]string{
		"last at the int64 limit":  fmt.Sprintf("bytes %d-9223372036854775807/*", half),
		"total past int64":         fmt.Sprintf("bytes %d-%d/99999999999999999999", half, hardeningSize-1),
		"total past the file cap":  fmt.Sprintf("bytes %d-%d/%d", half, hardeningSize-1, int64(8)<<30),
		"last past int64, a total": fmt.Sprintf("bytes %d-9223372036854775808/9223372036854775809", half),
	} {
		t.Run(name, func(t *testing.T) {
			f := newHardeningFixture(t, "verify = false", "", emulator.WithDownloadFaults(
				emulator.DownloadFault{DropAfter: half}, emulator.DownloadFault{ContentRange: lie, Times: -1}))
			out := f.mustFail("Content-Range " + lie)
			wantOutput(t, out, "Data_001.zip")
			f.wantNotCommitted(f.jobDir())
			if held := partSize(f.jobDir()); held != half {
				t.Errorf("the .part holds %d bytes, want the %d before the lying answer", held, half)
			}
			f.wantStatuses(http.StatusOK, http.StatusPartialContent)
		})
	}
}

// Links [Data_001.zip, manifest.json] are refused before any file is
// written: no Data_001.zip, no .part, no download request.
func TestAccBackupDownloadHardening_manifestLinkRefusedFirst(t *testing.T) {
	f := newHardeningFixture(t, "", "")
	f.withLinks("Data_001.zip", "manifest.json")
	out := f.mustFail("a link named manifest.json")
	wantOutput(t, out, "manifest.json", "nothing was sent")
	f.wantLinksReadOnce()
	wantNoNetworkRemedy(t, out)
	wantEmptyDir(t, f.root)
	f.wantStatuses()
}

// Two links of one name, or of names that differ only in case, are
// refused, naming both, before anything is sent or written.
func TestAccBackupDownloadHardening_duplicateNames(t *testing.T) {
	for name, pair := range map[string][2]string{
		"the same name":                 {"Data_001.zip", "Data_001.zip"},
		"names differing in case":       {"Data_001.zip", "DATA_001.zip"},
		"attachment names in two cases": {"Attachments_001.zip", "attachments_001.ZIP"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newHardeningFixture(t, "", "")
			f.withLinks(pair[0], pair[1])
			out := f.mustFail("two links of " + name)
			wantOutput(t, out, pair[0], pair[1], "nothing was sent")
			f.wantLinksReadOnce()
			wantNoNetworkRemedy(t, out)
			wantEmptyDir(t, f.root)
			f.wantStatuses()
		})
	}
}

// A file name with a bidi override (U+202E) or an invisible format
// character (U+200B, U+FEFF) is refused, naming the link, before anything
// is sent or written.
func TestAccBackupDownloadHardening_formatCharacterInName(t *testing.T) {
	for char, escaped := range map[rune]string{0x202E: "%E2%80%AE", 0x200B: "%E2%80%8B", 0xFEFF: "%EF%BB%BF"} {
		t.Run(fmt.Sprintf("U+%04X", char), func(t *testing.T) {
			f := newHardeningFixture(t, "", "")
			f.withLinks("Data_001" + escaped + "piz.exe")
			out := f.mustFail(fmt.Sprintf("a name with U+%04X", char))
			f.wantLinksReadOnce()
			wantOutput(t, out, "nothing was sent")
			shown := []string{fmt.Sprintf("U+%04X", char), fmt.Sprintf(`\u%04x`, char), escaped, string(char)}
			if !slices.ContainsFunc(shown, func(s string) bool { return strings.Contains(out, s) }) {
				t.Errorf("the diagnostic does not show the character U+%04X:\n%s", char, out)
			}
			wantNoNetworkRemedy(t, out)
			wantEmptyDir(t, f.root)
			f.wantStatuses()
		})
	}
}

// With verify = true, a ZIP whose entries overlap (64 entries on one
// deflate stream, 4 GiB of inflating from ~66 KB) is refused, naming the
// file, and not committed.
func TestAccBackupDownloadHardening_overlappingEntriesZip(t *testing.T) {
	f := newHardeningFixture(t, "verify = true", "", emulator.WithDownloadFaults(
		emulator.DownloadFault{Layout: emulator.OverlappingEntries(), Times: -1}))
	out := f.mustFail("a ZIP of overlapping entries")
	wantOutput(t, out, "Data_001.zip")
	f.wantNotCommitted(f.jobDir())
	f.wantStatuses(http.StatusOK)
}

// With verify = true, a ZIP of more entries than verify accepts is
// refused, naming the file, and not committed.
func TestAccBackupDownloadHardening_hugeEntryCountZip(t *testing.T) {
	f := newHardeningFixture(t, "verify = true", "", emulator.WithDownloadFaults(
		emulator.DownloadFault{Layout: emulator.ManyEntries(manyEntriesOverCap), Times: -1}))
	out := f.mustFail("a ZIP of too many entries")
	wantOutput(t, out, "Data_001.zip")
	f.wantNotCommitted(f.jobDir())
	f.wantStatuses(http.StatusOK)
}

// Local files found with access wider than the backup's are refused or
// re-moded: a committed file is never more open than 0600 in a folder of
// 0750, and a .part hard-linked elsewhere is never written through.
func TestAccBackupDownloadHardening_localAccessNotWidened(t *testing.T) {
	for name, plant := range map[string]func(t *testing.T, dir string) (check func(t *testing.T), named string){
		".part mode 0666":               plantOpenPart,
		"job folder 0777":               plantOpenFolder,
		".part with a second hard link": plantLinkedPart,
	} {
		t.Run(name, func(t *testing.T) {
			f := newHardeningFixture(t, "", "")
			dir := f.jobDir()
			if err := os.MkdirAll(dir, 0o750); err != nil {
				t.Fatal(err)
			}
			check, named := plant(t, dir)
			out, err := f.invoke()
			check(t)
			if err != nil { // refused: the diagnostic names the file or folder
				out = diagnostic(out)
				wantOutput(t, out, named)
				wantNoNetworkRemedy(t, out)
				f.wantNotCommitted(dir)
				return
			}
			f.wantCommittedPrivately(dir)
		})
	}
}

// plantOpenPart writes the file's true first bytes as a .part of mode 0666:
// only its mode is at fault.
func plantOpenPart(t *testing.T, dir string) (func(*testing.T), string) {
	head := make([]byte, 10_000)
	if _, err := emulator.DownloadContent(filepath.Base(dir), "Data_001.zip", hardeningSize).ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	writePart(t, dir, head, 0o666)
	part := filepath.Join(dir, "Data_001.zip.part")
	return func(t *testing.T) {
		if fi, err := os.Stat(part); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("the .part is still %v", fi.Mode().Perm())
		}
	}, part
}

// plantOpenFolder opens the job folder to everyone (0777).
func plantOpenFolder(t *testing.T, dir string) (func(*testing.T), string) {
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T) {
		if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&^0o750 != 0 {
			t.Errorf("the job folder is still %v", fi.Mode().Perm())
		}
	}, dir
}

// plantLinkedPart makes the .part a second hard link of a file elsewhere.
func plantLinkedPart(t *testing.T, dir string) (func(*testing.T), string) {
	elsewhere := filepath.Join(t.TempDir(), "elsewhere.txt")
	content := []byte("a file of the user's, elsewhere")
	if err := os.WriteFile(elsewhere, content, 0o600); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "Data_001.zip.part")
	if err := os.Link(elsewhere, part); err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T) {
		if got, err := os.ReadFile(elsewhere); err != nil || !bytes.Equal(got, content) {
			t.Errorf("the file linked elsewhere was written through the .part: %d bytes, %v", len(got), err)
		}
	}, part
}

// wantCommittedPrivately checks a completed download: the emulator's
// content, the folder no more open than 0750, the file and the manifest no
// more than 0600, the file with one hard link.
func (f *downloadFixture) wantCommittedPrivately(dir string) {
	f.t.Helper()
	f.wantFiles()
	wantPerm(f.t, dir, 0o750)
	for _, file := range []string{"Data_001.zip", "manifest.json"} {
		wantPerm(f.t, filepath.Join(dir, file), 0o600)
	}
	if links := hardLinks(f.t, filepath.Join(dir, "Data_001.zip")); links != 1 {
		f.t.Errorf("the committed file has %d hard links, want 1", links)
	}
}

// writePart writes dir/Data_001.zip.part with content and exactly mode.
func writePart(t *testing.T, dir string, content []byte, mode os.FileMode) {
	t.Helper()
	path := filepath.Join(dir, "Data_001.zip.part")
	if err := os.WriteFile(path, content, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

// wantPerm checks that path is no more open than want.
func wantPerm(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&^want != 0 {
		t.Errorf("%s is %v, more open than %v", path, fi.Mode().Perm(), want)
	}
}

// Remedies match their causes: a local refusal says what to do with the
// file, a refused link says nothing was sent, and neither talks of the
// network.
func TestAccBackupDownloadHardening_remediesMatchCauses(t *testing.T) {
	t.Run("a .part that is a folder", func(t *testing.T) {
		f := newHardeningFixture(t, "", "")
		part := filepath.Join(f.jobDir(), "Data_001.zip.part")
		if err := os.MkdirAll(part, 0o750); err != nil {
			t.Fatal(err)
		}
		out := f.mustFail("a .part that is a folder")
		wantOutput(t, out, part, "remove it")
		wantNoNetworkRemedy(t, out)
		f.wantStatuses()
	})
	t.Run("a refused link name", func(t *testing.T) {
		f := newHardeningFixture(t, "", "")
		f.withLinks("..%2Fescaped.zip")
		out := f.mustFail("a traversal name")
		f.wantLinksReadOnce()
		wantOutput(t, out, "nothing was sent")
		wantNoNetworkRemedy(t, out)
		wantEmptyDir(t, f.root)
		f.wantStatuses()
	})
}

// hardLinks is path's hard link count where the platform reports one
// (Nlink of its stat), else 1.
func hardLinks(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(fi.Sys())
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if n := v.Elem().FieldByName("Nlink"); n.IsValid() && n.CanUint() {
			return n.Uint()
		}
	}
	return 1
}

// slowVerifyEntries is an entry count under verify's cap whose ZIP (88 MiB
// of empty entries) takes verify about 3 s to check on 2 cores.
const slowVerifyEntries = 1_000_000 - 1

// Ctrl-C while verify runs ends the invocation within about a second:
// the provider's Invoke returns, Terraform exits, nothing is committed, and
// the .part is kept for the next invocation.
func TestAccBackupDownloadHardening_interruptStopsVerify(t *testing.T) {
	readLog := captureTraceLog(t)
	f := newHardeningFixture(t, "verify = true", "", emulator.WithDownloadFaults(
		emulator.DownloadFault{Layout: emulator.ManyEntries(slowVerifyEntries), Times: -1}))
	var out syncBuffer
	cmd := f.cli.start(&out, "apply", "-auto-approve", "-no-color", "-invoke=action.zohocrm_backup_download.this")
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // Terraform 1.16 exits 0 after an interrupt
	started := waitForOutput(t, &out, exited, "Data_001.zip: checking every ZIP entry's CRC-32")
	time.Sleep(300 * time.Millisecond) // well into verify, which takes seconds here
	select {
	case <-exited:
		t.Fatalf("verify ended before the interrupt; it is not slow enough to test:\n%s", out.String())
	default:
	}
	interrupted := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Verify looks at the context every 1,024 entries or 4 MiB, so it stops
	// in milliseconds, and Terraform exits about 20 ms after the interrupt
	// when the machine is idle. 5 s leaves room for a loaded 2-core machine
	// (and the log's millisecond stamps) without flaking.
	const within = 5 * time.Second
	select {
	case <-exited:
	case <-time.After(within):
		t.Fatalf("terraform had not exited %s after the interrupt:\n%s", within, out.String())
	}
	exitedAfter := time.Since(interrupted)
	// Terraform does not wait for the provider (served from this process),
	// so its exit alone does not show that verify stopped: the end of the
	// provider's Invoke, in its log, does.
	returned := invokeReturned(t, readLog, within)
	t.Logf("verify ran %s before the interrupt; Invoke returned %s and terraform exited %s after it",
		interrupted.Sub(started).Round(time.Millisecond), returned.Sub(interrupted).Round(time.Millisecond), exitedAfter.Round(time.Millisecond))
	if took := returned.Sub(interrupted); took > within {
		t.Errorf("the provider's Invoke returned %s after the interrupt, want within %s", took, within)
	}
	// Terraform 1.16 shows no diagnostic of an interrupted invocation: only
	// its own notice, and an apply that invoked no action.
	wantOutput(t, out.String(), "Interrupt received", "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
	for _, done := range []string{"Actions: 1 invoked", "Action complete", "CRC-32 checked", "Action failed"} {
		if strings.Contains(out.String(), done) {
			t.Errorf("the output says %q after the interrupt:\n%s", done, out.String())
		}
	}
	f.wantNotCommitted(f.jobDir())
	if _, sent := f.downloads(); partSize(f.jobDir()) != sent {
		t.Errorf("Data_001.zip.part holds %d bytes after the interrupt, want the whole %d kept", partSize(f.jobDir()), sent)
	}
}

// waitForOutput waits up to a minute for out to say want, failing the test
// if the command exits first, and returns when it said it.
func waitForOutput(t *testing.T, out *syncBuffer, exited <-chan struct{}, want string) time.Time {
	t.Helper()
	deadline := time.After(time.Minute)
	for !strings.Contains(foldSpace(out.String()), foldSpace(want)) {
		select {
		case <-exited:
			t.Fatalf("terraform exited before saying %q:\n%s", want, out.String())
		case <-deadline:
			t.Fatalf("terraform did not say %q within a minute:\n%s", want, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return time.Now()
}

// invokeReturned waits up to within for the provider's log to record the
// end of the download's Invoke, and returns the time it records.
func invokeReturned(t *testing.T, readLog func() capturedLog, within time.Duration) time.Time {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		for line := range strings.SplitSeq(readLog().Run, "\n") {
			if !strings.Contains(line, "Called provider defined Action Invoke") || !strings.Contains(line, "tf_action_type=zohocrm_backup_download") {
				continue
			}
			stamp, _, _ := strings.Cut(line, " ")
			at, err := time.Parse(time.RFC3339Nano, stamp)
			if err != nil {
				t.Fatalf("the log line's time: %v\n%s", err, line)
			}
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("the provider's Invoke had not returned %s after Terraform exited", within)
		}
	}
}
