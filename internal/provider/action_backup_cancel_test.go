package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const cancelAction = "zohocrm_backup_cancel"

func cancelConfig(id string) map[string]tftypes.Value {
	return map[string]tftypes.Value{"backup_id": stringValue(id)}
}

// The schemas served in process list both actions and the schedule's
// identity, as Terraform 1.14+ reads them.
func TestProtocol_schemasListActionsAndIdentity(t *testing.T) {
	c := newProtocolClient(t, newEmulator(t), testToken)
	for _, name := range []string{cancelAction, startAction} {
		if _, ok := c.schemas.ActionSchemas[name]; !ok {
			t.Errorf("GetProviderSchema lists no action %s", name)
		}
	}
	if attr := c.schemas.ActionSchemas[cancelAction].Schema.Block.Attributes; len(attr) != 1 || attr[0].Name != "backup_id" || !attr[0].Required {
		t.Errorf("zohocrm_backup_cancel attributes = %v, want backup_id required", attr)
	}
	identities, err := c.server.GetResourceIdentitySchemas(t.Context(), nil)
	if err != nil || len(identities.Diagnostics) > 0 {
		t.Fatalf("GetResourceIdentitySchemas: %v %s", err, diagnosticsText(identities.Diagnostics))
	}
	schedule, ok := identities.IdentitySchemas["zohocrm_backup_schedule"]
	if !ok || len(schedule.IdentityAttributes) != 1 || schedule.IdentityAttributes[0].Name != "id" || !schedule.IdentityAttributes[0].RequiredForImport {
		t.Fatalf("zohocrm_backup_schedule identity = %+v, want id required for import", schedule)
	}
}

// Invoking cancels with one PUT and reports it; invoking again is answered
// ALREADY_CANCELLED, which is success. Planning makes no request.
func TestProtocol_cancelAction(t *testing.T) {
	srv := newEmulator(t)
	id := srv.SeedBackup(emulator.StatusScheduled, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	c := newProtocolClient(t, srv, testToken)

	wantNoDiagnostics(t, "ValidateActionConfig", c.validateAction(cancelAction, cancelConfig(id)))
	wantNoDiagnostics(t, "PlanAction", c.planAction(cancelAction, cancelConfig(id)))
	if got := len(srv.Requests()); got != 0 {
		t.Fatalf("validating and planning made %d requests, want 0", got)
	}

	progress, diags := c.invokeAction(cancelAction, cancelConfig(id))
	wantNoDiagnostics(t, "InvokeAction", diags)
	if want := []string{"Cancelling Zoho CRM backup " + id, "Backup " + id + " cancelled"}; !slices.Equal(progress, want) {
		t.Errorf("progress = %q, want %q", progress, want)
	}
	if got := srv.CountRequests(http.MethodPut, cancelPath(id)); got != 1 || len(srv.Requests()) != 1 {
		t.Fatalf("the emulator received %d requests, %d of them the cancel; want exactly 1 PUT", len(srv.Requests()), got)
	}
	if b, _ := srv.Backup(id); b.Status != emulator.StatusStopped {
		t.Fatalf("backup is %s, want STOPPED", b.Status)
	}

	progress, diags = c.invokeAction(cancelAction, cancelConfig(id))
	wantNoDiagnostics(t, "InvokeAction again", diags)
	if want := "Backup " + id + " was already cancelled"; len(progress) != 2 || progress[1] != want {
		t.Errorf("progress = %q, want it to end with %q", progress, want)
	}
}

// Failures end the invocation with the resource's diagnostics: a bad id
// before any request, INPROGRESS, not found and a scope error after one PUT.
func TestProtocol_cancelActionFailures(t *testing.T) {
	t.Run("bad id fails validation", func(t *testing.T) {
		srv := newEmulator(t)
		c := newProtocolClient(t, srv, testToken)
		wantOneError(t, "ValidateActionConfig", c.validateAction(cancelAction, cancelConfig("latest")),
			"Invalid Zoho backup id", `"latest" is not a Zoho backup id`)
		if got := len(srv.Requests()); got != 0 {
			t.Fatalf("a bad id made %d requests, want 0", got)
		}
	})
	for name, tc := range map[string]struct {
		status, token string
		want          []string
	}{
		"in progress": {emulator.StatusInProgress, testToken, []string{
			"is already in progress and can no longer be cancelled", "Zoho cannot cancel a backup once it has started"}},
		"not found": {"", testToken, []string{"Backup 4876876000001599999 was not found", "RESOURCE_NOT_FOUND"}},
		"scope":     {emulator.StatusScheduled, testReadOnlyToken, []string{"OAUTH_SCOPE_MISMATCH", "ZohoCRM.bulk.backup.ALL"}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t)
			id := "4876876000001599999"
			if tc.status != "" {
				id = srv.SeedBackup(tc.status, "").ID
			}
			c := newProtocolClient(t, srv, tc.token)
			_, diags := c.invokeAction(cancelAction, cancelConfig(id))
			wantOneError(t, "InvokeAction", diags, append(tc.want, id)...)
			if got := srv.CountRequests(http.MethodPut, cancelPath(id)); got != 1 {
				t.Fatalf("%d cancel requests, want 1", got)
			}
		})
	}
}

