package backupfiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func testEntry(name string, kind Kind, content []byte) ManifestFile {
	return ManifestFile{
		Name:          name,
		Kind:          kind,
		Size:          int64(len(content)),
		SHA256:        sha256Hex(content),
		Link:          "https://download-accl.zoho.com/v2/crm/757345985/backup/" + testBackupID + "/" + name,
		DownloadedAt:  time.Date(2026, 12, 2, 6, 1, 2, 345, time.FixedZone("IST", 19800)),
		LinkExpiresAt: time.Date(2026, 12, 9, 11, 31, 3, 0, time.FixedZone("IST", 19800)),
	}
}

func TestReadManifestMissingIsEmpty(t *testing.T) {
	d := openTestDir(t)
	m, err := d.ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.FormatVersion != ManifestFormatVersion || m.BackupID != testBackupID || len(m.Files) != 0 {
		t.Errorf("ReadManifest = %+v", m)
	}
}

func TestManifestRoundTripAndFormat(t *testing.T) {
	d := openTestDir(t)
	for _, e := range []ManifestFile{
		testEntry("Data_002.zip", KindData, []byte("two")),
		testEntry("Attachments_001.zip", KindAttachment, []byte("att")),
		testEntry("Data_001.zip", KindData, []byte("one")),
	} {
		if err := d.Record(e); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing an entry keeps one entry per name.
	again := testEntry("Data_001.zip", KindData, []byte("one, downloaded again"))
	if err := d.Record(again); err != nil {
		t.Fatal(err)
	}

	m, err := d.ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"Data_001.zip", "Data_002.zip", "Attachments_001.zip"}) {
		t.Errorf("files in order %v, want data files by name, then attachments", names)
	}
	got, ok := m.Lookup("Data_001.zip")
	if !ok || got.SHA256 != again.SHA256 || got.Size != again.Size {
		t.Errorf("Lookup(Data_001.zip) = %+v, %v", got, ok)
	}

	// The file is the stable, documented JSON a jq user reads.
	want := `{
  "format_version": 1,
  "backup_id": "4876876000001593003",
  "files": [
    {
      "name": "Data_001.zip",
      "kind": "data",
      "size": 21,
      "sha256": "` + sha256Hex([]byte("one, downloaded again")) + `",
      "link": "https://download-accl.zoho.com/v2/crm/757345985/backup/4876876000001593003/Data_001.zip",
      "downloaded_at": "2026-12-02T00:31:02Z",
      "link_expires_at": "2026-12-09T06:01:03Z"
    },`
	if raw := string(readFile(t, d.ManifestPath())); !strings.HasPrefix(raw, want) || !strings.HasSuffix(raw, "}\n") {
		t.Errorf("manifest.json =\n%s\nwant it to start with\n%s", raw, want)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"manifest.json"}) {
		t.Errorf("directory holds %v: a temporary file was left", names)
	}
}

// The link is the caller's, redacted by internal/zoho: it is stored as given.
func TestRecordStoresTheLinkAsGiven(t *testing.T) {
	d := openTestDir(t)
	e := testEntry("Data_001.zip", KindData, []byte("x"))
	e.Link = "https://download-accl.zoho.com/v2/crm/1/backup/2/Data_001.zip?REDACTED"
	e.LinkExpiresAt = time.Time{}
	if err := d.Record(e); err != nil {
		t.Fatal(err)
	}
	raw := string(readFile(t, d.ManifestPath()))
	if !strings.Contains(raw, `"link": "`+e.Link+`"`) {
		t.Errorf("manifest.json does not hold the link as given:\n%s", raw)
	}
	if strings.Contains(raw, "link_expires_at") {
		t.Errorf("an unknown expiry should be omitted:\n%s", raw)
	}
}

func TestRecordRefusesInvalidEntries(t *testing.T) {
	d := openTestDir(t)
	valid := testEntry("Data_001.zip", KindData, []byte("x"))
	cases := map[string]func(*ManifestFile){
		"name":       func(e *ManifestFile) { e.Name = "../x" },
		"kind":       func(e *ManifestFile) { e.Kind = "other" },
		"size":       func(e *ManifestFile) { e.Size = -1 },
		"sha256":     func(e *ManifestFile) { e.SHA256 = strings.ToUpper(e.SHA256) },
		"short hash": func(e *ManifestFile) { e.SHA256 = "abc" },
		"no time":    func(e *ManifestFile) { e.DownloadedAt = time.Time{} },
		"long link":  func(e *ManifestFile) { e.Link = "https://zoho.com/" + strings.Repeat("a", 5000) },
	}
	for what, mutate := range cases {
		e := valid
		mutate(&e)
		if err := d.Record(e); err == nil {
			t.Errorf("%s: Record accepted %+v", what, e)
		} else if !strings.Contains(err.Error(), d.ManifestPath()) {
			t.Errorf("%s: error %q does not name the manifest", what, err)
		}
	}
	if exists(t, d.ManifestPath()) {
		t.Error("a refused entry wrote the manifest")
	}
}

