package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// The ways a POST /backup fails after Zoho acted on it, as faults: the
// answer lost by a reset after sending, a 500 after acting, and no answer
// within request_timeout (ambiguousRequestTimeout; the fault holds the
// answer back longer).
const ambiguousRequestTimeout = "1s"

var ambiguousPostFaults = map[string]emulator.Fault{
	"reset after sending": {Method: http.MethodPost, Path: backupPath, PassThrough: true, Drop: true},
	"500 after acting":    {Method: http.MethodPost, Path: backupPath, PassThrough: true, Status: http.StatusInternalServerError},
	"timeout":             {Method: http.MethodPost, Path: backupPath, PassThrough: true, Delay: 3 * time.Second},
}

// ambiguousCause is what the warning quotes of each fault.
var ambiguousCause = map[string]string{
	"reset after sending": `backup": EOF`,
	"500 after acting":    "HTTP 500, Zoho code INTERNAL_ERROR",
	"timeout":             "no complete answer from Zoho within the request timeout of 1s",
}

// requestLog lists the emulator's requests in order, as "METHOD path".
func requestLog(srv *emulator.Server) string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return strings.Join(out, ", ")
}

// settleCLI is a CLI working directory with one zohocrm_backup_schedule of
// rule ("" for an immediate backup) and a provider that retries (so that
// not retrying the POST is the provider's choice) with a short
// request_timeout.
func settleCLI(t *testing.T, srv *emulator.Server, rule string) *terraformCLI {
	t.Helper()
	argument := ""
	if rule != "" {
		argument = fmt.Sprintf("rrule = %q", rule)
	}
	cli := newTerraformCLI(t, New("test")(), retryingProviderBlock(srv.URL(), 2, ambiguousRequestTimeout)+fmt.Sprintf(`
resource "zohocrm_backup_schedule" "test" {
  %s
}
`, argument))
	cli.mustRun("init", "-no-color")
	return cli
}

// wantOutput requires every part in out (white space folded) and no token.
func wantOutput(t *testing.T, out string, parts ...string) {
	t.Helper()
	folded := foldSpace(out)
	for _, part := range parts {
		if !strings.Contains(folded, foldSpace(part)) {
			t.Errorf("the output does not say %q:\n%s", part, out)
		}
	}
	for _, secret := range allTestTokens {
		if strings.Contains(out, secret) {
			t.Errorf("the output quotes an access token")
		}
	}
}

// wantPlanEmpty runs a plan that must propose nothing.
func wantPlanEmpty(t *testing.T, cli *terraformCLI) {
	t.Helper()
	if out, err := cli.run("plan", "-no-color", "-detailed-exitcode"); err != nil {
		t.Errorf("the plan after the apply is not empty (%v):\n%s", err, out)
	}
}

// For each failure Zoho may have acted on, the schedule's create sends one
// POST, reads the latest backup back once, finds the backup Zoho made with
// the rule asked for, records it with a warning that Zoho's answer was
// lost, and the next plan is empty.
func TestAccBackupSchedule_settlesAnAmbiguousCreate(t *testing.T) {
	const rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
	for name, fault := range ambiguousPostFaults {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			cli := settleCLI(t, srv, rule)
			srv.InjectFault(fault)
			out := cli.mustRun("apply", "-auto-approve", "-no-color")
			backups := srv.Backups()
			if len(backups) != 1 || backups[0].Status != emulator.StatusScheduled {
				t.Fatalf("Zoho holds %+v, want one SCHEDULED backup", backups)
			}
			id := backups[0].ID
			if got, want := requestLog(srv), "POST "+backupPath+", GET "+backupPath; got != want {
				t.Errorf("requests = %s, want %s", got, want)
			}
			wantOutput(t, out, "Warning: Zoho's answer was lost; backup "+id+" was found by reading back",
				"failed in a way Zoho may have acted on, so it was not sent again", ambiguousCause[name],
				"Reading back found backup "+id+" (SCHEDULED, rule RRULE:"+rule+")",
				"Zoho keeps one scheduled or running backup at a time", "It is recorded in state",
				"1 added, 0 changed, 0 destroyed")
			got := cli.state()[scheduleAddress]
			if got["id"] != id || got["rrule"] != rule || got["status"] != "SCHEDULED" || got["scheduled_date"] == nil {
				t.Errorf("state = %v, want backup %s SCHEDULED with the rule as written", got, id)
			}
			wantPlanEmpty(t, cli)
			if posts := srv.CountRequests(http.MethodPost, backupPath); posts != 1 {
				t.Errorf("%d POST %s, want 1", posts, backupPath)
			}
		})
	}
}