// cancelActionExample is the published example of zohocrm_backup_cancel,
// which TestAccBackupCancelAction_trigger applies as it is.
const cancelActionExample = "../../examples/actions/zohocrm_backup_cancel/action.tf"

// The published example applies as documented: its action_trigger on a
// terraform_data holding the latest backup's id cancels that backup when the
// terraform_data is created (one PUT, the example's other action is never
// invoked); the next apply, with nothing to replace, writes nothing: its
// only requests are the data source's reads of GET /backup.
func TestAccBackupCancelAction_trigger(t *testing.T) {
	example, err := os.ReadFile(cancelActionExample)
	if err != nil {
		t.Fatal(err)
	}
	srv := newEmulator(t)
	id := srv.SeedBackup(emulator.StatusScheduled, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	config := providerBlock(srv.URL(), testToken) + string(example)
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeTestCheckFunc(
					checkWrites(srv, "PUT "+cancelPath(id)),
					checkBackupStatus(srv, id, emulator.StatusStopped),
				),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: checkWrites(srv, "PUT "+cancelPath(id)),
			},
		},
	})
}

// skipUnlessActionsCLI skips a test that drives the CLI under test with
// actions (-invoke, action blocks) when that CLI knows none: Terraform
// before 1.14, and OpenTofu.
func skipUnlessActionsCLI(t *testing.T) {
	t.Helper()
	skipBelowTerraform(t, 14, "actions")
}

// skipBelowTerraform skips a test of a feature Terraform 1.minor brought
// when the CLI under test is older, or is OpenTofu.
func skipBelowTerraform(t *testing.T, minor int, feature string) {
	t.Helper()
	cli := testCLI(t)
	var gotMajor, gotMinor int
	if _, err := fmt.Sscanf(cli.version, "Terraform v%d.%d", &gotMajor, &gotMinor); err != nil || cli.openTofu {
		t.Skipf("%s: the test of %s needs Terraform 1.%d or later", cli.version, feature, minor)
	}
	if gotMajor == 1 && gotMinor < minor {
		t.Skipf("%s: the test of %s needs Terraform 1.%d or later", cli.version, feature, minor)
	}
}

// cancelActionCLIConfig declares the cancel action with its id from a
// variable, so one working directory serves every invocation.
func cancelActionCLIConfig(apiDomain string) string {
	return providerBlock(apiDomain, testToken) + `
variable "backup_id" {
  type = string
}

action "zohocrm_backup_cancel" "this" {
  config {
    backup_id = var.backup_id
  }
}
`
}

