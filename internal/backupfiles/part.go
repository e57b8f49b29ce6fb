package backupfiles

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
)

// ErrPartClosed is returned by a PartFile used after Close or Commit.
var ErrPartClosed = errors.New("part file is closed")

// PartFile is <name>.part, a file being downloaded. Writes append to it and
// feed the SHA-256 in the same pass; nothing is buffered beyond the caller's
// slice. A PartFile is not safe for concurrent use.
type PartFile struct {
	dir  *Dir
	name string
	f    *os.File
	hash hash.Hash
	size int64
	// validator is the one recorded when the held bytes were started.
	validator string
	// writtenBack is how much of the file the kernel was asked to write to
	// disk already (startWriteback).
	writtenBack int64
}

// Tuning of Write, measured with BenchmarkPartFileWrite: below
// parallelHashBytes a goroutine costs more than it saves; every
// writebackBytes the kernel is asked to start writing the file out.
const (
	parallelHashBytes = 64 << 10
	writebackBytes    = 32 << 20
)

// OpenPart opens <name>.part, creating it (0600) if needed, for appending
// at its end, hashes the bytes already in it so that SHA256 covers the
// whole file after a resume, and reads the validator recorded for them. It
// refuses a name ValidName refuses, and a .part that is not a regular file
// or has more than one hard link. On unix a .part group or others could
// write is replaced by an empty one (the download starts afresh), and one
// they could only read is re-moded to 0600. Hashing stops when ctx is
// cancelled.
func (d *Dir) OpenPart(ctx context.Context, name string) (*PartFile, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	partName := name + PartSuffix
	path := d.pathOf(partName)
	before, err := d.root.Lstat(partName)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err == nil && !before.Mode().IsRegular() {
		return nil, fmt.Errorf("open %s: it exists and is not a regular file (%s); remove it to download again", path, before.Mode().Type())
	}
	if err == nil && othersCouldWrite(before) {
		// Its bytes are not trusted, nor an open handle to it: a new file
		// takes its place and the download starts afresh.
		if err := d.root.Remove(partName); err != nil {
			return nil, fmt.Errorf("remove %s, which group or others could write: %w; remove it yourself and invoke again", path, err)
		}
		before = nil
	}
	f, err := d.root.OpenFile(partName, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	p := &PartFile{dir: d, name: name, f: f, hash: sha256.New()}
	if err := p.hashExisting(ctx, before); err != nil {
		f.Close()
		return nil, err
	}
	if before == nil || p.size == 0 {
		// A record left beside no bytes describes nothing held.
		err = d.removeValidator(name)
	} else {
		p.validator, err = d.readValidator(name)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return p, nil
}

// hashExisting checks that the file opened is the regular file inspected
// before (if any) and feeds its current bytes to the hash.
func (p *PartFile) hashExisting(ctx context.Context, before fs.FileInfo) error {
	st, err := p.f.Stat()
	if err != nil {
		return fmt.Errorf("inspect %s: %w", p.Path(), err)
	}
	if !st.Mode().IsRegular() || (before != nil && !os.SameFile(before, st)) {
		return fmt.Errorf("open %s: it changed while it was being opened; invoke again", p.Path())
	}
	if err := checkPartAccess(p.f, st, p.Path()); err != nil {
		return err
	}
	n, err := io.Copy(p.hash, &ctxReader{ctx: ctx, r: io.NewSectionReader(p.f, 0, st.Size())})
	if err != nil {
		return fmt.Errorf("hash the %d bytes already in %s: %w", st.Size(), p.Path(), err)
	}
	if n != st.Size() {
		return fmt.Errorf("hash the bytes already in %s: read %d of %d bytes; it changed while being read", p.Path(), n, st.Size())
	}
	if _, err := p.f.Seek(n, io.SeekStart); err != nil {
		return fmt.Errorf("seek to the end of %s: %w", p.Path(), err)
	}
	p.size = n
	return nil
}

// Write appends b to the file and to the hash. Only the bytes the file
// accepted are hashed, so Size and SHA256 always describe the file.
//
// The hash and the write of a large b run at the same time, on two cores:
// SHA-256 and the copy into the page cache each cost about as much as the
// other, so a download at line rate would otherwise spend twice the CPU time
// per byte on one core. Both finish before Write returns, so the caller's
// buffer is free again, as io.Writer requires.
func (p *PartFile) Write(b []byte) (int, error) {
	if p.f == nil {
		return 0, fmt.Errorf("write %s: %w", p.Path(), ErrPartClosed)
	}
	n, err := p.writeHashed(b)
	p.size += int64(n)
	if p.size-p.writtenBack >= writebackBytes {
		startWriteback(p.f, p.writtenBack, p.size-p.writtenBack)
		p.writtenBack = p.size
	}
	if err != nil {
		return n, fmt.Errorf("write %s: %w", p.Path(), err)
	}
	return n, nil
}

// rewindableHash is a hash whose state can be saved and restored, as
// crypto/sha256's can.
type rewindableHash interface {
	hash.Hash
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// writeHashed writes b to the file and feeds to the hash what the file took.
func (p *PartFile) writeHashed(b []byte) (int, error) {
	// The hash's state before b, to go back to if the file takes less.
	rewindable, ok := p.hash.(rewindableHash)
	if len(b) < parallelHashBytes || !ok {
		n, err := p.f.Write(b)
		p.hash.Write(b[:n])
		return n, err
	}
	before, stateErr := rewindable.MarshalBinary()
	hashed := make(chan struct{})
	go func() {
		p.hash.Write(b)
		close(hashed)
	}()
	n, err := p.f.Write(b)
	<-hashed
	if n < len(b) {
		if stateErr != nil {
			return n, errors.Join(err, fmt.Errorf("the hash cannot be rewound: %w", stateErr))
		}
		if restoreErr := rewindable.UnmarshalBinary(before); restoreErr != nil {
			return n, errors.Join(err, restoreErr)
		}
		p.hash.Write(b[:n])
	}
	return n, err
}

// Size is the number of bytes the file holds.
func (p *PartFile) Size() int64 { return p.size }

// Validator is the validator recorded when the held bytes were started
// (Reset), or "" when none was recorded.
func (p *PartFile) Validator() string { return p.validator }

// Reset empties the file, resets the hash and records validator for the
// bytes written next ("" records none). A validator over 1 KiB or holding a
// control byte is not recorded either, so a later resume starts from zero.
func (p *PartFile) Reset(validator string) error {
	if p.f == nil {
		return fmt.Errorf("reset %s: %w", p.Path(), ErrPartClosed)
	}
	// The old record goes first: a crash then leaves bytes without one.
	p.validator = ""
	if err := p.dir.removeValidator(p.name); err != nil {
		return err
	}
	if err := p.f.Truncate(0); err != nil {
		return fmt.Errorf("truncate %s: %w", p.Path(), err)
	}
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("truncate %s: %w", p.Path(), err)
	}
	p.hash.Reset()
	p.size, p.writtenBack = 0, 0
	if !recordable(validator) {
		return nil
	}
	if err := p.dir.writeValidator(p.name, validator); err != nil {
		return err
	}
	p.validator = validator
	return nil
}

// SHA256 is the lowercase hex SHA-256 of the bytes the file holds.
func (p *PartFile) SHA256() string {
	return hex.EncodeToString(p.hash.Sum(nil))
}

// Name is the backup file's name, without the .part suffix.
func (p *PartFile) Name() string { return p.name }

// Path is the path of the .part file.
func (p *PartFile) Path() string { return p.dir.pathOf(p.name + PartSuffix) }

// Close closes the file and keeps it, so a later OpenPart resumes it. It is
// safe to call more than once, and after Commit.
func (p *PartFile) Close() error {
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", p.Path(), err)
	}
	return nil
}

// ctxReader stops a long read (hashing or verifying a file of up to 1 GB)
// once ctx is cancelled; a check per read costs nothing beside the read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
