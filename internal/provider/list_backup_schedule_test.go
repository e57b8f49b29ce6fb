package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

const (
	scheduleType = "zohocrm_backup_schedule"
	// listAddress is the list block of the published example, as
	// querycheck names it.
	listAddress = scheduleType + ".all"
	// weeklyRule is the rule the tests seed, in Zoho's documented form.
	weeklyRule = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
)

// emulatorDate renders a date as the emulator does by default (Zoho's
// samples: +05:30, numeric offset).
func emulatorDate(t *time.Time) string {
	return t.In(time.FixedZone("IST", 5*60*60+30*60)).Format("2006-01-02T15:04:05-07:00")
}

func strPtr(s string) *string { return &s }

func TestScheduleDisplayName(t *testing.T) {
	next := strPtr("2026-12-10T10:00:00+05:30")
	hostile := "1000.d2dddf7602e8e90b8e7252c07449da55.e794f7281ba755afaa803aefd19cb8ce\x1b[31m" + strings.Repeat("X", 500)
	tests := map[string]struct {
		backup zoho.Backup
		want   string
	}{
		"weekly, every other week": {
			zoho.Backup{Status: zoho.StatusScheduled, RRule: strPtr(weeklyRule), ScheduledDate: next},
			"Weekly backup every 2 weeks on Thursday (next 2026-12-10T10:00:00+05:30)",
		},
		"weekly, every week, another spelling": {
			zoho.Backup{Status: zoho.StatusScheduled, RRule: strPtr("BYDAY=MO;FREQ=WEEKLY;INTERVAL=1"), ScheduledDate: next},
			"Weekly backup every week on Monday (next 2026-12-10T10:00:00+05:30)",
		},
		"monthly by day of month, running": {
			zoho.Backup{Status: zoho.StatusInProgress, RRule: strPtr("RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"), ScheduledDate: next},
			"Monthly backup every month on day 16 (INPROGRESS, next 2026-12-10T10:00:00+05:30)",
		},
		"monthly, first Thursday": {
			zoho.Backup{Status: zoho.StatusScheduled, RRule: strPtr("RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=1TH")},
			"Monthly backup every 3 months on the first Thursday",
		},
		"monthly, last Friday, completed": {
			zoho.Backup{Status: zoho.StatusCompleted, RRule: strPtr("RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR"), ScheduledDate: next},
			"Monthly backup every 2 months on the last Friday (COMPLETED, next 2026-12-10T10:00:00+05:30)",
		},
		"monthly, a weekday without ordinal": {
			zoho.Backup{Status: zoho.StatusScheduled, RRule: strPtr("RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=SU")},
			"Monthly backup every month on every Sunday",
		},
		"immediate, running": {
			zoho.Backup{Status: zoho.StatusInProgress},
			"Immediate backup (INPROGRESS)",
		},
		"immediate, failed, empty rule": {
			zoho.Backup{Status: zoho.StatusFailed, RRule: strPtr("")},
			"Immediate backup (FAILED)",
		},
		"a rule this provider does not know": {
			zoho.Backup{Status: zoho.StatusScheduled, RRule: strPtr("RRULE:FREQ=DAILY;INTERVAL=1"), ScheduledDate: next},
			"Backup on rule RRULE:FREQ=DAILY;INTERVAL=1 (next 2026-12-10T10:00:00+05:30)",
		},
		"hostile strings are redacted, cleaned and bounded": {
			zoho.Backup{Status: hostile, RRule: strPtr(hostile), ScheduledDate: strPtr(hostile)},
			"Backup on rule [REDACTED][31m" + strings.Repeat("X", 80-len("[REDACTED][31m")) + "… (" +
				"[REDACTED][31m" + strings.Repeat("X", 32-len("[REDACTED][31m")) + "…, next " +
				"[REDACTED][31m" + strings.Repeat("X", 40-len("[REDACTED][31m")) + "…)",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := scheduleDisplayName(&tt.backup); got != tt.want {
				t.Errorf("display name\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// listResults calls the ListResource RPC of the served server as Terraform
// does for `list "zohocrm_backup_schedule"` with no config block.
func (c *protocolClient) listResults(includeResource bool) []tfprotov6.ListResourceResult {
	c.t.Helper()
	schema, ok := c.schemas.ListResourceSchemas[scheduleType]
	if !ok {
		c.t.Fatalf("GetProviderSchema lists no list resource %s", scheduleType)
	}
	stream, err := c.server.ListResource(c.t.Context(), &tfprotov6.ListResourceRequest{
		TypeName: scheduleType, Config: c.value(schema, map[string]tftypes.Value{}), IncludeResource: includeResource, Limit: 100,
	})
	if err != nil {
		c.t.Fatalf("ListResource: %v", err)
	}
	return slices.Collect(stream.Results)
}

// decode unmarshals a protocol value of the given schema into Go values.
func decode(t *testing.T, dv *tfprotov6.DynamicValue, typ tftypes.Type) map[string]tftypes.Value {
	t.Helper()
	if dv == nil {
		t.Fatal("the value is missing")
	}
	value, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tftypes.Value{}
	if err := value.As(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Through the protocol, on every CLI: nothing is listed for no backup and
// for a stopped one; a live backup is listed with its identity, its display
// name and, when asked for, the attributes an import records; a Zoho error
// is a diagnostic. Each listing makes one GET /backup.
func TestProtocol_listBackupSchedule(t *testing.T) {
	srv := newEmulator(t)
	c := newProtocolClient(t, srv, testToken)
	wantGets := func(want int) {
		t.Helper()
		if got := srv.CountRequests(http.MethodGet, backupPath); got != want || len(srv.Requests()) != want {
			t.Fatalf("%d requests (%d GET /backup), want %d GET /backup only", len(srv.Requests()), got, want)
		}
	}

	if got := c.listResults(true); len(got) != 0 {
		t.Fatalf("with no backup: %d results, want none: %+v", len(got), got)
	}
	wantGets(1)

	stopped := srv.SeedBackup(emulator.StatusStopped, weeklyRule)
	if got := c.listResults(true); len(got) != 0 {
		t.Fatalf("with only the STOPPED backup %s: %d results, want none", stopped.ID, len(got))
	}
	wantGets(2)

	live := srv.SeedBackup(emulator.StatusScheduled, weeklyRule)
	results := c.listResults(true)
	wantGets(3)
	if len(results) != 1 {
		t.Fatalf("with the SCHEDULED backup %s: %d results, want 1: %+v", live.ID, len(results), results)
	}
	result := results[0]
	wantNoDiagnostics(t, "listing", result.Diagnostics)
	next := emulatorDate(live.ScheduledDate)
	if want := "Weekly backup every 2 weeks on Thursday (next " + next + ")"; result.DisplayName != want {
		t.Errorf("display name %q, want %q", result.DisplayName, want)
	}
	identitySchemas, err := c.server.GetResourceIdentitySchemas(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	identity := decode(t, result.Identity.IdentityData, identitySchemas.IdentitySchemas[scheduleType].ValueType())
	if !identity["id"].Equal(stringValue(live.ID)) {
		t.Errorf("identity %v, want id %s", identity, live.ID)
	}
	attributes := decode(t, result.Resource, c.schemas.ResourceSchemas[scheduleType].ValueType())
	for name, want := range map[string]tftypes.Value{
		"id": stringValue(live.ID), "rrule": stringValue(weeklyRule), "status": stringValue(emulator.StatusScheduled),
		"scheduled_date": stringValue(next), "start_date": stringValue(emulatorDate(live.StartDate)),
	} {
		if !attributes[name].Equal(want) {
			t.Errorf("attribute %s = %v, want %v", name, attributes[name], want)
		}
	}
	if !attributes["timeouts"].IsNull() {
		t.Errorf("timeouts = %v, want null, as after an import", attributes["timeouts"])
	}

	if without := c.listResults(false); len(without) != 1 || without[0].Resource != nil || without[0].DisplayName != result.DisplayName {
		t.Errorf("without include_resource: %+v, want the same result without the resource", without)
	}
	wantGets(4)

	srv.RevokeToken(testToken)
	failed := c.listResults(true)
	if len(failed) != 1 {
		t.Fatalf("with a revoked token: %d results, want one holding the error", len(failed))
	}
	wantOneError(t, "listing with a revoked token", failed[0].Diagnostics, "Failed to list the backup schedule", "INVALID_TOKEN")
}

// listExample is the published example of the list resource, which every
// query test runs, so a broken example fails them.
func listExample(t *testing.T) string {
	t.Helper()
	example, err := os.ReadFile("../../examples/list-resources/zohocrm_backup_schedule/list-resource.tfquery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return string(example)
}

// requestsWere is a query check that the emulator received exactly these
// requests ("METHOD path"), in order.
type requestsWere struct {
	srv  *emulator.Server
	want []string
}

func (c requestsWere) CheckQuery(_ context.Context, _ querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	var got []string
	for _, req := range c.srv.Requests() {
		got = append(got, req.Method+" "+req.Path)
	}
	if !slices.Equal(got, c.want) {
		resp.Error = fmt.Errorf("the emulator received\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
	}
}

// skipBelowListCLI skips, with the reason, on a CLI without terraform
// query: Terraform before 1.14, and OpenTofu.
func skipBelowListCLI(t *testing.T) {
	t.Helper()
	skipBelowTerraform(t, 14, "list resources (terraform query)")
}

// queryTestCase applies the provider configuration alone (no request),
// then runs `terraform query` on the published example with checks.
func queryTestCase(t *testing.T, srv *emulator.Server, checks ...querycheck.QueryResultCheck) resource.TestCase {
	return resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		PreCheck:                 func() { skipBelowListCLI(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: providerBlock(srv.URL(), testToken), Check: checkRequestCount(srv, 0)},
			{Query: true, Config: listExample(t), QueryResultChecks: checks},
		},
	}
}

// terraform query finds nothing when Zoho reports no backup, or only a
// stopped one, with one GET /backup.
func TestAccBackupScheduleList_noneFound(t *testing.T) {
	for name, seed := range map[string]string{"no backup": "", "a STOPPED backup": emulator.StatusStopped} {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			if seed != "" {
				srv.SeedBackup(seed, weeklyRule)
			}
			parallelAcceptanceTest(t, queryTestCase(t, srv,
				querycheck.ExpectLength(listAddress, 0),
				requestsWere{srv: srv, want: []string{"GET " + backupPath}},
			))
		})
	}
}

// terraform query finds the live backup: its identity, a display name that
// says when it runs, and with include_resource its attributes; one GET.
func TestAccBackupScheduleList_oneFound(t *testing.T) {
	srv := newEmulator(t)
	live := srv.SeedBackup(emulator.StatusScheduled, weeklyRule)
	next := emulatorDate(live.ScheduledDate)
	byID := queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(live.ID)})
	parallelAcceptanceTest(t, queryTestCase(t, srv,
		querycheck.ExpectLength(listAddress, 1),
		querycheck.ExpectIdentity(listAddress, map[string]knownvalue.Check{"id": knownvalue.StringExact(live.ID)}),
		querycheck.ExpectResourceDisplayName(listAddress, byID,
			knownvalue.StringExact("Weekly backup every 2 weeks on Thursday (next "+next+")")),
		querycheck.ExpectResourceKnownValues(listAddress, byID, []querycheck.KnownValueCheck{
			{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(live.ID)},
			{Path: tfjsonpath.New("rrule"), KnownValue: knownvalue.StringExact(weeklyRule)},
			{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact(emulator.StatusScheduled)},
			{Path: tfjsonpath.New("scheduled_date"), KnownValue: knownvalue.StringExact(next)},
			{Path: tfjsonpath.New("start_date"), KnownValue: knownvalue.StringExact(emulatorDate(live.StartDate))},
			{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
		}),
		requestsWere{srv: srv, want: []string{"GET " + backupPath}},
	))
}

// The published example, run as its page says: terraform query
// -generate-config-out writes an import block and a resource; applying
// them imports the backup with GETs only, and the next plan is empty. For a
// recurring schedule, and for an immediate backup (no rrule to write).
func TestAccBackupScheduleList_generateConfig(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	skipBelowListCLI(t)
	example := listExample(t)
	tests := map[string]struct {
		status, rule string
		wantRule     string // the generated rrule line
	}{
		"recurring": {emulator.StatusScheduled, weeklyRule, `rrule    = "` + weeklyRule + `"`},
		"immediate": {emulator.StatusInProgress, "", `rrule    = null`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newEmulator(t)
			live := srv.SeedBackup(tt.status, tt.rule)
			cli := newTerraformCLI(t, New("test")(), providerBlock(srv.URL(), testToken))
			writeFile(t, filepath.Join(cli.dir, "backups.tfquery.hcl"), example)
			cli.mustRun("init", "-no-color")

			out := cli.mustRun("query", "-no-color", "-generate-config-out=generated.tf")
			t.Logf("terraform query -generate-config-out:\n%s", out)
			if !strings.Contains(out, "id="+live.ID) {
				t.Fatalf("the query does not list backup %s:\n%s", live.ID, out)
			}
			generated, err := os.ReadFile(filepath.Join(cli.dir, "generated.tf"))
			if err != nil {
				t.Fatal(err)
			}
			checkGenerated(t, string(generated), live.ID, tt.wantRule)
			wantOnlyGets(t, srv, 1)

			out = cli.mustRun("apply", "-auto-approve", "-no-color")
			if !strings.Contains(out, "Resources: 1 imported, 0 added, 0 changed, 0 destroyed.") {
				t.Fatalf("apply: want one import and nothing else:\n%s", out)
			}
			out, err = cli.run("plan", "-no-color", "-detailed-exitcode")
			if err != nil || !strings.Contains(out, "No changes.") {
				t.Fatalf("plan after the import: want no changes (exit 0), got %v:\n%s", err, out)
			}
			state := cli.state()["zohocrm_backup_schedule.all_0"]
			if state["id"] != live.ID || state["status"] != tt.status {
				t.Errorf("state %v, want backup %s in status %s", state, live.ID, tt.status)
			}
			// The query 1; the apply's plan 2 (the import's check, then
			// the refresh), its apply none; the last plan 1 (refresh).
			wantOnlyGets(t, srv, 4)
		})
	}
}

// checkGenerated asserts the generated file imports backup id by identity
// into a resource whose only rrule line is wantRule.
func checkGenerated(t *testing.T, generated, id, wantRule string) {
	t.Helper()
	folded := foldSpace(generated)
	for _, want := range []string{
		`resource "zohocrm_backup_schedule" "all_0" { provider = zohocrm ` + foldSpace(wantRule) + ` timeouts = null }`,
		`import { to = zohocrm_backup_schedule.all_0 provider = zohocrm identity = { id = "` + id + `" } }`,
	} {
		if !strings.Contains(folded, want) {
			t.Errorf("generated.tf lacks %s:\n%s", want, generated)
		}
	}
	if n := strings.Count(generated, "rrule"); n != 1 {
		t.Errorf("generated.tf has %d rrule lines, want 1:\n%s", n, generated)
	}
}

// wantOnlyGets asserts that the emulator received want requests so far,
// all of them GET /backup: no write.
func wantOnlyGets(t *testing.T, srv *emulator.Server, want int) {
	t.Helper()
	if w := writes(srv); len(w) > 0 {
		t.Fatalf("writes: %v, want none", w)
	}
	if got, gets := len(srv.Requests()), srv.CountRequests(http.MethodGet, backupPath); got != want || gets != want {
		t.Fatalf("%d requests (%d GET /backup), want %d GET /backup only", got, gets, want)
	}
}
