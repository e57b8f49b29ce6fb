package backupfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testArchive is a two-entry ZIP, one entry stored (so a flipped byte in it
// reaches the CRC check unchanged) and one deflated.
func testArchive(t testing.TB) []byte {
	t.Helper()
	random := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	return buildZip(t,
		zipEntry{name: "Leads.csv", method: zip.Store, content: random},
		zipEntry{name: "Contacts.csv", method: zip.Deflate, content: bytes.Repeat([]byte("id,name\n1,Ada\n"), 5000)},
	)
}

func TestCommitVerifiedZip(t *testing.T) {
	d := openTestDir(t)
	archive := testArchive(t)
	p := writePart(t, d, "Data_001.zip", archive)
	before := time.Now().UTC().Truncate(time.Second)
	entry, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))})
	if err != nil {
		t.Fatal(err)
	}
	if entry.Name != "Data_001.zip" || entry.Size != int64(len(archive)) || entry.SHA256 != sha256Hex(archive) {
		t.Errorf("entry = %+v", entry)
	}
	if entry.DownloadedAt.Before(before) || entry.DownloadedAt.After(time.Now()) || entry.DownloadedAt.Location() != time.UTC {
		t.Errorf("DownloadedAt = %v, want now in UTC", entry.DownloadedAt)
	}
	if got := readFile(t, filepath.Join(d.Path(), "Data_001.zip")); !bytes.Equal(got, archive) {
		t.Error("the committed file is not the archive")
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"Data_001.zip"}) {
		t.Errorf("directory holds %v, want only the committed file", names)
	}
	if _, err := p.Write([]byte("x")); !errors.Is(err, ErrPartClosed) {
		t.Errorf("Write after Commit = %v, want ErrPartClosed", err)
	}
	if _, err := d.Commit(context.Background(), p, CommitOptions{ExpectedSize: -1}); !errors.Is(err, ErrPartClosed) {
		t.Errorf("second Commit = %v, want ErrPartClosed", err)
	}
}

func TestCommitWithoutVerifyAcceptsAnyBytes(t *testing.T) {
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", []byte("not a zip"))
	if _, err := d.Commit(context.Background(), p, CommitOptions{ExpectedSize: -1}); err != nil {
		t.Fatalf("Commit without verify and unknown size = %v", err)
	}
	if !exists(t, filepath.Join(d.Path(), "Data_001.zip")) {
		t.Error("not renamed into place")
	}
}

func TestCommitNotAZip(t *testing.T) {
	d := openTestDir(t)
	body := []byte("<html>Service unavailable</html>")
	p := writePart(t, d, "Data_001.zip", body)
	_, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: int64(len(body))})
	var notZip *NotZipError
	if !errors.As(err, &notZip) {
		t.Fatalf("Commit = %v, want a *NotZipError", err)
	}
	partPath := filepath.Join(d.Path(), "Data_001.zip.part")
	corruptPath := filepath.Join(d.Path(), "Data_001.zip.corrupt")
	for _, want := range []string{partPath, "verify = false", "not a ZIP archive this provider can check", corruptPath} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if notZip.Path != partPath || notZip.MovedTo != corruptPath || !errors.Is(err, zip.ErrFormat) {
		t.Errorf("NotZipError = %+v", notZip)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"Data_001.zip.corrupt"}) {
		t.Errorf("directory holds %v, want only the .corrupt file", names)
	}
}

func TestCommitCRCMismatchNamesTheEntry(t *testing.T) {
	d := openTestDir(t)
	archive := testArchive(t)
	archive[dataOffset(t, archive, "Leads.csv")+1000] ^= 0x01
	p := writePart(t, d, "Data_001.zip", archive)
	_, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))})
	var entryErr *EntryError
	if !errors.As(err, &entryErr) {
		t.Fatalf("Commit = %v, want an *EntryError", err)
	}
	if entryErr.Entry != "Leads.csv" || !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("EntryError = %+v, want entry Leads.csv and zip.ErrChecksum", entryErr)
	}
	for _, want := range []string{`"Leads.csv"`, "Data_001.zip.part", "verify = false", "Data_001.zip.corrupt"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if exists(t, filepath.Join(d.Path(), "Data_001.zip")) || exists(t, filepath.Join(d.Path(), "Data_001.zip.part")) {
		t.Error("a corrupt file was renamed into place or kept for resuming")
	}
}

