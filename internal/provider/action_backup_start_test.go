package provider

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const startAction = "zohocrm_backup_start"

func waitConfig(timeout string) map[string]tftypes.Value {
	return map[string]tftypes.Value{
		"wait":    tftypes.NewValue(tftypes.Bool, true),
		"timeout": stringValue(timeout),
	}
}

// checkOnePost requires that the emulator received exactly one POST
// /backup, with the empty body Zoho documents for an immediate backup.
func checkOnePost(t *testing.T, srv *emulator.Server) {
	t.Helper()
	var posts []emulator.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost {
			posts = append(posts, r)
		}
	}
	if len(posts) != 1 || posts[0].Path != backupPath || len(posts[0].Body) != 0 {
		t.Fatalf("POST requests = %+v, want one POST %s with an empty body", posts, backupPath)
	}
}

// Without wait, the invocation POSTs once and ends when Zoho accepts.
// Planning makes no request.
func TestProtocol_startAction(t *testing.T) {
	srv := newEmulator(t)
	c := newProtocolClient(t, srv, testToken)
	wantNoDiagnostics(t, "PlanAction", c.planAction(startAction, nil))
	if got := len(srv.Requests()); got != 0 {
		t.Fatalf("planning made %d requests, want 0", got)
	}

	progress, diags := c.invokeAction(startAction, nil)
	wantNoDiagnostics(t, "InvokeAction", diags)
	checkOnePost(t, srv)
	if got := len(srv.Requests()); got != 1 {
		t.Fatalf("the emulator received %d requests, want the POST only", got)
	}
	latest, _ := srv.Latest()
	want := []string{
		"Starting an immediate Zoho CRM backup (it uses one of the edition's monthly backups)",
		"Backup " + latest.ID + " started",
	}
	if !slices.Equal(progress, want) {
		t.Errorf("progress = %q, want %q", progress, want)
	}
}

// With wait, the invocation follows the backup to COMPLETED, reporting each
// status once, in order, then the links and their expiry.
func TestProtocol_startActionWaitsForCompletion(t *testing.T) {
	srv := newEmulator(t, emulator.WithImmediateBackup(200*time.Millisecond, emulator.StatusCompleted))
	c := newProtocolClient(t, srv, testToken)

	progress, diags := c.invokeAction(startAction, waitConfig("1m"))
	wantNoDiagnostics(t, "InvokeAction", diags)
	checkOnePost(t, srv)
	backup, _ := srv.Latest()
	id := backup.ID
	if backup.Status != emulator.StatusCompleted || len(progress) != 5 {
		t.Fatalf("backup %s is %s; progress = %q; want COMPLETED after 5 events", id, backup.Status, progress)
	}
	want := []string{
		"Starting an immediate Zoho CRM backup (it uses one of the edition's monthly backups)",
		"Backup " + id + " started",
		"Backup " + id + " is INPROGRESS",
		"Backup " + id + " is COMPLETED",
	}
	if !slices.Equal(progress[:4], want) {
		t.Errorf("progress = %q, want it to begin with %q", progress, want)
	}
	links := progress[4]
	for _, part := range slices.Concat(backup.DataLinks, backup.AttachmentLinks, []string{"download links, valid until 20"}) {
		if !strings.Contains(links, part) {
			t.Errorf("the last event %q does not name %q", links, part)
		}
	}
	if got := srv.CountRequests(http.MethodGet, backupPath+"/urls"); got != 1 {
		t.Errorf("%d reads of the links, want 1", got)
	}
}

