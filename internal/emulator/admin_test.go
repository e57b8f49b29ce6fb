package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
)

func TestAdminEndpoints(t *testing.T) {
	s := newServer(t)
	do(t, s, http.MethodGet, basePath, "")

	res := send(t, s, http.MethodPost, "/_emulator/backups?status=SCHEDULED&rrule=FREQ%3DWEEKLY%3BINTERVAL%3D1%3BBYDAY%3DMO", "", "")
	wantStatus(t, res, http.StatusCreated)
	wantJSON(t, res)
	id, _ := res.body["id"].(string)
	if !idRe.MatchString(id) || res.body["status"] != StatusScheduled || res.body["rrule"] != "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO" {
		t.Fatalf("seeded = %s", res.raw)
	}

	res = send(t, s, http.MethodPut, "/_emulator/backups/"+id+"?status=COMPLETED", "", "")
	wantStatus(t, res, http.StatusOK)
	if res.body["status"] != StatusCompleted {
		t.Fatalf("after PUT: %s", res.raw)
	}
	if links, _ := res.body["data_links"].([]any); len(links) != 1 {
		t.Fatalf("data_links = %v", res.body["data_links"])
	}

	wantStatus(t, send(t, s, http.MethodPost, "/_emulator/backups?status=NOPE", "", ""), http.StatusBadRequest)
	wantStatus(t, send(t, s, http.MethodPut, "/_emulator/backups/123?status=COMPLETED", "", ""), http.StatusBadRequest)
	wantStatus(t, send(t, s, http.MethodDelete, "/_emulator/backups", "", ""), http.StatusMethodNotAllowed)
	wantStatus(t, send(t, s, http.MethodGet, "/_emulator/nothing", "", ""), http.StatusNotFound)

	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/_emulator/backups", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var backups []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&backups); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if len(backups) != 1 || backups[0]["id"] != id || backups[0]["status"] != StatusCompleted {
		t.Fatalf("backups = %v", backups)
	}

	resp, err = http.Get(s.URL() + "/_emulator/requests")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if bytes.Contains(raw, []byte(adminToken)) {
		t.Fatalf("admin requests leak the token: %s", raw)
	}
	var reqs []map[string]any
	if err := json.Unmarshal(raw, &reqs); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0]["method"] != "GET" || reqs[0]["path"] != basePath {
		t.Fatalf("requests = %s (admin calls must not be recorded)", raw)
	}
	h := obj(t, reqs[0]["headers"], "headers")
	if auth, _ := h["Authorization"].([]any); len(auth) != 1 || auth[0] != "Zoho-oauthtoken [REDACTED]" {
		t.Fatalf("Authorization = %v", h["Authorization"])
	}
}

// POST /_emulator/reset forgets backups, history and requests, but keeps
// tokens, so a script can start the next scenario on a clean organization.
func TestAdminReset(t *testing.T) {
	s := newServer(t)
	old := s.SeedBackup(StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")
	do(t, s, http.MethodGet, basePath, "")

	wantStatus(t, send(t, s, http.MethodPost, "/_emulator/reset", "", ""), http.StatusNoContent)
	if len(s.Backups()) != 0 || len(s.History()) != 0 || len(s.Requests()) != 0 {
		t.Fatalf("after reset: %d backups, %d history entries, %d requests", len(s.Backups()), len(s.History()), len(s.Requests()))
	}
	wantNoContent(t, do(t, s, http.MethodGet, basePath, ""))
	wantNoContent(t, do(t, s, http.MethodGet, histPath, ""))
	wantTopError(t, do(t, s, http.MethodPut, cancelPath(old.ID), ""), http.StatusBadRequest, CodeResourceNotFound, msgResourceNotFound)
	if again := schedule(t, s, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"); again == old.ID {
		t.Fatalf("a backup after the reset reuses id %s", again)
	}
	wantStatus(t, send(t, s, http.MethodGet, "/_emulator/reset", "", ""), http.StatusMethodNotAllowed)
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Zoho-oauthtoken secret", "secret2"}, "X-Other": {"keep"}}
	r := RedactHeader(h)
	if !slices.Equal(r["Authorization"], []string{"Zoho-oauthtoken [REDACTED]", "[REDACTED]"}) || r.Get("X-Other") != "keep" {
		t.Fatalf("redacted = %v", r)
	}
	if h.Get("Authorization") != "Zoho-oauthtoken secret" {
		t.Fatal("RedactHeader modified its input")
	}
	if RedactHeader(nil) == nil {
		t.Fatal("RedactHeader(nil) = nil")
	}
}