// An immediate backup, whose answer is lost: Zoho's history ties the
// backup to the request (its "initiated" event is after the request was
// sent), whether the backup is still running or already finished.
func TestAccBackupSchedule_settlesAnAmbiguousImmediateCreate(t *testing.T) {
	for _, status := range []string{emulator.StatusInProgress, emulator.StatusCompleted} {
		t.Run(status, func(t *testing.T) {
			duration := time.Hour
			if status == emulator.StatusCompleted {
				duration = 0 // finished before it is read back
			}
			srv := newEmulator(t, emulator.WithImmediateBackup(duration, emulator.StatusCompleted))
			cli := settleCLI(t, srv, "")
			srv.InjectFault(ambiguousPostFaults["reset after sending"])
			out := cli.mustRun("apply", "-auto-approve", "-no-color")
			backups := srv.Backups()
			if len(backups) != 1 {
				t.Fatalf("Zoho holds %d backups, want 1", len(backups))
			}
			id := backups[0].ID
			want := "POST " + backupPath + ", GET " + backupPath + ", GET " + backupPath + "/history"
			if got := requestLog(srv); got != want {
				t.Errorf("requests = %s, want %s", got, want)
			}
			wantOutput(t, out, "Zoho's answer was lost; backup "+id+" was found by reading back",
				"Reading back found backup "+id+" ("+status+", immediate)", "Zoho's history shows it initiated at",
				"after this request was sent, so it is the backup this request started")
			if got := cli.state()[scheduleAddress]; got["id"] != id || got["status"] != status || got["rrule"] != nil {
				t.Errorf("state = %v, want backup %s, %s, without a rule", got, id, status)
			}
			wantPlanEmpty(t, cli)
		})
	}
}

// BACKUP_ALREADY_SCHEDULED for a backup with the same rule (written another
// way) adopts it: no new backup, a warning that says so, the rule kept as
// written, and destroying the resource cancels the adopted backup.
func TestAccBackupSchedule_adoptsTheSameRule(t *testing.T) {
	srv := newEmulator(t)
	const written = "BYDAY=TU;FREQ=WEEKLY;INTERVAL=2"
	existing := srv.SeedBackup(emulator.StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU").ID
	srv.ResetRequests()
	cli := settleCLI(t, srv, written)
	out := cli.mustRun("apply", "-auto-approve", "-no-color")
	if got, want := requestLog(srv), "POST "+backupPath+", GET "+backupPath; got != want {
		t.Errorf("requests = %s, want %s", got, want)
	}
	if n := len(srv.Backups()); n != 1 {
		t.Errorf("Zoho holds %d backups, want the existing one only", n)
	}
	wantOutput(t, out, "Warning: Adopted backup "+existing+", already scheduled with the same rule",
		"Zoho refused to schedule another backup (BACKUP_ALREADY_SCHEDULED)",
		"backup "+existing+" (SCHEDULED, rule RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU) already has the rule asked for",
		"Nothing new was scheduled and no monthly backup was used")
	if got := cli.state()[scheduleAddress]; got["id"] != existing || got["rrule"] != written || got["status"] != "SCHEDULED" {
		t.Errorf("state = %v, want backup %s with the rule as written", got, existing)
	}
	wantPlanEmpty(t, cli)
	cli.mustRun("destroy", "-auto-approve", "-no-color")
	if got := writes(srv); len(got) != 2 || got[1] != "PUT "+cancelPath(existing) {
		t.Errorf("writes = %v, want the refused POST, then the cancellation of backup %s", got, existing)
	}
}

// Where nothing can be known, the create fails, nothing is recorded, and
// the error says Zoho may have acted, what the read-back found, and how to
// check, never just "try again". One POST either way.
func TestAccBackupSchedule_ambiguousCreateThatCannotBeSettled(t *testing.T) {
	const rule = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
	const other = "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1"
	tests := map[string]struct {
		setup    func(*emulator.Server) string
		requests string
		want     []string
	}{
		// Zoho failed before acting (a 500 without the backup), and then
		// its read fails too: 3 GETs, the first and max_retries = 2.
		"the read-back fails too": {
			setup: func(s *emulator.Server) string {
				s.InjectFault(emulator.Fault{Method: http.MethodGet, Path: backupPath, Times: -1, Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"})
				return ""
			},
			requests: "POST, GET, GET, GET",
			want:     []string{"reading the latest backup back failed too", "HTTP 502"},
		},
		// Another backup was in the way: Zoho's refusal was lost behind
		// the 500, and the read-back names that backup.
		"the read-back finds another rule": {
			setup:    func(s *emulator.Server) string { return s.SeedBackup(emulator.StatusScheduled, other).ID },
			requests: "POST, GET",
			want:     []string{"(SCHEDULED, rule " + other + "), which is not this request's result: its rule is not the one asked for"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			named := tt.setup(srv)
			srv.ResetRequests()
			cli := settleCLI(t, srv, rule)
			srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: backupPath})
			out, err := cli.run("apply", "-auto-approve", "-no-color")
			if err == nil {
				t.Fatalf("the apply succeeded:\n%s", out)
			}
			if named != "" {
				tt.want = append(tt.want, "found backup "+named)
			}
			wantOutput(t, out, append(tt.want, "Error: Zoho may have scheduled the backup, but its answer was lost",
				"HTTP 500, Zoho code INTERNAL_ERROR", "so Zoho may have scheduled the backup. It was not sent again",
				"Reading the latest backup back could not tell whether it did",
				"Check before trying again: read the zohocrm_backup data source",
				"If a backup with the rule asked for is scheduled, apply again: zohocrm_backup_schedule adopts it")...)
			got := strings.ReplaceAll(requestLog(srv), " "+backupPath, "")
			if got != tt.requests {
				t.Errorf("requests = %s, want %s", got, tt.requests)
			}
			if state := cli.state(); len(state) != 0 {
				t.Errorf("an unsettled create left state: %v", state)
			}
		})
	}
}
