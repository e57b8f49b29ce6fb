package backupfiles

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CommitOptions says what Commit checks before it renames a .part into place.
type CommitOptions struct {
	// Verify checks the file is a ZIP archive within verify's bounds and
	// inflates every entry to check its size and CRC-32.
	Verify bool
	// ExpectedSize is the file's full size (from Content-Length or
	// Content-Range), or -1 when it is unknown.
	ExpectedSize int64
}

// SizeError is a .part whose size is not the size the server announced.
// A shorter one is kept, to be resumed; a longer one can never become the
// right file and is moved to MovedTo.
type SizeError struct {
	Path      string
	Want, Got int64
	// MovedTo is the .corrupt path the file was moved to, or "" if kept.
	MovedTo string
}

func (e *SizeError) Error() string {
	if e.Got < e.Want {
		return fmt.Sprintf("%s holds %d of the %d bytes the server announced; it is kept, and invoking again resumes the download", e.Path, e.Got, e.Want)
	}
	return fmt.Sprintf("%s holds %d bytes, more than the %d the server announced%s; invoking again downloads the file afresh", e.Path, e.Got, e.Want, movedNote(e.MovedTo))
}

// NotZipError is a downloaded file that is not a ZIP archive, or one
// outside verify's bounds (entries, inflated size, overlapping entries).
type NotZipError struct {
	Path string
	Err  error
	// MovedTo is the .corrupt path the file was moved to, or "" if that failed.
	MovedTo string
}

func (e *NotZipError) Error() string {
	return fmt.Sprintf("%s is not a ZIP archive this provider can check: %v%s; invoking again downloads it afresh, and verify = false skips this check", e.Path, e.Err, movedNote(e.MovedTo))
}

func (e *NotZipError) Unwrap() error { return e.Err }

// EntryError is a ZIP entry that cannot be read back or fails its CRC-32
// (Err is then zip.ErrChecksum).
type EntryError struct {
	Path string
	// Entry is the entry's name in the archive, at most 300 bytes of it.
	Entry string
	Err   error
	// MovedTo is the .corrupt path the file was moved to, or "" if that failed.
	MovedTo string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("%s: ZIP entry %q is damaged: %v%s; invoking again downloads it afresh, and verify = false skips this check", e.Path, e.Entry, e.Err, movedNote(e.MovedTo))
}

func (e *EntryError) Unwrap() error { return e.Err }

func movedNote(movedTo string) string {
	if movedTo == "" {
		return ""
	}
	return "; it was moved to " + movedTo + " for inspection"
}

// Commit checks p, syncs it and renames <name>.part to <name>, then syncs
// the directory; it closes p whatever the outcome (unless p is not this
// Dir's or is already closed). It returns the manifest entry with Name,
// Size, SHA256 and DownloadedAt set, for the caller to complete and Record.
// The checks are the same for a .part found complete as for one just
// written: the size equals opts.ExpectedSize (unless -1); with opts.Verify,
// the file is a ZIP within verify's bounds whose every entry inflates to
// its declared size and CRC-32. A short file stays for a resume (a
// *SizeError); a longer one or one failing verification (*NotZipError,
// *EntryError) is moved to <name>.corrupt. A cancelled ctx keeps the .part.
func (d *Dir) Commit(ctx context.Context, p *PartFile, opts CommitOptions) (ManifestFile, error) {
	if p == nil || p.dir != d {
		return ManifestFile{}, errors.New("commit: the part file does not belong to this backup directory")
	}
	if p.f == nil {
		return ManifestFile{}, fmt.Errorf("commit %s: %w", p.Path(), ErrPartClosed)
	}
	if err := d.checkPart(ctx, p, opts); err != nil {
		return ManifestFile{}, err
	}
	entry := ManifestFile{Name: p.name, Size: p.size, SHA256: p.SHA256(), DownloadedAt: time.Now().UTC().Truncate(time.Second)}
	if err := p.Close(); err != nil {
		return ManifestFile{}, err
	}
	if err := d.root.Rename(p.name+PartSuffix, p.name); err != nil {
		return ManifestFile{}, fmt.Errorf("rename %s to %s: %w", p.Path(), d.pathOf(p.name), err)
	}
	if err := d.syncDir(); err != nil {
		return ManifestFile{}, err
	}
	// A .corrupt left by an earlier attempt has served its purpose, and so
	// has the validator. Failing to remove them does not undo the commit (a
	// later OpenPart of a new .part drops a stale validator), so the error
	// is not reported.
	_ = d.root.Remove(p.name + CorruptSuffix)
	_ = d.removeValidator(p.name)
	return entry, nil
}

// checkPart runs Commit's checks; on failure it closes p, and moves it
// aside when it can never become the right file.
func (d *Dir) checkPart(ctx context.Context, p *PartFile, opts CommitOptions) error {
	err := d.checkSize(p, opts.ExpectedSize)
	if err == nil {
		err = p.sync()
	}
	if err == nil && opts.Verify {
		err = verifyZip(ctx, p.f, p.size, p.Path())
	}
	if err == nil {
		return nil
	}
	p.Close()
	if mustDiscard(err) {
		d.moveAside(p, err)
	}
	return err
}

// checkSize compares the size the file has on disk, the size written
// through p and the size expected.
func (d *Dir) checkSize(p *PartFile, expected int64) error {
	if expected < -1 {
		return fmt.Errorf("commit %s: expected size %d is not a size (use -1 when it is unknown)", p.Path(), expected)
	}
	st, err := p.f.Stat()
	if err != nil {
		return fmt.Errorf("commit %s: %w", p.Path(), err)
	}
	if st.Size() != p.size {
		return fmt.Errorf("commit %s: it holds %d bytes on disk but %d were written through it; something else changed it, so invoke again", p.Path(), st.Size(), p.size)
	}
	if expected >= 0 && p.size != expected {
		return &SizeError{Path: p.Path(), Want: expected, Got: p.size}
	}
	return nil
}

func (p *PartFile) sync() error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p.Path(), err)
	}
	return nil
}

// mustDiscard says whether a failed check means the .part can never be
// completed by resuming it.
func mustDiscard(err error) bool {
	var sizeErr *SizeError
	if errors.As(err, &sizeErr) {
		return sizeErr.Got > sizeErr.Want
	}
	var notZip *NotZipError
	var entryErr *EntryError
	return errors.As(err, &notZip) || errors.As(err, &entryErr)
}

// moveAside renames the closed .part to <name>.corrupt and records where in
// err. If the rename fails the .part is removed instead, so that the next
// invocation does not resume it; if that fails too, err says nothing moved.
func (d *Dir) moveAside(p *PartFile, err error) {
	target := p.name + CorruptSuffix
	moved := d.pathOf(target)
	if d.root.Rename(p.name+PartSuffix, target) != nil {
		moved = ""
		_ = d.root.Remove(p.name + PartSuffix)
	}
	_ = d.removeValidator(p.name)
	var sizeErr *SizeError
	var notZip *NotZipError
	var entryErr *EntryError
	switch {
	case errors.As(err, &sizeErr):
		sizeErr.MovedTo = moved
	case errors.As(err, &notZip):
		notZip.MovedTo = moved
	case errors.As(err, &entryErr):
		entryErr.MovedTo = moved
	}
}
