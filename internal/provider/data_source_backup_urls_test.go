package provider

import (
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const (
	urlsPath        = backupPath + "/urls"
	urlsDataAddress = "data.zohocrm_backup_urls.latest"
	urlsDataSource  = `data "zohocrm_backup_urls" "latest" {}`
)

func TestAccBackupURLsDataSource_available(t *testing.T) {
	srv := newEmulator(t, emulator.WithDownloadFiles(2, 1))
	backup := srv.SeedBackup(emulator.StatusCompleted, "")
	srv.ResetRequests()
	var reads atomic.Int32
	link := func(file string) knownvalue.Check {
		// The emulator serves its links on its own download host.
		return knownvalue.StringRegexp(regexp.MustCompile(`^` + regexp.QuoteMeta(srv.DownloadURL()) + `/v2/crm/757345985/backup/[0-9]{19}/` + regexp.QuoteMeta(file) + `$`))
	}
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: countingProviderFactories(&reads),
		Steps: []resource.TestStep{{
			Config: providerBlock(srv.URL(), testToken) + urlsDataSource,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("available"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("data_links"), knownvalue.ListExact([]knownvalue.Check{link("Data_001.zip"), link("Data_002.zip")})),
				statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("attachment_links"), knownvalue.ListExact([]knownvalue.Check{link("Attachments_001.zip")})),
				statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("expiry_date"),
					knownvalue.StringExact(backup.ExpiryDate.In(time.FixedZone("IST", 5*60*60+30*60)).Format("2006-01-02T15:04:05-07:00"))),
			},
			Check: checkGETsPerRead(srv, &reads, urlsPath, 1),
		}},
	})
}

// TestAccBackupURLsDataSource_noContent covers each state in which Zoho has
// nothing to download and answers 204.
func TestAccBackupURLsDataSource_noContent(t *testing.T) {
	tests := map[string]struct {
		opts   []emulator.Option
		status string // "" seeds nothing
	}{
		"nothing ever scheduled": {},
		"scheduled, not run yet": {status: emulator.StatusScheduled},
		"in progress":            {status: emulator.StatusInProgress},
		"failed":                 {status: emulator.StatusFailed},
		"completed, links expired": {
			opts: []emulator.Option{emulator.WithLinkLifetime(-time.Hour)}, status: emulator.StatusCompleted,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t, tt.opts...)
			if tt.status != "" {
				srv.SeedBackup(tt.status, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")
				srv.ResetRequests()
			}
			var reads atomic.Int32
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: countingProviderFactories(&reads),
				Steps: []resource.TestStep{{
					Config: providerBlock(srv.URL(), testToken) + urlsDataSource,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("available"), knownvalue.Bool(false)),
						statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("data_links"), knownvalue.ListSizeExact(0)),
						statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("attachment_links"), knownvalue.ListSizeExact(0)),
						statecheck.ExpectKnownValue(urlsDataAddress, tfjsonpath.New("expiry_date"), knownvalue.Null()),
					},
					Check: checkGETsPerRead(srv, &reads, urlsPath, 1),
				}},
			})
		})
	}
}

func TestAccBackupURLsDataSource_errors(t *testing.T) {
	testReadErrors(t, urlsPath, urlsDataSource, regexp.MustCompile(`Failed to read the Zoho CRM backup download links`))
}
