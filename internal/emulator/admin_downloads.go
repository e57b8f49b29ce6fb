package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// adminFaultJSON is a DownloadFault in the admin API; layout is
// "overlapping" or "many:N".
type adminFaultJSON struct {
	File            string `json:"file"`
	Times           int    `json:"times"`
	DropAfter       int64  `json:"drop_after"`
	TruncateAfter   int64  `json:"truncate_after"`
	IgnoreRange     bool   `json:"ignore_range"`
	Corrupt         bool   `json:"corrupt"`
	NoContentLength bool   `json:"no_content_length"`
	ContentRange    string `json:"content_range"`
	ChangeETagAfter int    `json:"change_etag_after"`
	Layout          string `json:"layout"`
	Error           string `json:"error"`
}

type adminDownloadJSON struct {
	Method        string `json:"method"`
	Path          string `json:"path"`
	Range         string `json:"range"`
	IfRange       string `json:"if_range"`
	Status        int    `json:"status"`
	BytesSent     int64  `json:"bytes_sent"`
	Authorization bool   `json:"authorization"`
	Time          string `json:"time"`
}

// serveAdminDownloads routes the download host's admin endpoints:
//
//	GET    /_emulator/downloads                 recorded download requests (DownloadRequests)
//	DELETE /_emulator/downloads                 forget them (ResetDownloadRequests)
//	POST   /_emulator/downloads/faults          queue a fault, JSON adminFaultJSON (InjectDownloadFault)
//	DELETE /_emulator/downloads/faults          remove every fault (ClearDownloadFaults)
//	POST   /_emulator/downloads/change?file=F   new bytes and ETag for F, "" all (ChangeDownload)
//	GET    /_emulator/downloads/sha256?link=L   {"sha256","size"} of what L now serves (ExpectedSHA256)
func (s *Server) serveAdminDownloads(w http.ResponseWriter, r *http.Request, path string) {
	switch r.Method + " " + path {
	case "GET downloads":
		writeResponse(w, response{status: http.StatusOK, body: s.adminDownloads()})
	case "DELETE downloads":
		s.ResetDownloadRequests()
		w.WriteHeader(http.StatusNoContent)
	case "POST downloads/faults":
		f, err := decodeAdminFault(r)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.InjectDownloadFault(f)
		w.WriteHeader(http.StatusNoContent)
	case "DELETE downloads/faults":
		s.ClearDownloadFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST downloads/change":
		n := s.ChangeDownload(r.URL.Query().Get("file"))
		writeResponse(w, response{status: http.StatusOK, body: map[string]int{"changed": n}})
	case "GET downloads/sha256":
		sum := s.ExpectedSHA256(r.URL.Query().Get("link"))
		if sum == "" {
			adminError(w, http.StatusBadRequest, "link is not a download link")
			return
		}
		writeResponse(w, response{status: http.StatusOK, body: map[string]any{"sha256": sum, "size": s.DownloadSize()}})
	default:
		if slices.Contains([]string{"downloads", "downloads/faults", "downloads/change", "downloads/sha256"}, path) {
			adminError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		adminError(w, http.StatusNotFound, "no such emulator endpoint")
	}
}

func decodeAdminFault(r *http.Request) (DownloadFault, error) {
	var in adminFaultJSON
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return DownloadFault{}, fmt.Errorf("fault: %w", err)
	}
	layout, err := parseLayout(in.Layout)
	if err != nil {
		return DownloadFault{}, err
	}
	return DownloadFault{
		File: in.File, Times: in.Times, DropAfter: in.DropAfter, TruncateAfter: in.TruncateAfter,
		IgnoreRange: in.IgnoreRange, Corrupt: in.Corrupt, NoContentLength: in.NoContentLength,
		ContentRange: in.ContentRange, ChangeETagAfter: in.ChangeETagAfter, Layout: layout, Error: in.Error,
	}, nil
}

// parseLayout reads ZipLayout.String's form.
func parseLayout(v string) (ZipLayout, error) {
	switch {
	case v == "":
		return ZipLayout{}, nil
	case v == "overlapping":
		return OverlappingEntries(), nil
	case strings.HasPrefix(v, "many:"):
		if n, err := strconv.Atoi(strings.TrimPrefix(v, "many:")); err == nil && n > 0 {
			return ManyEntries(n), nil
		}
	}
	return ZipLayout{}, fmt.Errorf("fault: layout %q is not overlapping or many:N", v)
}

func (s *Server) adminDownloads() []adminDownloadJSON {
	reqs := s.DownloadRequests()
	out := make([]adminDownloadJSON, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, adminDownloadJSON{
			Method: r.Method, Path: r.Path, Range: r.Range, IfRange: r.IfRange, Status: r.Status,
			BytesSent: r.BytesSent, Authorization: r.Authorization, Time: r.Time.Format(time.RFC3339Nano),
		})
	}
	return out
}
