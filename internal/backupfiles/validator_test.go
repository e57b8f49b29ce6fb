package backupfiles

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func sidecarPath(d *Dir, name string) string { return filepath.Join(d.Path(), "."+name+".part.v") }

func reopen(t *testing.T, d *Dir, name string) *PartFile {
	t.Helper()
	p, err := d.OpenPart(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// The validator given to Reset survives the process: a later OpenPart of
// the same bytes reads it back; Reset("") and Truncate forget it.
func TestPartFileValidatorIsRecordedWithTheBytes(t *testing.T) {
	d := openTestDir(t)
	p := reopen(t, d, "Data_001.zip")
	if p.Validator() != "" {
		t.Fatalf("new part: Validator = %q, want none", p.Validator())
	}
	const etag = `"5d8c72a5edda8d6a"`
	if err := p.Reset(etag); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write([]byte("first bytes")); err != nil {
		t.Fatal(err)
	}
	if p.Validator() != etag || string(readFile(t, sidecarPath(d, "Data_001.zip"))) != etag {
		t.Errorf("Validator = %q, sidecar %q; want %q", p.Validator(), readFile(t, sidecarPath(d, "Data_001.zip")), etag)
	}
	if fi, err := os.Stat(sidecarPath(d, "Data_001.zip")); runtime.GOOS != "windows" && (err != nil || fi.Mode().Perm() != 0o600) {
		t.Errorf("sidecar mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	p.Close()
	again := reopen(t, d, "Data_001.zip")
	if again.Validator() != etag || again.Size() != int64(len("first bytes")) {
		t.Errorf("reopened: Validator %q, Size %d", again.Validator(), again.Size())
	}
	if err := again.Reset(""); err != nil {
		t.Fatal(err)
	}
	if again.Validator() != "" || again.Size() != 0 || exists(t, sidecarPath(d, "Data_001.zip")) {
		t.Errorf("after Truncate: Validator %q, Size %d, sidecar kept %v", again.Validator(), again.Size(), exists(t, sidecarPath(d, "Data_001.zip")))
	}
	if _, err := again.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	again.Close()
	if v := reopen(t, d, "Data_001.zip").Validator(); v != "" {
		t.Errorf("reopened after Reset(\"\"): Validator %q, want none", v)
	}
}

// A validator that cannot be sent back as If-Range is not recorded.
func TestPartFileResetRecordsNoUnsendableValidator(t *testing.T) {
	d := openTestDir(t)
	p := reopen(t, d, "Data_001.zip")
	for _, v := range []string{"", "\"a\r\nX-Injected: 1\"", "\"a\x00\"", "\"" + strings.Repeat("a", maxValidatorBytes) + "\""} {
		if err := p.Reset(`"good"`); err != nil {
			t.Fatal(err)
		}
		if err := p.Reset(v); err != nil {
			t.Fatalf("Reset(%q) = %v", v, err)
		}
		if p.Validator() != "" || exists(t, sidecarPath(d, "Data_001.zip")) {
			t.Errorf("Reset(%q): Validator %q, sidecar %v; want none", v, p.Validator(), exists(t, sidecarPath(d, "Data_001.zip")))
		}
	}
}

// The sidecar of the longest valid name fits a 255-byte file name.
func TestPartFileValidatorOfTheLongestName(t *testing.T) {
	d := openTestDir(t)
	name := strings.Repeat("a", MaxNameBytes)
	if err := reopen(t, d, name).Reset(`"x"`); err != nil {
		t.Fatal(err)
	}
	if !exists(t, sidecarPath(d, name)) {
		t.Error("no sidecar")
	}
}

// A record with no bytes beside it (left by a crash, or by a .part removed
// by hand) describes nothing held: it is dropped.
func TestOpenPartDropsAStaleValidator(t *testing.T) {
	d := openTestDir(t)
	for _, part := range []bool{false, true} {
		if err := os.WriteFile(sidecarPath(d, "Data_001.zip"), []byte(`"old"`), 0o600); err != nil {
			t.Fatal(err)
		}
		if part {
			if err := os.WriteFile(filepath.Join(d.Path(), "Data_001.zip.part"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		p := reopen(t, d, "Data_001.zip")
		if p.Validator() != "" || exists(t, sidecarPath(d, "Data_001.zip")) {
			t.Errorf("empty .part %v: Validator %q, sidecar kept %v", part, p.Validator(), exists(t, sidecarPath(d, "Data_001.zip")))
		}
		p.Close()
	}
}

func TestOpenPartRefusesAForeignValidator(t *testing.T) {
	d := openTestDir(t)
	writePart(t, d, "Data_001.zip", []byte("abc")).Close()
	if err := os.Mkdir(sidecarPath(d, "Data_001.zip"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := d.OpenPart(context.Background(), "Data_001.zip")
	if err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("OpenPart = %v, want a refusal that says to remove the sidecar", err)
	}
}

// Commit and a discarded .part take the validator with them.
func TestValidatorGoesWithThePart(t *testing.T) {
	d := openTestDir(t)
	archive := buildZip(t, zipEntry{name: "a.csv", content: []byte("id\n1\n")})
	for _, c := range []struct {
		name    string
		content []byte
		opts    CommitOptions
	}{
		{"committed.zip", archive, CommitOptions{Verify: true, ExpectedSize: int64(len(archive))}},
		{"too-long.zip", archive, CommitOptions{ExpectedSize: 3}},
		{"not-a-zip.zip", []byte("not a zip"), CommitOptions{Verify: true, ExpectedSize: -1}},
	} {
		p := reopen(t, d, c.name)
		if err := p.Reset(`"v"`); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write(c.content); err != nil {
			t.Fatal(err)
		}
		_, _ = d.Commit(context.Background(), p, c.opts)
		if exists(t, sidecarPath(d, c.name)) {
			t.Errorf("%s: the validator outlived its .part", c.name)
		}
	}
}
