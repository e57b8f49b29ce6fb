package backupfiles

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// validatorSuffix ends the sidecar ".<name>.part.v" that records the
// validator of a .part. Its leading dot keeps it out of ValidName's names,
// and the whole name fits 255 bytes for the longest valid name.
const validatorSuffix = PartSuffix + ".v"

// maxValidatorBytes bounds a recorded validator; a longer one is not
// recorded, so the next resume starts from zero instead of splicing.
const maxValidatorBytes = 1024

func validatorName(name string) string { return "." + name + validatorSuffix }

// recordable reports whether v can be recorded and later sent as If-Range.
func recordable(v string) bool {
	if v == "" || len(v) > maxValidatorBytes {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			return false
		}
	}
	return true
}

// readValidator returns the validator recorded for name, or "" if none is.
func (d *Dir) readValidator(name string) (string, error) {
	side := validatorName(name)
	fi, err := d.root.Lstat(side)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("inspect %s: %w", d.pathOf(side), err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxValidatorBytes {
		return "", fmt.Errorf("open %s: it is not a validator this provider wrote (a regular file of at most %d bytes); remove it and invoke again", d.pathOf(side), maxValidatorBytes)
	}
	f, err := d.root.Open(side)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", d.pathOf(side), err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxValidatorBytes+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", d.pathOf(side), err)
	}
	if !recordable(string(b)) {
		return "", nil
	}
	return string(b), nil
}

// writeValidator records v for name atomically (0600), or removes the
// record when v is "" or cannot be recorded.
func (d *Dir) writeValidator(name, v string) error {
	side := validatorName(name)
	if !recordable(v) {
		return d.removeValidator(name)
	}
	tmp, err := d.writeTemp(".validator-", []byte(v))
	if err != nil {
		return fmt.Errorf("record the validator of %s: %w", d.pathOf(name+PartSuffix), err)
	}
	if err := d.root.Rename(tmp, side); err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("rename %s to %s: %w", d.pathOf(tmp), d.pathOf(side), err)
	}
	return nil
}

// removeValidator removes the validator recorded for name, if any.
func (d *Dir) removeValidator(name string) error {
	side := validatorName(name)
	if err := d.root.Remove(side); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w; remove it and invoke again", d.pathOf(side), err)
	}
	return nil
}
