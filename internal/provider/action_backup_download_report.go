package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/backupfiles"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// How often zohocrm_backup_download reports a file's progress: at most
// every 10 seconds or every 10 % of the file, whichever comes first, so that
// a 1 GB file on a fast line says little and one on a slow line still shows
// it is moving.
const (
	downloadProgressInterval = 10 * time.Second
	downloadProgressStep     = 10 // percent
)

// downloadMeter turns the client's progress callbacks into the action's
// progress events, and refuses a file the disk has no room for before its
// first byte is written.
type downloadMeter struct {
	name, dir string
	report    func(format string, args ...any)
	stop      context.CancelCauseFunc
	// freeSpace is backupfiles.FreeSpace; tests replace it.
	freeSpace func(path string) (uint64, bool)

	started     time.Time
	heldAtStart int64
	total       int64
	lastAt      time.Time
	lastPercent int64
	begun       bool
}

func newDownloadMeter(name, dir string, report func(string, ...any), stop context.CancelCauseFunc) *downloadMeter {
	return &downloadMeter{name: name, dir: dir, report: report, stop: stop, freeSpace: backupfiles.FreeSpace, started: time.Now()}
}

// observe is the client's progress callback: first at the start of the
// body (with what the .part already held), then after each write.
func (m *downloadMeter) observe(p zoho.DownloadProgress) {
	if !m.begun {
		m.begin(p)
		return
	}
	if m.total <= 0 {
		return
	}
	percent := p.Written * 100 / m.total
	if percent < m.lastPercent+downloadProgressStep && time.Since(m.lastAt) < downloadProgressInterval {
		return
	}
	m.lastAt, m.lastPercent = time.Now(), percent
	m.report("%s: %s of %s (%d%%), %s", m.name, mebibytes(p.Written), mebibytes(m.total), percent,
		rate(p.Written-m.heldAtStart, time.Since(m.started)))
}

// begin reports the file's start and checks the free disk space, where the
// operating system can say, before anything is written.
func (m *downloadMeter) begin(p zoho.DownloadProgress) {
	m.begun, m.heldAtStart, m.total, m.lastAt = true, p.Written, p.Total, time.Now()
	size := "size not announced"
	if p.Total >= 0 {
		size = mebibytes(p.Total)
	}
	resuming := ""
	if p.Written > 0 {
		resuming = fmt.Sprintf(", resuming at %s", mebibytes(p.Written))
		m.lastPercent = p.Written * 100 / max(p.Total, 1)
	}
	m.report("%s: downloading (%s%s)", m.name, size, resuming)
	if p.Total < 0 {
		return
	}
	need := p.Total - p.Written
	if free, ok := m.freeSpace(m.dir); ok && free < uint64(max(need, 0)) {
		m.stop(&notEnoughSpaceError{dir: m.dir, name: m.name, need: need, free: free})
	}
}

// finished reports a committed file.
func (m *downloadMeter) finished(entry backupfiles.ManifestFile, verified bool, result zoho.DownloadResult) {
	how := "not verified (verify = false)"
	if verified {
		how = "every ZIP entry's CRC-32 checked"
	}
	elapsed := time.Since(m.started)
	m.report("%s: done, %s in %s (%s), %s, SHA-256 %s", entry.Name, mebibytes(entry.Size), elapsed.Round(time.Millisecond),
		rate(result.Fetched, elapsed), how, entry.SHA256)
}

// notEnoughSpaceError stops a download the disk cannot hold.
type notEnoughSpaceError struct {
	dir, name string
	need      int64
	free      uint64
}

func (e *notEnoughSpaceError) Error() string {
	return fmt.Sprintf("%s needs %s more, and the file system of %s has %s free", e.name, mebibytes(e.need), e.dir, mebibytes(int64(min(e.free, 1<<62))))
}
