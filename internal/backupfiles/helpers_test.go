package backupfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
)

const testBackupID = "4876876000001593003"

type zipEntry struct {
	name    string
	method  uint16
	content []byte
}

// buildZip returns a ZIP archive of entries, written by archive/zip.
func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dataOffset is where entry name's (stored) data starts in archive.
func dataOffset(t testing.TB, archive []byte, name string) int64 {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return off
		}
	}
	t.Fatalf("no entry %q", name)
	return 0
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// openTestDir opens the test backup's directory under a fresh root.
func openTestDir(t testing.TB) *Dir {
	t.Helper()
	d, err := Open(t.TempDir(), testBackupID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// writePart opens name.part, appends content and returns the open PartFile.
func writePart(t testing.TB, d *Dir, name string, content []byte) *PartFile {
	t.Helper()
	p, err := d.OpenPart(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if n, err := p.Write(content); err != nil || n != len(content) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(content))
	}
	return p
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exists(t testing.TB, path string) bool {
	t.Helper()
	_, err := os.Lstat(path)
	if err == nil {
		return true
	}
	if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return false
}

// dirNames lists the backup directory.
func dirNames(t testing.TB, d *Dir) []string {
	t.Helper()
	entries, err := os.ReadDir(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// commitAndRecord commits p with verify on and lists it in the manifest as
// a data file.
func commitAndRecord(t testing.TB, d *Dir, p *PartFile, size int64) {
	t.Helper()
	entry, err := d.Commit(context.Background(), p, CommitOptions{Verify: true, ExpectedSize: size})
	if err != nil {
		t.Fatal(err)
	}
	entry.Kind = KindData
	if err := d.Record(entry); err != nil {
		t.Fatal(err)
	}
}
