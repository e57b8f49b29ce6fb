package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

const (
	historyPath        = backupPath + "/history"
	historyDataAddress = "data.zohocrm_backup_history.all"
)

func historyDataConfig(apiDomain, arguments string) string {
	return providerBlock(apiDomain, testToken) + fmt.Sprintf(`
data "zohocrm_backup_history" "all" {
  %s
}
`, arguments)
}

// checkHistoryPages asserts that each data-source read asked for pages 1 to
// pages in order, at per_page=200, and nothing else.
func checkHistoryPages(srv *emulator.Server, reads *atomic.Int32, pages int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := checkGETsPerRead(srv, reads, historyPath, pages)(s); err != nil {
			return err
		}
		for i, req := range srv.Requests() {
			if want := fmt.Sprintf("page=%d&per_page=200", i%pages+1); req.RawQuery != want {
				return fmt.Errorf("request %d asked for %q, want %q", i, req.RawQuery, want)
			}
		}
		return nil
	}
}

func TestAccBackupHistoryDataSource_allPages(t *testing.T) {
	srv := newEmulator(t)
	srv.SeedHistory(450)
	srv.SeedBackup(emulator.StatusStopped, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU") // 2 entries, the newest
	srv.ResetRequests()
	history := srv.History()
	var reads atomic.Int32

	entry := func(i int) knownvalue.Check {
		h := history[i]
		nullable := func(v string) knownvalue.Check {
			if v == "" {
				return knownvalue.Null()
			}
			return knownvalue.StringExact(v)
		}
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id": knownvalue.StringExact(h.ID),
			"done_by": knownvalue.ObjectExact(map[string]knownvalue.Check{
				"id": knownvalue.StringExact(h.DoneBy.ID), "name": knownvalue.StringExact(h.DoneBy.Name), "zuid": knownvalue.StringExact(h.DoneBy.ZUID),
			}),
			"log_time":    zohoDate,
			"state":       nullable(h.State),
			"action":      nullable(h.Action),
			"repeat_type": nullable(h.RepeatType),
			"file_name":   nullable(h.FileName),
			"count":       knownvalue.Int64Exact(int64(h.Count)),
		})
	}
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: countingProviderFactories(&reads),
		Steps: []resource.TestStep{{
			Config: historyDataConfig(srv.URL(), ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries"), knownvalue.ListSizeExact(452)),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(0), entry(0)),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(1), entry(1)),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(0).AtMapKey("action"), knownvalue.StringExact("stopped")),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(1).AtMapKey("action"), knownvalue.StringExact("scheduled")),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(1).AtMapKey("repeat_type"), knownvalue.StringExact("biweekly")),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(451), entry(451)),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(451).AtMapKey("state"), knownvalue.StringExact("completed")),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("max_entries"), knownvalue.Null()),
			},
			Check: checkHistoryPages(srv, &reads, 3),
		}},
	})
}

func TestAccBackupHistoryDataSource_maxEntries(t *testing.T) {
	srv := newEmulator(t)
	srv.SeedHistory(450)
	history := srv.History()
	var reads atomic.Int32
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: countingProviderFactories(&reads),
		Steps: []resource.TestStep{{
			Config: historyDataConfig(srv.URL(), "max_entries = 250"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries"), knownvalue.ListSizeExact(250)),
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries").AtSliceIndex(249).AtMapKey("id"), knownvalue.StringExact(history[249].ID)),
			},
			// 250 entries need two pages of 200, not the third.
			Check: checkHistoryPages(srv, &reads, 2),
		}},
	})
}

func TestAccBackupHistoryDataSource_noContent(t *testing.T) {
	srv := newEmulator(t)
	var reads atomic.Int32
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: countingProviderFactories(&reads),
		Steps: []resource.TestStep{{
			Config: historyDataConfig(srv.URL(), ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(historyDataAddress, tfjsonpath.New("entries"), knownvalue.ListSizeExact(0)),
			},
			Check: checkHistoryPages(srv, &reads, 1),
		}},
	})
}

func TestAccBackupHistoryDataSource_invalidMaxEntriesFailsAtPlan(t *testing.T) {
	srv := newEmulator(t)
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(`max_entries.*must be at least 1, got: 0`), Config: historyDataConfig(srv.URL(), "max_entries = 0"), PlanOnly: true}},
	})
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("an invalid max_entries must fail before any request, got %d", got)
	}
}

func TestAccBackupHistoryDataSource_errors(t *testing.T) {
	testReadErrors(t, historyPath, `data "zohocrm_backup_history" "all" {}`, regexp.MustCompile(`Failed to read the Zoho CRM backup history`))
	t.Run("throttled", func(t *testing.T) {
		srv := newEmulator(t)
		srv.SeedHistory(250)
		srv.InjectFault(emulator.Fault{Method: http.MethodGet, Path: historyPath, Times: -1, Status: http.StatusTooManyRequests, Code: "TOO_MANY_REQUESTS",
			Message: "Number of API requests for the 24 hour period is exceeded"})
		srv.ResetRequests()
		// A lasting throttle is retried max_retries times, then reported.
		parallelAcceptanceTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccFastRetryProviderFactories,
			Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(`Failed to read the Zoho CRM backup history.*Zoho still failed after 6 attempts.*HTTP 429 with code TOO_MANY_REQUESTS.*-parallelism`), Config: historyDataConfig(srv.URL(), "")}},
		})
		if got := srv.CountRequests(http.MethodGet, historyPath); got != 1+zoho.DefaultMaxRetries {
			t.Errorf("want %d requests (the first and every retry), got %d", 1+zoho.DefaultMaxRetries, got)
		}
	})
}
