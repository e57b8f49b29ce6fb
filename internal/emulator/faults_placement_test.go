package emulator

import (
	"context"
	"net/http"
	"testing"
)

// TestFaultPlacement: a fault's envelope is at the top level by default and
// under "backup" with Nested, with the status, code, message and details it
// was given in both placements (a nested fault is not forced to 400).
func TestFaultPlacement(t *testing.T) {
	details := map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"}
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError} {
		s := newServer(t)
		s.InjectSequence(http.MethodPost, basePath,
			Fault{Status: status, Code: "MANDATORY_NOT_FOUND", Message: "required field not found", Details: details},
			Fault{Status: status, Code: "MANDATORY_NOT_FOUND", Message: "required field not found", Details: details, Nested: true},
		)

		top := do(t, s, http.MethodPost, basePath, "")
		wantDetails(t, wantTopError(t, top, status, "MANDATORY_NOT_FOUND", "required field not found"), details)

		nested := do(t, s, http.MethodPost, basePath, "")
		wantStatus(t, nested, status)
		wantJSON(t, nested)
		wantKeys(t, "envelope", nested.body, "backup")
		wantDetails(t, checkError(t, obj(t, nested.body["backup"], "backup"), "MANDATORY_NOT_FOUND", "required field not found"), details)

		if _, ok := s.Latest(); ok {
			t.Fatalf("HTTP %d: a faulted POST created a backup", status)
		}
	}

	t.Run("a nested fault keeps the defaults", func(t *testing.T) {
		s := newServer(t)
		s.InjectFault(Fault{Method: http.MethodGet, Path: basePath, Nested: true})
		res := do(t, s, http.MethodGet, basePath, "")
		wantStatus(t, res, http.StatusInternalServerError)
		wantKeys(t, "envelope", res.body, "backup")
		wantDetails(t, checkError(t, obj(t, res.body["backup"], "backup"), CodeInternalError, msgInternalError), map[string]any{})
	})
}

// TestFaultNotModified: a 304 fault answers with no body and no JSON
// Content-Type, whatever Code, Nested or Body say, and the endpoint is not
// reached.
func TestFaultNotModified(t *testing.T) {
	s := newServer(t)
	id := s.SeedBackup(StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	path := cancelPath(id)
	s.InjectSequence(http.MethodPut, path,
		Fault{Status: http.StatusNotModified},
		Fault{Status: http.StatusNotModified, Code: "Not Modified", Nested: true},
		Fault{Status: http.StatusNotModified, Body: `{"code":"x"}`},
	)
	for i := range 3 {
		status, header, body, err := rawDo(context.Background(), s, http.MethodPut, path)
		if err != nil || status != http.StatusNotModified || body != "" || header.Get("Content-Type") != "" {
			t.Fatalf("step %d: HTTP %d, Content-Type %q, body %q, err %v; want a bare 304", i+1, status, header.Get("Content-Type"), body, err)
		}
	}
	wantBackupStatus(t, s, id, StatusScheduled)
	if got := s.CountRequests(http.MethodPut, path); got != 3 {
		t.Errorf("%d requests recorded, want 3", got)
	}
	// The sequence is used up: the endpoint answers again.
	wantSuccess(t, do(t, s, http.MethodPut, path, ""), msgStopped)
}
