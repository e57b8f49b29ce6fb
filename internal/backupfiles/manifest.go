package backupfiles

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// ManifestFormatVersion is the manifest format this package writes and reads.
const ManifestFormatVersion = 1

// Bounds on what the manifest holds, so that a damaged or hostile file
// cannot make a read take unbounded memory.
const (
	maxManifestBytes = 16 << 20
	maxLinkBytes     = 4096
)

// Kind says whether a file holds CRM records or attachments.
type Kind string

// The kinds of backup file Zoho reports (data_links and attachment_links).
const (
	KindData       Kind = "data"
	KindAttachment Kind = "attachment"
)

// Manifest is manifest.json: what is complete in the backup directory.
type Manifest struct {
	FormatVersion int    `json:"format_version"`
	BackupID      string `json:"backup_id"`
	// Files is sorted: data files first, then attachments, each by name.
	Files []ManifestFile `json:"files"`
}

// ManifestFile is one complete file.
type ManifestFile struct {
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Link is where the file was downloaded from, as the caller gave it:
	// redacted by internal/zoho, so that no credential is kept.
	Link string `json:"link,omitempty"`
	// DownloadedAt and LinkExpiresAt are stored in UTC, to the second
	// (RFC 3339). LinkExpiresAt is omitted when unknown.
	DownloadedAt  time.Time `json:"downloaded_at"`
	LinkExpiresAt time.Time `json:"link_expires_at,omitzero"`
}

// Lookup returns the entry for name.
func (m Manifest) Lookup(name string) (ManifestFile, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return ManifestFile{}, false
}

// ManifestError is a manifest.json that cannot be read or is not one this
// package wrote.
type ManifestError struct {
	Path string
	Err  error
}

func (e *ManifestError) Error() string {
	return fmt.Sprintf("manifest %s is unreadable: %v; delete it to start over (the files it listed are then downloaded again)", e.Path, e.Err)
}

func (e *ManifestError) Unwrap() error { return e.Err }

// ReadManifest reads manifest.json. A missing manifest is an empty one; a
// manifest that is not valid JSON, is of another format version or backup,
// or lists an invalid entry is a *ManifestError.
func (d *Dir) ReadManifest() (Manifest, error) {
	d.manifestMu.Lock()
	defer d.manifestMu.Unlock()
	return d.readManifest()
}

func (d *Dir) readManifest() (Manifest, error) {
	empty := Manifest{FormatVersion: ManifestFormatVersion, BackupID: d.backupID}
	data, err := d.readManifestBytes()
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil
	}
	if err != nil {
		return Manifest{}, &ManifestError{Path: d.ManifestPath(), Err: err}
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, &ManifestError{Path: d.ManifestPath(), Err: err}
	}
	if err := m.check(d.backupID); err != nil {
		return Manifest{}, &ManifestError{Path: d.ManifestPath(), Err: err}
	}
	return m, nil
}

func (d *Dir) readManifestBytes() ([]byte, error) {
	fi, err := d.root.Lstat(ManifestName)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("it is not a regular file (%s)", fi.Mode().Type())
	}
	f, err := d.root.Open(ManifestName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := restrictFile(f, fi, d.ManifestPath()); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("it is larger than %d bytes", maxManifestBytes)
	}
	return data, nil
}

