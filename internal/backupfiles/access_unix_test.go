//go:build !windows

package backupfiles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// A .part others could write may hold anything, and they may hold it open:
// a new one takes its place. One they could only read is re-moded.
func TestOpenPartReplacesAPartOthersCanWrite(t *testing.T) {
	d := openTestDir(t)
	part := filepath.Join(d.Path(), "Data_001.zip.part")
	for _, c := range []struct {
		mode     os.FileMode
		replaced bool
	}{{0o666, true}, {0o620, true}, {0o602, true}, {0o644, false}, {0o640, false}, {0o604, false}, {0o600, false}, {0o400, false}} {
		if err := os.WriteFile(part, []byte("held"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sidecarPath(d, "Data_001.zip"), []byte(`"v"`), 0o600); err != nil {
			t.Fatal(err)
		}
		chmod(t, part, c.mode)
		other, err := os.OpenFile(part, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.OpenPart(context.Background(), "Data_001.zip")
		if err != nil {
			t.Fatalf("mode %04o: OpenPart = %v", c.mode, err)
		}
		if _, err := other.WriteAt([]byte("XXXX"), 0); err != nil { // through a handle opened before
			t.Fatal(err)
		}
		other.Close()
		got := string(readFile(t, part))
		switch {
		case modeOf(t, part)&0o077 != 0:
			t.Errorf("mode %04o: left at %04o, want 0600 at most", c.mode, modeOf(t, part))
		case c.replaced && (p.Size() != 0 || p.Validator() != "" || got != ""):
			t.Errorf("mode %04o: Size %d, Validator %q, file %q; want a new empty .part", c.mode, p.Size(), p.Validator(), got)
		case !c.replaced && (p.Size() != 4 || p.Validator() != `"v"`):
			t.Errorf("mode %04o: Size %d, Validator %q; want the bytes held and their validator", c.mode, p.Size(), p.Validator())
		}
		p.Close()
		if err := os.Remove(part); err != nil {
			t.Fatal(err)
		}
	}
}

// A .part hard-linked to a file elsewhere would be written through the link.
func TestOpenPartRefusesAHardLinkedPart(t *testing.T) {
	d := openTestDir(t)
	outside := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(outside, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(outside, filepath.Join(d.Path(), "Data_001.zip.part")); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	_, err := d.OpenPart(context.Background(), "Data_001.zip")
	if err == nil || !strings.Contains(err.Error(), "2 hard links") || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("OpenPart = %v, want a refusal of the hard link", err)
	}
	if string(readFile(t, outside)) != "precious" {
		t.Error("the file behind the link was changed")
	}
}

// A backup folder others can open is re-moded; one they could write is
// refused too, since its files may have been changed.
func TestOpenRemodesABackupDirOthersCanOpen(t *testing.T) {
	for _, c := range []struct {
		mode, want os.FileMode
		refused    bool
	}{{0o777, 0o750, true}, {0o770, 0o750, true}, {0o757, 0o750, true}, {0o755, 0o750, false}, {0o751, 0o750, false}, {0o705, 0o700, false}, {0o750, 0o750, false}, {0o700, 0o700, false}} {
		root := t.TempDir()
		dir := filepath.Join(root, testBackupID)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		chmod(t, dir, c.mode)
		d, err := Open(root, testBackupID)
		switch {
		case c.refused && (err == nil || !strings.Contains(err.Error(), "check its files") || !strings.Contains(err.Error(), dir)):
			t.Errorf("mode %04o: Open = %v, want a refusal naming the folder and the remedy", c.mode, err)
		case !c.refused && err != nil:
			t.Errorf("mode %04o: Open = %v", c.mode, err)
		case modeOf(t, dir) != c.want:
			t.Errorf("mode %04o: left at %04o, want %04o", c.mode, modeOf(t, dir), c.want)
		}
		if d != nil {
			d.Close()
		}
	}
}

// Whatever the umask and however the files were found, the backup and its
// manifest end at 0600 at most.
func TestCommittedFileAndManifestAreTheOwnersOnly(t *testing.T) {
	d := openTestDir(t)
	archive := buildZip(t, zipEntry{name: "a.csv", content: []byte("id\n1\n")})
	part := filepath.Join(d.Path(), "Data_001.zip.part")
	if err := os.WriteFile(part, archive, 0o600); err != nil {
		t.Fatal(err)
	}
	chmod(t, part, 0o644)
	p := reopen(t, d, "Data_001.zip")
	commitAndRecord(t, d, p, int64(len(archive)))
	file := filepath.Join(d.Path(), "Data_001.zip")
	for _, path := range []string{file, d.ManifestPath()} {
		if m := modeOf(t, path); m&0o077 != 0 {
			t.Errorf("%s: mode %04o, want 0600 at most", path, m)
		}
		chmod(t, path, 0o644) // as an older version may have left them
	}
	if _, same, err := d.Completed(context.Background(), "Data_001.zip"); err != nil || !same {
		t.Fatalf("Completed = %v, %v", same, err)
	}
	for _, path := range []string{file, d.ManifestPath()} {
		if m := modeOf(t, path); m != 0o600 {
			t.Errorf("%s: left at %04o after Completed, want 0600", path, m)
		}
	}
}
