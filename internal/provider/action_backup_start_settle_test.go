package provider

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// Through the real CLI: for each failure Zoho may have acted on, -invoke of
// zohocrm_backup_start sends one POST, finds the backup it started by
// reading back (GET /backup, then one page of history for its "initiated"
// event), reports it with a warning that Zoho's answer was lost, and with
// wait = true follows it to COMPLETED and its links. Zoho holds one backup.
func TestAccBackupStartAction_settlesAnAmbiguousStart(t *testing.T) {
	skipUnlessActionsCLI(t)
	tests := map[string]struct {
		wait bool
		// requests is the exact request log without wait; with wait, the
		// log must begin with it and end with one GET of the links.
		requests []string
	}{
		"reset after sending": {requests: []string{"POST " + backupPath, "GET " + backupPath, "GET " + backupPath + "/history"}},
		"500 after acting":    {wait: true, requests: []string{"POST " + backupPath, "GET " + backupPath, "GET " + backupPath + "/history"}},
		// The backup has finished by the time the attempt times out: it is
		// read back COMPLETED and tied to the request by its history.
		"timeout": {wait: true, requests: []string{"POST " + backupPath, "GET " + backupPath, "GET " + backupPath + "/history"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t, emulator.WithImmediateBackup(300*time.Millisecond, emulator.StatusCompleted))
			fastPolling := &zohocrmProvider{version: "test", statusPollInterval: testStatusPollInterval}
			cli := newTerraformCLI(t, fastPolling, retryingProviderBlock(srv.URL(), 2, ambiguousRequestTimeout)+`
action "zohocrm_backup_start" "now" {}

action "zohocrm_backup_start" "and_wait" {
  config {
    wait          = true
    poll_interval = "5s"
    timeout       = "10m"
  }
}
`)
			cli.mustRun("init", "-no-color")
			srv.InjectFault(ambiguousPostFaults[name])
			action := "action.zohocrm_backup_start.now"
			if tt.wait {
				action = "action.zohocrm_backup_start.and_wait"
			}
			out := cli.mustRun("apply", "-auto-approve", "-no-color", "-invoke="+action)
			checkOnePost(t, srv)
			backups := srv.Backups()
			if len(backups) != 1 {
				t.Fatalf("Zoho holds %d backups, want 1", len(backups))
			}
			backup := backups[0]
			wantOutput(t, out, "Backup "+backup.ID+" started",
				"Warning: Zoho's answer was lost; backup "+backup.ID+" was found by reading back",
				"failed in a way Zoho may have acted on, so it was not sent again", ambiguousCause[name],
				"Zoho's history shows it initiated at", "so it is the backup this request started",
				"It is reported as this invocation's backup")
			if tt.wait {
				wantOutput(t, out, append([]string{"Backup " + backup.ID + " is COMPLETED"}, backup.DataLinks...)...)
			}
			checkSettledStartRequests(t, srv, tt.wait, tt.requests)
		})
	}
}

// checkSettledStartRequests checks the request log of a settled start:
// exactly want without wait; with wait, want, the polls, then one read of
// the links.
func checkSettledStartRequests(t *testing.T, srv *emulator.Server, wait bool, want []string) {
	t.Helper()
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	if !wait {
		if !slices.Equal(got, want) {
			t.Errorf("requests = %q, want %q", got, want)
		}
		return
	}
	if len(got) < len(want)+1 || !slices.Equal(got[:len(want)], want) || got[len(got)-1] != "GET "+backupPath+"/urls" {
		t.Errorf("requests = %q, want %q, the polls, then one read of the links", got, want)
	}
	if n := srv.CountRequests(http.MethodGet, backupPath+"/urls"); n != 1 {
		t.Errorf("%d reads of the links, want 1", n)
	}
}

// Where nothing can be known, the invocation fails with one POST and an
// error that says Zoho may have acted, what the read-back found and how to
// check, and never claims a backup it cannot tie to the request: one that
// was running before it is not this invocation's.
func TestProtocol_startActionAmbiguousUnsettled(t *testing.T) {
	for name, tc := range map[string]struct {
		opts     []emulator.Option
		setup    func(*emulator.Server)
		requests int
		want     []string
	}{
		"no backup at all": {
			requests: 2,
			want:     []string{"Zoho reports no backup at all"},
		},
		"a backup started two hours before": {
			opts: []emulator.Option{emulator.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) })},
			setup: func(s *emulator.Server) {
				s.SeedBackup(emulator.StatusInProgress, "")
				s.AdvanceClock(2 * time.Hour)
			},
			requests: 3,
			want:     []string{"(INPROGRESS, immediate), which is not this request's result", "before this request was sent"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t, tc.opts...)
			if tc.setup != nil {
				tc.setup(srv)
				srv.ResetRequests()
			}
			// Zoho failed without acting.
			srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: backupPath})
			c := newProtocolClient(t, srv, testToken)
			progress, diags := c.invokeAction(startAction, nil)
			wantOneError(t, "InvokeAction", diags, append(tc.want, "Zoho may have scheduled the backup, but its answer was lost",
				"HTTP 500, Zoho code INTERNAL_ERROR", "Reading the latest backup back could not tell whether it did",
				"Check before trying again", "If an immediate backup started after this request, it is this request's backup")...)
			checkOnePost(t, srv)
			if got := len(srv.Requests()); got != tc.requests {
				t.Errorf("%d requests, want %d: %s", got, tc.requests, requestLog(srv))
			}
			if len(progress) != 1 {
				t.Errorf("progress = %q, want only the start message", progress)
			}
		})
	}
}