func (m *Manifest) check(backupID string) error {
	switch {
	case m.FormatVersion > ManifestFormatVersion:
		return fmt.Errorf("format_version %d is newer than this provider's %d", m.FormatVersion, ManifestFormatVersion)
	case m.FormatVersion != ManifestFormatVersion:
		return fmt.Errorf("format_version %d is not %d", m.FormatVersion, ManifestFormatVersion)
	case m.BackupID != backupID:
		return fmt.Errorf("backup_id %q is not this directory's %q", truncateForMessage(m.BackupID), backupID)
	}
	seen := make(map[string]bool, len(m.Files))
	for i, f := range m.Files {
		if err := f.check(); err != nil {
			return fmt.Errorf("files[%d]: %w", i, err)
		}
		if seen[f.Name] {
			return fmt.Errorf("files[%d]: %q is listed twice", i, f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// check validates an entry's fields; the link is the caller's (already
// redacted) and only bounded in length.
func (f *ManifestFile) check() error {
	if err := ValidName(f.Name); err != nil {
		return err
	}
	switch {
	case f.Kind != KindData && f.Kind != KindAttachment:
		return fmt.Errorf("%s: kind %q is neither %q nor %q", f.Name, truncateForMessage(string(f.Kind)), KindData, KindAttachment)
	case f.Size < 0:
		return fmt.Errorf("%s: size %d is negative", f.Name, f.Size)
	case !isSHA256Hex(f.SHA256):
		return fmt.Errorf("%s: sha256 %q is not 64 lowercase hex digits", f.Name, truncateForMessage(f.SHA256))
	case f.DownloadedAt.IsZero():
		return fmt.Errorf("%s: downloaded_at is missing", f.Name)
	case len(f.Link) > maxLinkBytes:
		return fmt.Errorf("%s: link is %d bytes long, over the limit of %d", f.Name, len(f.Link), maxLinkBytes)
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

// Record adds f to the manifest, or replaces the entry of the same name,
// and rewrites manifest.json atomically. It stores f.Link as given (pass
// zoho's DownloadLink.RedactedURL) and the times in UTC to the second; it
// refuses an entry with an invalid name, kind, size or hash, a link over
// 4096 bytes, or no DownloadedAt.
func (d *Dir) Record(f ManifestFile) error {
	f.DownloadedAt = f.DownloadedAt.UTC().Truncate(time.Second)
	f.LinkExpiresAt = f.LinkExpiresAt.UTC().Truncate(time.Second)
	if err := f.check(); err != nil {
		return fmt.Errorf("record in %s: %w", d.ManifestPath(), err)
	}
	d.manifestMu.Lock()
	defer d.manifestMu.Unlock()
	m, err := d.readManifest()
	if err != nil {
		return err
	}
	m.Files = slices.DeleteFunc(m.Files, func(e ManifestFile) bool { return e.Name == f.Name })
	m.Files = append(m.Files, f)
	sortFiles(m.Files)
	return d.writeManifest(m)
}

func sortFiles(files []ManifestFile) {
	kindRank := func(k Kind) int {
		if k == KindData {
			return 0
		}
		return 1
	}
	slices.SortFunc(files, func(a, b ManifestFile) int {
		if r := kindRank(a.Kind) - kindRank(b.Kind); r != 0 {
			return r
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// writeManifest writes m to a temporary file, syncs it and renames it over
// manifest.json, then syncs the directory: a reader sees the old manifest or
// the new one, never a mix, even after a crash.
func (d *Dir) writeManifest(m Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", d.ManifestPath(), err)
	}
	data = append(data, '\n')
	tmp, err := d.writeTemp(".manifest-", data)
	if err != nil {
		return fmt.Errorf("write %s: %w", d.ManifestPath(), err)
	}
	if err := d.root.Rename(tmp, ManifestName); err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("rename %s to %s: %w", d.pathOf(tmp), d.ManifestPath(), err)
	}
	return d.syncDir()
}

// writeTemp writes data to a new hidden file (0600) named prefix, a random
// text and ".tmp", and syncs it; on failure the file is removed. ValidName
// refuses names with a leading dot, so it cannot be a backup file's.
func (d *Dir) writeTemp(prefix string, data []byte) (string, error) {
	name := prefix + rand.Text() + ".tmp"
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = d.root.Remove(name)
		return "", err
	}
	return name, nil
}

// Completed reports whether name is already downloaded: the manifest lists
// it and the file on disk is a regular file of the listed size whose
// SHA-256, computed again now, is the listed one. It returns the listed
// entry whenever the manifest lists name, so a caller can say what changed.
// A missing file or one that differs is (entry, false, nil); a corrupt
// manifest or a failed read is an error. Hashing stops when ctx is
// cancelled. On unix a file or manifest group or others can open is
// re-moded to 0600.
func (d *Dir) Completed(ctx context.Context, name string) (ManifestFile, bool, error) {
	if err := ValidName(name); err != nil {
		return ManifestFile{}, false, err
	}
	m, err := d.ReadManifest()
	if err != nil {
		return ManifestFile{}, false, err
	}
	entry, listed := m.Lookup(name)
	if !listed {
		return ManifestFile{}, false, nil
	}
	same, err := d.sameContent(ctx, name, entry.Size, entry.SHA256)
	return entry, same, err
}

func (d *Dir) sameContent(ctx context.Context, name string, size int64, sum string) (bool, error) {
	fi, err := d.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect %s: %w", d.pathOf(name), err)
	}
	if !fi.Mode().IsRegular() || fi.Size() != size {
		return false, nil
	}
	f, err := d.root.Open(name)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", d.pathOf(name), err)
	}
	defer f.Close()
	if err := restrictFile(f, fi, d.pathOf(name)); err != nil {
		return false, err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, &ctxReader{ctx: ctx, r: f}, make([]byte, verifyBufferSize))
	if err != nil {
		return false, fmt.Errorf("hash %s: %w", d.pathOf(name), err)
	}
	return n == size && hex.EncodeToString(h.Sum(nil)) == sum, nil
}
