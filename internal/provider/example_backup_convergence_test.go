package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// convergenceExample is the example shipped in the docs (and applied by
// make demo): the test applies the file itself, not a copy.
const convergenceExample = "../../examples/data-sources/zohocrm_backup/data-source.tf"

const convergenceCancellation = "zohocrm_backup_cancellation.latest[0]"

// cancellationsFor is a state check: the state holds cancellations for
// exactly the backups want names (sorted), and for no other.
func cancellationsFor(want ...func() string) statecheck.StateCheck {
	return cancellationsInState(want)
}

type cancellationsInState []func() string

func (want cancellationsInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	var got []string
	if req.State != nil && req.State.Values != nil {
		for _, res := range resourcesOf(req.State.Values.RootModule) {
			if res.Type == "zohocrm_backup_cancellation" {
				got = append(got, fmt.Sprint(res.AttributeValues["backup_id"]))
			}
		}
	}
	wantIDs := make([]string, 0, len(want))
	for _, id := range want {
		wantIDs = append(wantIDs, id())
	}
	sort.Strings(got)
	if !slices.Equal(got, wantIDs) {
		resp.Error = fmt.Errorf("the state cancels backups %v, want %v", got, wantIDs)
	}
}

// checkCancels asserts the exact cancel requests made so far, in order, and
// that nothing else but GET /backup was sent.
func checkCancels(srv *emulator.Server, ids ...*string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		want := make([]string, 0, len(ids))
		for _, id := range ids {
			want = append(want, "PUT "+cancelPath(*id))
		}
		return checkWrites(srv, want...)(s)
	}
}

// TestAccBackupConvergenceExample applies the discover-then-cancel example
// through every state Zoho can be in, and proves that each apply converges:
// the backup that should be cancelled is, with one request, and the plan
// right after each apply is empty (terraform-plugin-testing fails a step
// whose post-apply plans are not).
func TestAccBackupConvergenceExample(t *testing.T) {
	example, err := os.ReadFile(convergenceExample)
	if err != nil {
		t.Fatal(err)
	}
	srv := newEmulator(t)
	config := providerBlock(srv.URL(), testToken) + string(example)
	var first, second, running, stoppedByHand string
	id := func(v *string) func() string { return func() string { return *v } }
	seed := func(into *string, status, rule string) func() {
		return func() { *into = srv.SeedBackup(status, rule).ID }
	}
	step := func(preConfig func(), action plancheck.PlanCheck, cancelled statecheck.StateCheck, check ...resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{
			PreConfig:         preConfig,
			Config:            config,
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{action}},
			ConfigStateChecks: []statecheck.StateCheck{cancelled, noSecretInState(nil)},
			Check:             resource.ComposeAggregateTestCheckFunc(check...),
		}
	}
	const weekly = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"

	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// No backup was ever scheduled (204): nothing to cancel, no error.
			step(nil, plancheck.ExpectEmptyPlan(), cancellationsFor(), checkCancels(srv)),
			// (1) A backup is scheduled: the apply cancels it.
			step(seed(&first, emulator.StatusScheduled, weekly),
				plancheck.ExpectResourceAction(convergenceCancellation, plancheck.ResourceActionCreate),
				cancellationsFor(id(&first)), checkCancels(srv, &first),
				func(*terraform.State) error { return checkBackupStatus(srv, first, "STOPPED")(nil) }),
			// (2) The next plan is empty, and applying it sends nothing.
			step(nil, plancheck.ExpectEmptyPlan(), cancellationsFor(id(&first)), checkCancels(srv, &first)),
			// (3) Someone schedules a new backup: its new id replaces the
			// cancellation, and the apply cancels the new backup.
			step(seed(&second, emulator.StatusScheduled, "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"),
				plancheck.ExpectResourceAction(convergenceCancellation, plancheck.ResourceActionDestroyBeforeCreate),
				cancellationsFor(id(&second)), checkCancels(srv, &first, &second),
				func(*terraform.State) error { return checkBackupStatus(srv, second, "STOPPED")(nil) }),
			// (4) An immediate backup runs (INPROGRESS): nothing can be
			// cancelled; the cancellation is forgotten without a request.
			step(seed(&running, emulator.StatusInProgress, ""),
				plancheck.ExpectResourceAction(convergenceCancellation, plancheck.ResourceActionDestroy),
				cancellationsFor(), checkCancels(srv, &first, &second)),
			// It completes: still nothing to do.
			step(func() { mustSetStatus(t, srv, running, emulator.StatusCompleted) },
				plancheck.ExpectEmptyPlan(), cancellationsFor(), checkCancels(srv, &first, &second)),
			// A backup scheduled and cancelled by hand in Zoho (STOPPED): the
			// cancellation is recorded as ALREADY_CANCELLED.
			step(func() {
				seed(&stoppedByHand, emulator.StatusScheduled, weekly)()
				mustSetStatus(t, srv, stoppedByHand, emulator.StatusStopped)
			},
				plancheck.ExpectResourceAction(convergenceCancellation, plancheck.ResourceActionCreate),
				cancellationsFor(id(&stoppedByHand)), checkCancels(srv, &first, &second, &stoppedByHand)),
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(convergenceCancellation, tfjsonpath.New("already_cancelled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.zohocrm_backup.latest", tfjsonpath.New("status"), knownvalue.StringExact("STOPPED")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			// A failed backup: nothing to cancel.
			step(func() { srv.SeedBackup(emulator.StatusFailed, weekly) },
				plancheck.ExpectResourceAction(convergenceCancellation, plancheck.ResourceActionDestroy),
				cancellationsFor(), checkCancels(srv, &first, &second, &stoppedByHand)),
		},
		// Destroying the configuration forgets the cancellations; it never
		// schedules anything again.
		CheckDestroy: func(*terraform.State) error {
			if got := srv.CountRequests(http.MethodPost, backupPath); got != 0 {
				return fmt.Errorf("the example scheduled %d backups", got)
			}
			return nil
		},
	})
}
