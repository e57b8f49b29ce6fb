package zoho

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Backup statuses Zoho documents; callers must pass unknown ones through.
const (
	StatusScheduled  = "SCHEDULED"
	StatusInProgress = "INPROGRESS"
	StatusCompleted  = "COMPLETED"
	StatusFailed     = "FAILED"
	StatusStopped    = "STOPPED"
)

// HistoryPerPage is the page size asked for: Zoho's default and maximum.
const HistoryPerPage = 200

// MaxHistoryPages bounds the history pages one read follows.
const MaxHistoryPages = 10

// LimitError is a read that stopped at the client's bound on data the server
// controls. Bound is e.g. "10 pages of 200 entries"; Why, what the server did.
type LimitError struct {
	Operation string
	Bound     string
	Why       string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: stopped at the provider's bound of %s: %s", e.Operation, e.Bound, e.Why)
}

// Requester is the CRM user behind a backup (requester) or a history entry (done_by).
type Requester struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	ZUID string `json:"zuid"`
}

// Backup is the latest backup, as GET /backup reports it. Nil pointers are
// JSON null or absent: Zoho sends null dates and rule for an immediate backup.
type Backup struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	RRule         *string    `json:"rrule"`
	ScheduledDate *string    `json:"scheduled_date"`
	StartDate     *string    `json:"start_date"`
	Requester     *Requester `json:"requester"`
}

// BackupURLs are the download links of the latest backup (GET /backup/urls).
type BackupURLs struct {
	DataLinks       []string `json:"data_links"`
	AttachmentLinks []string `json:"attachment_links"`
	ExpiryDate      *string  `json:"expiry_date"`
}

// HistoryEntry is one event of GET /backup/history.
type HistoryEntry struct {
	ID         string     `json:"id"`
	DoneBy     *Requester `json:"done_by"`
	LogTime    *string    `json:"log_time"`
	State      *string    `json:"state"`
	Action     *string    `json:"action"`
	RepeatType *string    `json:"repeat_type"`
	FileName   *string    `json:"file_name"`
	Count      int64      `json:"count"`
}

// GetBackup returns the latest backup: GET /crm/bulk/{version}/backup; nil
// and no error for a 204 (no backup was ever scheduled).
func (c *Client) GetBackup(ctx context.Context) (*Backup, error) {
	const operation = "read the latest backup"
	var body struct {
		Backup *Backup `json:"backup"`
	}
	complete := func() bool { return body.Backup != nil && ValidateBackupID(body.Backup.ID) == nil }
	found, err := c.getJSON(ctx, operation, "/backup", nil, &body, complete)
	if err != nil || !found {
		return nil, err
	}
	return body.Backup, nil
}

// GetBackupURLs returns the latest backup's download links: GET
// /crm/bulk/{version}/backup/urls; nil and no error for a 204.
func (c *Client) GetBackupURLs(ctx context.Context) (*BackupURLs, error) {
	const operation = "read the backup download links"
	var body struct {
		URLs *BackupURLs `json:"urls"`
	}
	found, err := c.getJSON(ctx, operation, "/backup/urls", nil, &body, func() bool { return body.URLs != nil })
	if err != nil || !found {
		return nil, err
	}
	return body.URLs, nil
}

// GetBackupHistory returns the past year's backup history, newest first:
// GET /crm/bulk/{version}/backup/history, page after page. maxEntries > 0
// stops at that many entries. A 204 is an empty history.
func (c *Client) GetBackupHistory(ctx context.Context, maxEntries int) ([]HistoryEntry, error) {
	const operation = "read backup history"
	entries := []HistoryEntry{}
	for page := 1; page <= MaxHistoryPages; page++ {
		items, more, err := c.backupHistoryPage(ctx, page)
		if err != nil {
			return nil, err
		}
		if err := checkHistoryPage(page, len(items)); err != nil {
			return nil, err
		}
		entries = append(entries, items...)
		if maxEntries > 0 && len(entries) >= maxEntries {
			return entries[:maxEntries], nil
		}
		if !more {
			return entries, nil
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("read backup history page %d: Zoho says more_records but the page lists no entries", page)
		}
	}
	return nil, &LimitError{
		Operation: operation,
		Bound:     fmt.Sprintf("%d pages of %d entries", MaxHistoryPages, HistoryPerPage),
		Why:       fmt.Sprintf("Zoho still says more_records after %d entries, more than a year of backup history holds", len(entries)),
	}
}

// checkHistoryPage refuses a page of more than HistoryPerPage entries.
func checkHistoryPage(page, count int) error {
	if count <= HistoryPerPage {
		return nil
	}
	return &LimitError{
		Operation: fmt.Sprintf("read backup history page %d", page),
		Bound:     fmt.Sprintf("%d entries per page", HistoryPerPage),
		Why:       fmt.Sprintf("the page lists %d entries, more than the per_page the provider asked for", count),
	}
}

// backupHistoryPage reads one page. A 204 is an empty last page.
func (c *Client) backupHistoryPage(ctx context.Context, page int) (entries []HistoryEntry, more bool, err error) {
	operation := fmt.Sprintf("read backup history page %d", page)
	query := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(HistoryPerPage)}}
	var body struct {
		History []HistoryEntry `json:"history"`
		Info    *struct {
			MoreRecords bool `json:"more_records"`
		} `json:"info"`
	}
	complete := func() bool { return body.History != nil && body.Info != nil }
	found, err := c.getJSON(ctx, operation, "/backup/history", query, &body, complete)
	if err != nil || !found {
		return nil, false, err
	}
	return body.History, body.Info.MoreRecords, nil
}

// getJSON decodes a 200 answer to GET path into out; found is false for a
// 204. Anything else, or a body that is not complete(), is an *APIError.
func (c *Client) getJSON(ctx context.Context, operation, path string, query url.Values, out any, complete func() bool) (found bool, err error) {
	resp, err := c.do(ctx, operation, http.MethodGet, path, query, nil)
	if err != nil {
		return false, err
	}
	switch {
	case resp.status == http.StatusNoContent:
		return false, nil
	case resp.status != http.StatusOK:
		return false, apiError(operation, resp)
	}
	if _, isError := resp.envelope(); isError || json.Unmarshal(resp.body, out) != nil || !complete() {
		return false, apiError(operation, resp)
	}
	return true, nil
}
