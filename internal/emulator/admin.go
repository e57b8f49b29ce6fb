package emulator

import (
	"net/http"
	"strings"
	"time"
)

// adminPrefix holds the emulator's own endpoints for the standalone demo.
// They are not part of Zoho's API, need no token and are not recorded.
const adminPrefix = "/_emulator/"

func isAdminPath(path string) bool { return strings.HasPrefix(path, adminPrefix) }

type adminRequestJSON struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query"`
	Time    string              `json:"time"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

type adminBackupJSON struct {
	ID              string        `json:"id"`
	Status          string        `json:"status"`
	RRule           *string       `json:"rrule"`
	ScheduledDate   *string       `json:"scheduled_date"`
	StartDate       *string       `json:"start_date"`
	Requester       requesterJSON `json:"requester"`
	DataLinks       []string      `json:"data_links"`
	AttachmentLinks []string      `json:"attachment_links"`
	ExpiryDate      *string       `json:"expiry_date"`
	CreatedTime     string        `json:"created_time"`
}

// serveAdmin routes:
//
//	GET  /_emulator/requests                       recorded requests (Authorization redacted)
//	GET  /_emulator/backups                        all backups, oldest first
//	POST /_emulator/backups?status=S&rrule=R       seed a backup (SeedBackup)
//	PUT  /_emulator/backups/{id}?status=S          change a status (SetStatus)
//	GET  /_emulator/metrics                        connections accepted and requests (Metrics)
//	POST /_emulator/reset                          forget every backup, history entry and recorded request (Reset)
//	/_emulator/downloads...                        the download host's (serveAdminDownloads)
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, adminPrefix)
	switch {
	case path == "downloads" || strings.HasPrefix(path, "downloads/"):
		s.serveAdminDownloads(w, r, path)
	case path == "requests" && r.Method == http.MethodGet:
		writeResponse(w, response{status: http.StatusOK, body: s.adminRequests()})
	case path == "backups" && r.Method == http.MethodGet:
		writeResponse(w, response{status: http.StatusOK, body: s.adminBackups()})
	case path == "metrics" && r.Method == http.MethodGet:
		s.serveMetrics(w)
	case path == "backups" && r.Method == http.MethodPost:
		b, err := s.TrySeedBackup(r.URL.Query().Get("status"), r.URL.Query().Get("rrule"))
		s.adminAnswer(w, http.StatusCreated, b, err)
	case strings.HasPrefix(path, "backups/") && r.Method == http.MethodPut:
		id := strings.TrimPrefix(path, "backups/")
		err := s.SetStatus(id, r.URL.Query().Get("status"))
		b, _ := s.Backup(id)
		s.adminAnswer(w, http.StatusOK, b, err)
	case path == "reset" && r.Method == http.MethodPost:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	case path == "requests" || path == "backups" || path == "metrics" || path == "reset" || strings.HasPrefix(path, "backups/"):
		adminError(w, http.StatusMethodNotAllowed, "method not allowed")
	default:
		adminError(w, http.StatusNotFound, "no such emulator endpoint")
	}
}

// Reset forgets every backup, history entry and recorded request, so that a
// script can run one scenario after another on one emulator as if each had
// a fresh organization. Tokens, options, faults and the clock are kept; ids
// keep counting up, so an id from before a reset names nothing after it.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.backups = nil
	s.byID = make(map[string]*backupRecord)
	s.history = nil
	s.requests = nil
}

func (s *Server) adminAnswer(w http.ResponseWriter, status int, b Backup, err error) {
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeResponse(w, response{status: status, body: s.toAdminBackup(b)})
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeResponse(w, response{status: status, body: map[string]string{"error": msg}})
}

func (s *Server) adminRequests() []adminRequestJSON {
	reqs := s.Requests()
	out := make([]adminRequestJSON, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, adminRequestJSON{
			Method:  r.Method,
			Path:    r.Path,
			Query:   r.RawQuery,
			Time:    r.Time.Format(time.RFC3339Nano),
			Headers: RedactHeader(r.Header),
			Body:    string(r.Body),
		})
	}
	return out
}

func (s *Server) adminBackups() []adminBackupJSON {
	backups := s.Backups()
	out := make([]adminBackupJSON, 0, len(backups))
	for _, b := range backups {
		out = append(out, s.toAdminBackup(b))
	}
	return out
}

func (s *Server) toAdminBackup(b Backup) adminBackupJSON {
	return adminBackupJSON{
		ID:              b.ID,
		Status:          b.Status,
		RRule:           nullable(b.RRule),
		ScheduledDate:   s.formatTimePtr(b.ScheduledDate),
		StartDate:       s.formatTimePtr(b.StartDate),
		Requester:       requesterJSON(b.Requester),
		DataLinks:       nonNil(b.DataLinks),
		AttachmentLinks: nonNil(b.AttachmentLinks),
		ExpiryDate:      s.formatTimePtr(b.ExpiryDate),
		CreatedTime:     s.formatTime(b.CreatedTime),
	}
}

// RedactHeader returns a copy of h with the Authorization token replaced by
// "[REDACTED]". The scheme is kept, so a reader can still see that the
// client used "Zoho-oauthtoken".
func RedactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	for i, v := range out.Values("Authorization") {
		scheme, _, found := strings.Cut(v, " ")
		if found {
			out["Authorization"][i] = scheme + " [REDACTED]"
		} else {
			out["Authorization"][i] = "[REDACTED]"
		}
	}
	return out
}