// The failures of a start, each ending the invocation with an error that
// names what happened and the way out.
func TestProtocol_startActionFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		opts   []emulator.Option
		seed   string // the status of a backup seeded before the invocation
		config map[string]tftypes.Value
		want   []string
	}{
		"failed": {
			opts:   []emulator.Option{emulator.WithImmediateBackup(50*time.Millisecond, emulator.StatusFailed)},
			config: waitConfig("1m"),
			want:   []string{"failed", "Zoho reports the backup as FAILED"},
		},
		"timeout": {
			opts:   []emulator.Option{emulator.WithImmediateBackup(time.Hour, emulator.StatusCompleted)},
			config: waitConfig("1s"),
			want: []string{"did not finish within timeout = 1s", "while it was INPROGRESS",
				"The backup goes on in Zoho", "zohocrm_backup data source"},
		},
		"limit reached": {
			opts: []emulator.Option{emulator.WithMonthlyQuota(0)},
			want: []string{"The monthly backup limit of the Zoho CRM edition is reached", "LIMIT_REACHED",
				"4 for Ultimate, 2 for the other paid editions"},
		},
		"limit exceeded": {
			opts: []emulator.Option{emulator.WithMonthlyQuota(0), emulator.WithLimitCode(emulator.CodeLimitExceeded)},
			want: []string{"The monthly backup limit of the Zoho CRM edition is reached", "LIMIT_EXCEEDED",
				"4 for Ultimate, 2 for the other paid editions"},
		},
		"already scheduled": {
			seed: emulator.StatusScheduled,
			want: []string{"is already scheduled or running", "BACKUP_ALREADY_SCHEDULED", "No backup was started",
				"terraform apply -invoke=action.zohocrm_backup_cancel.existing"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t, tc.opts...)
			if tc.seed != "" {
				existing := srv.SeedBackup(tc.seed, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
				tc.want = append(tc.want, "Backup "+existing, `backup_id = "`+existing+`"`)
			}
			c := newProtocolClient(t, srv, testToken)
			_, diags := c.invokeAction(startAction, tc.config)
			wantOneError(t, "InvokeAction", diags, tc.want...)
			checkOnePost(t, srv)
		})
	}
}

// poll_interval and timeout are checked at plan time, with messages that
// name the attribute and the accepted range; no request is made.
func TestProtocol_startActionValidation(t *testing.T) {
	srv := newEmulator(t)
	c := newProtocolClient(t, srv, testToken)
	wantOneError(t, "poll_interval", c.validateAction(startAction, map[string]tftypes.Value{"poll_interval": stringValue("1s")}),
		"Invalid poll_interval", `"1s" is out of range: use a duration from 5s to 1h0m0s`)
	wantOneError(t, "timeout", c.validateAction(startAction, map[string]tftypes.Value{"timeout": stringValue("soon")}),
		"Invalid timeout", `"soon" is not a duration`)
	wantNoDiagnostics(t, "valid", c.validateAction(startAction, map[string]tftypes.Value{
		"poll_interval": stringValue("5s"), "timeout": stringValue("6h"), "wait": tftypes.NewValue(tftypes.Bool, true),
	}))
	if got := len(srv.Requests()); got != 0 {
		t.Fatalf("validation made %d requests, want 0", got)
	}
}

// Through the real CLI: -invoke of zohocrm_backup_start POSTs once with an
// empty body; with wait = true it reports COMPLETED and the download links.
func TestAccBackupStartAction_invoke(t *testing.T) {
	skipUnlessActionsCLI(t)
	srv := newEmulator(t, emulator.WithImmediateBackup(300*time.Millisecond, emulator.StatusCompleted))
	fastPolling := &zohocrmProvider{version: "test", statusPollInterval: testStatusPollInterval}
	cli := newTerraformCLI(t, fastPolling, providerBlock(srv.URL(), testToken)+`
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
	cli.mustRun("plan", "-no-color")
	if got := len(srv.Requests()); got != 0 {
		t.Fatalf("a plain plan made %d requests, want 0", got)
	}

	out := cli.mustRun("apply", "-auto-approve", "-no-color", "-invoke=action.zohocrm_backup_start.now")
	checkOnePost(t, srv)
	first, _ := srv.Latest()
	if !strings.Contains(out, "Backup "+first.ID+" started") || len(srv.Requests()) != 1 {
		t.Fatalf("want one POST and its backup reported; %d requests:\n%s", len(srv.Requests()), out)
	}

	srv.AdvanceClock(time.Hour) // the first backup completes, so Zoho accepts another
	srv.ResetRequests()
	out = cli.mustRun("apply", "-auto-approve", "-no-color", "-invoke=action.zohocrm_backup_start.and_wait")
	checkOnePost(t, srv)
	second, _ := srv.Latest()
	for _, want := range slices.Concat([]string{"Backup " + second.ID + " is COMPLETED"}, second.DataLinks, second.AttachmentLinks) {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not report %q:\n%s", want, out)
		}
	}
}
