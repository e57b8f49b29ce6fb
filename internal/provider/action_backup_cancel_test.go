package provider

import (
	"fmt"
	"net/http"
	"slices"
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

// An action_trigger on a terraform_data holding the backup id cancels the
// backup when the terraform_data is created (one PUT); the next apply, with
// nothing to replace, makes no request at all.
func TestAccBackupCancelAction_trigger(t *testing.T) {
	srv := newEmulator(t)
	id := srv.SeedBackup(emulator.StatusScheduled, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	config := providerBlock(srv.URL(), testToken) + fmt.Sprintf(`
resource "terraform_data" "latest_backup" {
  input = %[1]q
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.zohocrm_backup_cancel.latest]
    }
  }
}

action "zohocrm_backup_cancel" "latest" {
  config {
    backup_id = %[1]q
  }
}
`, id)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeTestCheckFunc(
					checkRequestCount(srv, 1),
					checkCancelCount(srv, id, 1),
					checkBackupStatus(srv, id, emulator.StatusStopped),
				),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: checkRequestCount(srv, 1),
			},
		},
	})
}