func TestCommitDamagedDeflateEntry(t *testing.T) {
	d := openTestDir(t)
	archive := testArchive(t)
	off := dataOffset(t, archive, "Contacts.csv")
	for i := off + 10; i < off+40; i++ {
		archive[i] ^= 0xff
	}
	p := writePart(t, d, "Data_001.zip", archive)
	_, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: -1})
	var entryErr *EntryError
	if !errors.As(err, &entryErr) || entryErr.Entry != "Contacts.csv" {
		t.Fatalf("Commit = %v, want an *EntryError naming Contacts.csv", err)
	}
}

// archive/zip takes a header CRC-32 of 0 as "none"; verification must
// still catch content whose CRC-32 is not 0.
func TestCommitZeroCRCInHeader(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	content := []byte("payload whose CRC-32 is not zero")
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "Leads.csv", Method: zip.Store, CRC32: 0, CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", buf.Bytes())
	_, err = d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: -1})
	var entryErr *EntryError
	if !errors.As(err, &entryErr) || !errors.Is(err, errCRCMissing) {
		t.Fatalf("Commit = %v, want an *EntryError for the missing CRC-32", err)
	}
}

func TestCommitEmptyEntriesAndEmptyArchive(t *testing.T) {
	d := openTestDir(t)
	for i, archive := range [][]byte{
		buildZip(t),
		buildZip(t, zipEntry{name: "dir/", method: zip.Store}, zipEntry{name: "empty.csv", method: zip.Deflate}),
	} {
		name := []string{"a.zip", "b.zip"}[i]
		p := writePart(t, d, name, archive)
		if _, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))}); err != nil {
			t.Errorf("%s: Commit = %v", name, err)
		}
	}
}

func TestCommitShortFileIsKeptForResume(t *testing.T) {
	d := openTestDir(t)
	archive := testArchive(t)
	p := writePart(t, d, "Data_001.zip", archive[:1000])
	_, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))})
	var sizeErr *SizeError
	if !errors.As(err, &sizeErr) || sizeErr.Got != 1000 || sizeErr.Want != int64(len(archive)) || sizeErr.MovedTo != "" {
		t.Fatalf("Commit = %v (%+v), want a *SizeError keeping the file", err, sizeErr)
	}
	if !strings.Contains(err.Error(), "resumes") || !strings.Contains(err.Error(), p.Path()) {
		t.Errorf("error %q should name the file and say invoking again resumes", err)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"Data_001.zip.part"}) {
		t.Errorf("directory holds %v, want the .part only", names)
	}
	// The next invocation resumes it and commits it.
	resumed, err := d.OpenPart(context.Background(), "Data_001.zip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Write(archive[1000:]); err != nil {
		t.Fatal(err)
	}
	entry, err := d.Commit(context.Background(), resumed, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))})
	if err != nil || entry.SHA256 != sha256Hex(archive) {
		t.Fatalf("Commit after resume = %+v, %v", entry, err)
	}
}

func TestCommitLongFileIsMovedAside(t *testing.T) {
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", []byte("0123456789"))
	_, err := d.Commit(context.Background(), p, CommitOptions{ExpectedSize: 4})
	var sizeErr *SizeError
	if !errors.As(err, &sizeErr) || sizeErr.MovedTo != filepath.Join(d.Path(), "Data_001.zip.corrupt") {
		t.Fatalf("Commit = %v, want a *SizeError that moved the file aside", err)
	}
	if !strings.Contains(err.Error(), "more than the 4") {
		t.Errorf("error %q", err)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"Data_001.zip.corrupt"}) {
		t.Errorf("directory holds %v", names)
	}
}

func TestCommitRefusesBadExpectedSize(t *testing.T) {
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", []byte("x"))
	if _, err := d.Commit(context.Background(), p, CommitOptions{ExpectedSize: -2}); err == nil || !strings.Contains(err.Error(), "not a size") {
		t.Errorf("Commit with ExpectedSize -2 = %v", err)
	}
	if !exists(t, p.Path()) {
		t.Error("the .part must be kept when the caller passed a bad size")
	}
}

