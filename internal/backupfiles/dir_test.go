package backupfiles

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestOpenCreatesRootAndBackupDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "backups", "nightly")
	d, err := Open(root, testBackupID)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := filepath.Join(root, testBackupID)
	if d.Path() != want || d.BackupID() != testBackupID || d.ManifestPath() != filepath.Join(want, "manifest.json") {
		t.Errorf("Path, BackupID, ManifestPath = %q, %q, %q", d.Path(), d.BackupID(), d.ManifestPath())
	}
	fi, err := os.Lstat(want)
	if err != nil || !fi.IsDir() {
		t.Fatalf("backup directory: %v, %v", fi, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o027 != 0 {
		t.Errorf("backup directory mode %v, want no group write and nothing for others", fi.Mode().Perm())
	}
	// Opening again reuses the directory.
	again, err := Open(root, testBackupID)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	again.Close()
}

func TestOpenRefusesBackupIDs(t *testing.T) {
	root := t.TempDir()
	for _, id := range []string{"", ".", "..", "../1", "1/2", `1\2`, ".1", "12\n", "1:2", "1\u202e2", strings.Repeat("9", 300)} {
		if d, err := Open(root, id); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded, want a refusal", id)
		} else if !strings.Contains(err.Error(), "backup id") {
			t.Errorf("Open(%q) = %v, want it to name the backup id", id, err)
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 0 {
		t.Errorf("refused ids created %v (%v)", entries, err)
	}
	if d, err := Open(root, strings.Repeat("9", 19)); err != nil {
		t.Errorf("19 digits refused: %v", err)
	} else {
		d.Close()
	}
}

func TestOpenRefusesEmptyRoot(t *testing.T) {
	if _, err := Open("", testBackupID); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Open(\"\") = %v, want an error saying the directory is empty", err)
	}
}

func TestOpenRefusesSymlinkedBackupDir(t *testing.T) {
	root := t.TempDir()
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(root, testBackupID)); err != nil {
		t.Skipf("this file system cannot hold a symlink: %v", err)
	}
	d, err := Open(root, testBackupID)
	if err == nil {
		d.Close()
		t.Fatal("Open followed a symlinked backup directory")
	}
	if !strings.Contains(err.Error(), "symlink") || !strings.Contains(err.Error(), filepath.Join(root, testBackupID)) {
		t.Errorf("error %q should name the path and say it is a symlink", err)
	}
}

func TestOpenRefusesFileInPlaceOfBackupDir(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, testBackupID), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, testBackupID); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open = %v, want an error saying it is not a directory", err)
	}
}

func TestOpenRootThatIsAFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(root, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, testBackupID); err == nil || !strings.Contains(err.Error(), root) {
		t.Errorf("Open = %v, want an error naming %s", err, root)
	}
}