// Through the real CLI: a plain plan makes no request; -invoke cancels with
// one PUT and reports it; invoking again succeeds; an INPROGRESS backup
// fails naming it; a bad id fails before any request.
func TestAccBackupCancelAction_invoke(t *testing.T) {
	skipUnlessActionsCLI(t)
	srv := newEmulator(t)
	scheduled := srv.SeedBackup(emulator.StatusScheduled, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	running := srv.SeedBackup(emulator.StatusInProgress, "").ID
	cli := newTerraformCLI(t, New("test")(), cancelActionCLIConfig(srv.URL()))
	cli.mustRun("init", "-no-color")
	invoke := func(id string) (string, error) {
		return cli.run("apply", "-auto-approve", "-no-color", "-invoke=action.zohocrm_backup_cancel.this", "-var=backup_id="+id)
	}
	wantRequests := func(step string, want int) {
		t.Helper()
		if got := len(srv.Requests()); got != want {
			t.Fatalf("after %s the emulator received %d requests, want %d", step, got, want)
		}
	}

	cli.mustRun("plan", "-no-color", "-var=backup_id="+scheduled)
	wantRequests("a plain plan", 0)

	out, err := invoke(scheduled)
	if err != nil || !strings.Contains(out, "Backup "+scheduled+" cancelled") {
		t.Fatalf("invoke: %v\n%s", err, out)
	}
	wantRequests("the first invocation", 1)
	if got := srv.CountRequests(http.MethodPut, cancelPath(scheduled)); got != 1 {
		t.Fatalf("%d cancel requests, want 1", got)
	}

	if out, err := invoke(scheduled); err != nil || !strings.Contains(out, "Backup "+scheduled+" was already cancelled") {
		t.Fatalf("invoking again: %v\n%s", err, out)
	}
	wantRequests("the second invocation", 2)

	out, err = invoke(running)
	if folded := strings.Join(strings.Fields(out), " "); err == nil ||
		!strings.Contains(folded, "Backup "+running+" is already in progress and can no longer be cancelled") {
		t.Fatalf("invoking on an INPROGRESS backup: want a failure naming it, got %v\n%s", err, out)
	}
	wantRequests("the INPROGRESS invocation", 3)

	out, err = invoke("latest")
	if folded := strings.Join(strings.Fields(out), " "); err == nil || !strings.Contains(folded, `"latest" is not a Zoho backup id`) {
		t.Fatalf("invoking with a bad id: want a validation failure, got %v\n%s", err, out)
	}
	wantRequests("the bad id", 3)
}

// terraform providers schema -json lists both actions and the schedule's
// identity, as tfplugindocs and editors read them.
func TestAccProvider_schemaListsActionsAndIdentity(t *testing.T) {
	skipUnlessActionsCLI(t)
	cli := newTerraformCLI(t, New("test")(), providerBlock("http://127.0.0.1:1", testToken))
	cli.mustRun("init", "-no-color")
	var schemas struct {
		ProviderSchemas map[string]struct {
			ActionSchemas           map[string]json.RawMessage `json:"action_schemas"`
			ResourceIdentitySchemas map[string]struct {
				Attributes map[string]struct {
					RequiredForImport bool `json:"required_for_import"`
				} `json:"attributes"`
			} `json:"resource_identity_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal([]byte(cli.mustRun("providers", "schema", "-json")), &schemas); err != nil {
		t.Fatal(err)
	}
	provider, ok := schemas.ProviderSchemas[Address]
	if !ok {
		t.Fatalf("no schema for %s", Address)
	}
	for _, name := range []string{cancelAction, startAction} {
		if _, ok := provider.ActionSchemas[name]; !ok {
			t.Errorf("action_schemas lacks %s", name)
		}
	}
	if !provider.ResourceIdentitySchemas["zohocrm_backup_schedule"].Attributes["id"].RequiredForImport {
		t.Errorf("resource_identity_schemas lacks zohocrm_backup_schedule's id: %+v", provider.ResourceIdentitySchemas)
	}
}
