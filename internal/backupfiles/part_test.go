package backupfiles

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// PartFile is what the download in internal/zoho writes into; this is the
// shape the client asks for, declared here since this package must not
// import it.
var _ interface {
	io.Writer
	Size() int64
	Validator() string
	Reset(validator string) error
} = (*PartFile)(nil)

func TestPartFileHashesWhatItWrites(t *testing.T) {
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", []byte("hello "))
	if _, err := p.Write([]byte("world")); err != nil {
		t.Fatal(err)
	}
	if p.Size() != 11 || p.SHA256() != sha256Hex([]byte("hello world")) {
		t.Errorf("Size, SHA256 = %d, %s", p.Size(), p.SHA256())
	}
	if p.Name() != "Data_001.zip" || p.Path() != filepath.Join(d.Path(), "Data_001.zip.part") {
		t.Errorf("Name, Path = %q, %q", p.Name(), p.Path())
	}
	if got := readFile(t, p.Path()); string(got) != "hello world" {
		t.Errorf("file holds %q", got)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(p.Path())
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
		}
	}
}

// A download interrupted and resumed by a later invocation: the hash after
// the resume is the hash of the whole file, not of the bytes appended.
func TestPartFileResumeHashesWholeFile(t *testing.T) {
	d := openTestDir(t)
	first := bytes.Repeat([]byte("0123456789"), 10000)
	second := bytes.Repeat([]byte("abcdefghij"), 7777)
	p := writePart(t, d, "Data_001.zip", first)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := p.Write([]byte("x")); !errors.Is(err, ErrPartClosed) {
		t.Errorf("Write after Close = %v, want ErrPartClosed", err)
	}

	resumed, err := d.OpenPart(context.Background(), "Data_001.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if resumed.Size() != int64(len(first)) || resumed.SHA256() != sha256Hex(first) {
		t.Fatalf("after reopen: Size, SHA256 = %d, %s; want %d, %s", resumed.Size(), resumed.SHA256(), len(first), sha256Hex(first))
	}
	if _, err := resumed.Write(second); err != nil {
		t.Fatal(err)
	}
	whole := append(append([]byte{}, first...), second...)
	if resumed.Size() != int64(len(whole)) || resumed.SHA256() != sha256Hex(whole) {
		t.Errorf("after resume: Size, SHA256 = %d, %s; want %d, %s", resumed.Size(), resumed.SHA256(), len(whole), sha256Hex(whole))
	}
	if got := readFile(t, resumed.Path()); !bytes.Equal(got, whole) {
		t.Errorf("file holds %d bytes, not first+second", len(got))
	}
}

func TestPartFileTruncate(t *testing.T) {
	d := openTestDir(t)
	p := writePart(t, d, "Data_001.zip", []byte("a partial body the server did not resume"))
	if err := p.Reset(""); err != nil {
		t.Fatal(err)
	}
	if p.Size() != 0 || p.SHA256() != sha256Hex(nil) {
		t.Errorf("after Truncate: Size, SHA256 = %d, %s", p.Size(), p.SHA256())
	}
	if _, err := p.Write([]byte("whole")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, p.Path()); string(got) != "whole" || p.SHA256() != sha256Hex([]byte("whole")) {
		t.Errorf("after Truncate and Write: file %q, SHA256 %s", got, p.SHA256())
	}
	p.Close()
	if err := p.Reset(""); !errors.Is(err, ErrPartClosed) {
		t.Errorf("Truncate after Close = %v, want ErrPartClosed", err)
	}
}

func TestOpenPartRefusesNames(t *testing.T) {
	d := openTestDir(t)
	for _, name := range []string{"../Data_001.zip", "/etc/passwd", "a\\b", "..", "a\x00", "manifest.json", strings.Repeat("a", 256)} {
		var nameErr *NameError
		if p, err := d.OpenPart(context.Background(), name); !errors.As(err, &nameErr) {
			if p != nil {
				p.Close()
			}
			t.Errorf("OpenPart(%q) = %v, want a *NameError", name, err)
		}
	}
	if names := dirNames(t, d); len(names) != 0 {
		t.Errorf("refused names created %v", names)
	}
	if entries, _ := os.ReadDir(filepath.Dir(d.Path())); len(entries) != 1 {
		t.Errorf("refused names created files beside the backup directory: %v", entries)
	}
}

func TestOpenPartRefusesNonRegularPart(t *testing.T) {
	d := openTestDir(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(d.Path(), "Data_001.zip.part")); err != nil {
		t.Skipf("this file system cannot hold a symlink: %v", err)
	}
	if p, err := d.OpenPart(context.Background(), "Data_001.zip"); err == nil {
		p.Close()
		t.Fatal("OpenPart followed a symlinked .part")
	}
	if err := os.Mkdir(filepath.Join(d.Path(), "Data_002.zip.part"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenPart(context.Background(), "Data_002.zip"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("OpenPart on a directory = %v, want an error saying it is not a regular file", err)
	}
	if got := readFile(t, target); string(got) != "not yours" {
		t.Errorf("the symlink's target changed to %q", got)
	}
}

func TestOpenPartStopsHashingWhenCancelled(t *testing.T) {
	d := openTestDir(t)
	writePart(t, d, "Data_001.zip", bytes.Repeat([]byte{1}, 1<<20)).Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.OpenPart(ctx, "Data_001.zip"); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenPart with a cancelled context = %v, want context.Canceled", err)
	}
	if fi, err := os.Stat(filepath.Join(d.Path(), "Data_001.zip.part")); err != nil || fi.Size() != 1<<20 {
		t.Errorf("the .part must be kept as it was: %v, %v", fi, err)
	}
}