func TestReadManifestCorrupt(t *testing.T) {
	good := testEntry("Data_001.zip", KindData, []byte("x"))
	goodJSON, _ := json.Marshal(good)
	cases := map[string]string{
		"not JSON":      `{"format_version": 1, "backup_id": "4876876000001593003", "files": [`,
		"no version":    `{"backup_id": "4876876000001593003", "files": []}`,
		"newer version": `{"format_version": 2, "backup_id": "4876876000001593003", "files": []}`,
		"other backup":  `{"format_version": 1, "backup_id": "1", "files": []}`,
		"bad entry":     `{"format_version": 1, "backup_id": "4876876000001593003", "files": [{"name": "../x"}]}`,
		"duplicate":     `{"format_version": 1, "backup_id": "4876876000001593003", "files": [` + string(goodJSON) + `,` + string(goodJSON) + `]}`,
		"long link":     `{"format_version": 1, "backup_id": "4876876000001593003", "files": [` + strings.Replace(string(goodJSON), `"link":"`, `"link":"`+strings.Repeat("a", 5000), 1) + `]}`,
		"wrong type":    `[]`,
		"empty file":    ``,
	}
	for what, content := range cases {
		d := openTestDir(t)
		if err := os.WriteFile(d.ManifestPath(), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := d.ReadManifest()
		var mErr *ManifestError
		if !errors.As(err, &mErr) || mErr.Path != d.ManifestPath() {
			t.Errorf("%s: ReadManifest = %v, want a *ManifestError naming the file", what, err)
			continue
		}
		if !strings.Contains(err.Error(), "delete it to start over") {
			t.Errorf("%s: error %q does not say how to recover", what, err)
		}
		// Record and Completed refuse to go on from it, and leave it as is.
		if err := d.Record(good); !errors.As(err, &mErr) {
			t.Errorf("%s: Record = %v, want the *ManifestError", what, err)
		}
		if _, _, err := d.Completed(context.Background(), "Data_001.zip"); !errors.As(err, &mErr) {
			t.Errorf("%s: Completed = %v, want the *ManifestError", what, err)
		}
		if string(readFile(t, d.ManifestPath())) != content {
			t.Errorf("%s: the corrupt manifest was rewritten", what)
		}
	}
}

func TestReadManifestRefusesNonRegularAndHuge(t *testing.T) {
	d := openTestDir(t)
	if err := os.Mkdir(d.ManifestPath(), 0o700); err != nil {
		t.Fatal(err)
	}
	var mErr *ManifestError
	if _, err := d.ReadManifest(); !errors.As(err, &mErr) {
		t.Errorf("a directory as manifest: %v", err)
	}
	d2 := openTestDir(t)
	huge := `{"format_version": 1, "backup_id": "4876876000001593003", "files": [], "pad": "` + strings.Repeat("a", maxManifestBytes) + `"}`
	if err := os.WriteFile(d2.ManifestPath(), []byte(huge), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d2.ReadManifest(); !errors.As(err, &mErr) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a manifest over the bound: %v", err)
	}
}

// The manifest is replaced, never rewritten in place: a reader holding the
// old file keeps reading the old content, and no temporary file stays.
func TestRecordReplacesManifestAtomically(t *testing.T) {
	d := openTestDir(t)
	if err := d.Record(testEntry("Data_001.zip", KindData, []byte("1"))); err != nil {
		t.Fatal(err)
	}
	old, err := os.Open(d.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	oldInfo, _ := old.Stat()
	if err := d.Record(testEntry("Data_002.zip", KindData, []byte("2"))); err != nil {
		t.Fatal(err)
	}
	newInfo, err := os.Stat(d.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(oldInfo, newInfo) {
		t.Error("manifest.json was rewritten in place, not replaced by a rename")
	}
	var oldManifest Manifest
	if err := json.NewDecoder(old).Decode(&oldManifest); err != nil || len(oldManifest.Files) != 1 {
		t.Errorf("the old manifest as a reader holds it: %+v, %v", oldManifest, err)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"manifest.json"}) {
		t.Errorf("directory holds %v", names)
	}
}

func TestRecordFromManyGoroutinesKeepsEveryEntry(t *testing.T) {
	d := openTestDir(t)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			name := fmt.Sprintf("Data_%03d.zip", i)
			errs <- d.Record(testEntry(name, KindData, []byte(name)))
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	m, err := d.ReadManifest()
	if err != nil || len(m.Files) != n {
		t.Errorf("manifest lists %d files (%v), want %d", len(m.Files), err, n)
	}
}

func writeFile(t *testing.T, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCompleted(t *testing.T) {
	d := openTestDir(t)
	archive := testArchive(t)
	p := writePart(t, d, "Data_001.zip", archive)
	commitAndRecord(t, d, p, int64(len(archive)))
	path := filepath.Join(d.Path(), "Data_001.zip")
	ctx := context.Background()

	check := func(what string, wantListed, wantDone bool) {
		t.Helper()
		got, done, err := d.Completed(ctx, "Data_001.zip")
		if err != nil {
			t.Fatalf("%s: Completed = %v", what, err)
		}
		if done != wantDone || (got.Name == "Data_001.zip") != wantListed {
			t.Errorf("%s: Completed = %+v, %v; want listed %v, done %v", what, got, done, wantListed, wantDone)
		}
	}
	check("as committed", true, true)

	sameSizeOtherBytes := append([]byte{}, archive...)
	sameSizeOtherBytes[len(sameSizeOtherBytes)/2] ^= 1
	writeFile(t, path, sameSizeOtherBytes)
	check("same size, other hash", true, false)

	writeFile(t, path, archive[:len(archive)-1])
	check("other size", true, false)

	os.Remove(path)
	check("file missing", true, false)

	if err := os.Symlink(filepath.Join(t.TempDir(), "x"), path); err == nil {
		check("a symlink in its place", true, false)
		os.Remove(path)
	}

	writeFile(t, path, archive)
	check("restored", true, true)

	if _, done, err := d.Completed(ctx, "Data_002.zip"); err != nil || done {
		t.Errorf("an unlisted name: %v, %v", done, err)
	}
	var nameErr *NameError
	if _, _, err := d.Completed(ctx, "../Data_001.zip"); !errors.As(err, &nameErr) {
		t.Errorf("Completed(../Data_001.zip) = %v, want a *NameError", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := d.Completed(cancelled, "Data_001.zip"); !errors.Is(err, context.Canceled) {
		t.Errorf("Completed with a cancelled context = %v", err)
	}
}
