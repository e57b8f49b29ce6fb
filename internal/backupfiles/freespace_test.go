package backupfiles

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"
)

func TestFreeSpace(t *testing.T) {
	dir := t.TempDir()
	free, ok := FreeSpace(dir)
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd":
		if !ok || free == 0 {
			t.Fatalf("FreeSpace(%s) = %d, %v; want a positive answer", dir, free, ok)
		}
		if free == math.MaxUint64 {
			t.Errorf("FreeSpace(%s) saturated", dir)
		}
	default:
		if ok {
			t.Fatalf("FreeSpace answered on %s, where it has no implementation", runtime.GOOS)
		}
	}
	if _, ok := FreeSpace(filepath.Join(dir, "does", "not", "exist")); ok {
		t.Error("FreeSpace answered for a path that does not exist")
	}
}

func TestBlocksToBytes(t *testing.T) {
	check := func(what string, got uint64, ok bool, want uint64, wantOK bool) {
		t.Helper()
		if got != want || ok != wantOK {
			t.Errorf("%s: %d, %v; want %d, %v", what, got, ok, want, wantOK)
		}
	}
	got, ok := blocksToBytes(uint64(10), int64(4096))
	check("Linux amd64 types", got, ok, 40960, true)
	got, ok = blocksToBytes(uint64(3), int32(512))
	check("Linux 386 types", got, ok, 1536, true)
	got, ok = blocksToBytes(uint64(3), uint32(512))
	check("Darwin types", got, ok, 1536, true)
	got, ok = blocksToBytes(int64(-5), uint64(4096))
	check("FreeBSD negative availability", got, ok, 0, true)
	got, ok = blocksToBytes(uint64(5), uint32(0))
	check("zero block size", got, ok, 0, false)
	got, ok = blocksToBytes(uint64(5), int32(-1))
	check("negative block size", got, ok, 0, false)
	got, ok = blocksToBytes(uint64(math.MaxUint64/2), uint64(4))
	check("overflow saturates", got, ok, math.MaxUint64, true)
}
