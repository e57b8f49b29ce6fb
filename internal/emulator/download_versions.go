package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fileVersion is the version of one file the download host serves: its
// generation (0: DownloadContent's bytes) and its Last-Modified.
type fileVersion struct {
	gen      int
	modified time.Time
}

// versionOf returns p's version, made on first use with Last-Modified at
// the emulator clock's second. Callers hold s.mu.
func (s *Server) versionOf(p downloadPath) fileVersion {
	if v, ok := s.dlVersions[p]; ok {
		return v
	}
	if s.dlVersions == nil {
		s.dlVersions = make(map[downloadPath]fileVersion)
	}
	v := fileVersion{modified: s.now().UTC().Truncate(time.Second)}
	s.dlVersions[p] = v
	return v
}

// bumpVersion gives p new bytes, a new ETag and a later Last-Modified.
// Callers hold s.mu.
func (s *Server) bumpVersion(p downloadPath) {
	v := s.versionOf(p)
	v.gen++
	next := v.modified.Add(time.Second)
	if now := s.now().UTC().Truncate(time.Second); now.After(next) {
		next = now
	}
	v.modified = next
	s.dlVersions[p] = v
}

// ChangeDownload gives every listed file named file ("" for every file)
// new bytes of the same size, a new ETag and a later Last-Modified, as when
// Zoho replaces a file under the same link. It returns how many changed.
func (s *Server) ChangeDownload(file string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[downloadPath]bool{}
	for _, b := range s.backups {
		for _, link := range slices.Concat(b.DataLinks, b.AttachmentLinks) {
			u, err := url.Parse(link)
			if err != nil {
				continue
			}
			if p, ok := parseDownloadPath(u.Path); ok && !seen[p] && (file == "" || p.file == file) {
				seen[p] = true
				s.bumpVersion(p)
			}
		}
	}
	return len(seen)
}

// etagOf is the strong, quoted ETag of a file's version or layout.
func etagOf(p downloadPath, size int64, gen int, layout ZipLayout) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"etag", p.job, p.file,
		strconv.FormatInt(size, 10), strconv.Itoa(gen), layout.String()}, "\x00")))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// ifRangeHolds reports whether a Range may be honoured under an If-Range
// header (RFC 9110 section 13.1.5): none, the same strong ETag, or exactly
// the Last-Modified date. A weak ETag never matches.
func ifRangeHolds(ifRange, etag string, modified time.Time) bool {
	switch {
	case ifRange == "":
		return true
	case strings.HasPrefix(ifRange, `"`):
		return ifRange == etag
	case strings.HasPrefix(ifRange, "W/"):
		return false
	}
	at, err := http.ParseTime(ifRange)
	return err == nil && at.Equal(modified)
}