func TestCommitNoticesAFileChangedBehindItsBack(t *testing.T) {
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", []byte("abc"))
	if err := os.WriteFile(p.Path(), []byte("abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Commit(context.Background(), p, CommitOptions{ExpectedSize: -1}); err == nil || !strings.Contains(err.Error(), "something else changed it") {
		t.Errorf("Commit = %v", err)
	}
}

func TestCommitCancelledVerifyKeepsPart(t *testing.T) {
	d := openTestDir(t)
	archive := testArchive(t)
	p := writePart(t, d, "Data_001.zip", archive)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.Commit(ctx, p, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit = %v, want context.Canceled", err)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"Data_001.zip.part"}) {
		t.Errorf("directory holds %v, want the .part kept", names)
	}
}

func TestCommitRemovesEarlierCorruptFile(t *testing.T) {
	d := openTestDir(t)
	bad := writePart(t, d, "Data_001.zip", []byte("garbage"))
	if _, err := d.Commit(context.Background(), bad, CommitOptions{Verify: true, ExpectedSize: -1}); err == nil {
		t.Fatal("garbage verified")
	}
	archive := testArchive(t)
	good := writePart(t, d, "Data_001.zip", archive)
	if good.Size() != int64(len(archive)) {
		t.Fatalf("the new download resumed %d bytes of the corrupt one", good.Size()-int64(len(archive)))
	}
	if _, err := d.Commit(context.Background(), good, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))}); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, d); !slices.Equal(names, []string{"Data_001.zip"}) {
		t.Errorf("directory holds %v, want the .corrupt gone", names)
	}
}

func TestCommitRefusesForeignPartFile(t *testing.T) {
	d1, d2 := openTestDir(t), openTestDir(t)
	p := writePart(t, d1, "Data_001.zip", []byte("x"))
	if _, err := d2.Commit(context.Background(), p, CommitOptions{ExpectedSize: -1}); err == nil {
		t.Error("Commit accepted a part file of another directory")
	}
	if _, err := d2.Commit(context.Background(), nil, CommitOptions{ExpectedSize: -1}); err == nil {
		t.Error("Commit accepted nil")
	}
}

// Entries are checked on parallel workers; the one that fails is named
// whichever worker meets it, and the others stop.
func TestCommitCRCMismatchAmongManyEntries(t *testing.T) {
	var entries []zipEntry
	for i := range 12 {
		entries = append(entries, zipEntry{name: fmt.Sprintf("Module_%02d.csv", i), method: zip.Store, content: bytes.Repeat([]byte{byte(i + 1)}, 50_000)})
	}
	archive := buildZip(t, entries...)
	archive[dataOffset(t, archive, "Module_07.csv")+49_999] ^= 0x80
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", archive)
	_, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))})
	var entryErr *EntryError
	if !errors.As(err, &entryErr) || entryErr.Entry != "Module_07.csv" || !errors.Is(err, zip.ErrChecksum) {
		t.Fatalf("Commit = %v, want an *EntryError naming Module_07.csv", err)
	}
}

// A .part found with the full size (a 416 answered the resume) gets the
// same checks as one just written: its hash covers what is on disk, and
// with Verify a zero-filled one is refused and moved aside.
func TestCommitOfAPartFoundComplete(t *testing.T) {
	archive := buildZip(t, zipEntry{name: "Accounts.csv", method: zip.Deflate, content: bytes.Repeat([]byte("id,name\n"), 5000)})
	for _, c := range []struct {
		content []byte
		verify  bool
		refused bool
	}{
		{archive, true, false},
		{make([]byte, len(archive)), true, true},
		{make([]byte, len(archive)), false, false},
	} {
		d := openTestDir(t)
		part := filepath.Join(d.Path(), "Data_001.zip.part")
		if err := os.WriteFile(part, c.content, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := d.OpenPart(context.Background(), "Data_001.zip")
		if err != nil {
			t.Fatal(err)
		}
		entry, err := d.Commit(context.Background(), p, CommitOptions{Verify: c.verify, ExpectedSize: int64(len(archive))})
		var notZip *NotZipError
		switch {
		case c.refused && (!errors.As(err, &notZip) || !exists(t, part[:len(part)-len(PartSuffix)]+CorruptSuffix)):
			t.Errorf("verify %v: Commit = %v, want a *NotZipError and the .part moved aside", c.verify, err)
		case !c.refused && err != nil:
			t.Errorf("verify %v: Commit = %v", c.verify, err)
		case !c.refused && (entry.SHA256 != sha256Hex(c.content) || entry.Size != int64(len(c.content))):
			t.Errorf("verify %v: entry %+v, want the hash and size of the bytes found", c.verify, entry)
		}
	}
}
