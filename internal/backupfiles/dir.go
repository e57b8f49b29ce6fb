package backupfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Dir is the directory of one backup, <root>/<backup_id>. Its methods may be
// called from several goroutines; each PartFile is for one goroutine.
type Dir struct {
	backupID string
	path     string
	root     *os.Root
	// manifestMu serializes the manifest's read-modify-write in Record.
	manifestMu sync.Mutex
}

// Open checks backupID, creates root (0750) if it does not exist and the
// backup directory <root>/<backupID> (0750) in it, and opens that directory.
// backupID must be a plain name (ValidName); whether it is a Zoho backup id
// is the caller's to check (zoho.ValidateBackupID). It refuses a
// <root>/<backupID> that is a symlink or not a directory. On unix one that
// group or others can open is re-moded to 0750 at most, and refused if they
// could write it. Close the Dir when done.
func Open(root, backupID string) (*Dir, error) {
	if err := ValidName(backupID); err != nil {
		return nil, fmt.Errorf("backup directory: backup id refused: %w", err)
	}
	if root == "" {
		return nil, errors.New("backup directory: the directory is empty; name the directory that receives the backup files")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("backup directory: create %s: %w", root, err)
	}
	parent, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("backup directory: open %s: %w", root, err)
	}
	defer parent.Close()
	path := filepath.Join(root, backupID)
	dir, err := openBackupDir(parent, backupID, path)
	if err != nil {
		return nil, err
	}
	return &Dir{backupID: backupID, path: path, root: dir}, nil
}

// openBackupDir creates <parent>/<id> unless it exists, refuses a symlink or
// a non-directory there, and opens it as a Root. The directory opened is
// checked to be the one inspected, so a symlink swapped in between is caught.
func openBackupDir(parent *os.Root, id, path string) (*os.Root, error) {
	if err := parent.Mkdir(id, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("backup directory: create %s: %w", path, err)
	}
	before, err := parent.Lstat(id)
	if err != nil {
		return nil, fmt.Errorf("backup directory: inspect %s: %w", path, err)
	}
	if err := requireRealDir(before, path); err != nil {
		return nil, err
	}
	dir, err := parent.OpenRoot(id)
	if err != nil {
		return nil, fmt.Errorf("backup directory: open %s: %w", path, err)
	}
	after, err := dir.Stat(".")
	if err != nil || !os.SameFile(before, after) {
		dir.Close()
		return nil, fmt.Errorf("backup directory: %s changed while it was being opened (%v); invoke again", path, err)
	}
	if err := checkDirAccess(dir, after, path); err != nil {
		dir.Close()
		return nil, err
	}
	return dir, nil
}

func requireRealDir(fi fs.FileInfo, path string) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("backup directory: %s is a symlink; the provider writes backups only into a real directory, so remove the link or choose another directory", path)
	case !fi.IsDir():
		return fmt.Errorf("backup directory: %s exists and is not a directory; remove it or choose another directory", path)
	}
	return nil
}

// Path is <root>/<backup_id>.
func (d *Dir) Path() string { return d.path }

// BackupID is the backup id the directory is named after.
func (d *Dir) BackupID() string { return d.backupID }

// ManifestPath is the path of manifest.json.
func (d *Dir) ManifestPath() string { return d.pathOf(ManifestName) }

// Close releases the directory. PartFiles opened from it stay usable until
// closed, but Commit, Record and Completed fail after Close.
func (d *Dir) Close() error {
	return d.root.Close()
}

func (d *Dir) pathOf(name string) string {
	return filepath.Join(d.path, name)
}

// syncDir makes the directory's entries (a rename) durable.
func (d *Dir) syncDir() error {
	if err := syncDirectory(d.root); err != nil {
		return fmt.Errorf("sync directory %s: %w", d.path, err)
	}
	return nil
}
