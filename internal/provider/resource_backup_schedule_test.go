package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const scheduleAddress = "zohocrm_backup_schedule.test"

// scheduleConfig declares the schedule; an empty rule leaves rrule out.
func scheduleConfig(apiDomain, token, rule string) string {
	argument := ""
	if rule != "" {
		argument = fmt.Sprintf("rrule = %q", rule)
	}
	return providerBlock(apiDomain, token) + fmt.Sprintf(`
resource "zohocrm_backup_schedule" "test" {
  %s
}
`, argument)
}

// scheduleBody is the documented POST /backup body for a rule.
func scheduleBody(rule string) string {
	return `{"backup":{"rrule":"` + rule + `"}}`
}

// writes lists the requests that are not GETs, as "METHOD path body".
func writes(srv *emulator.Server) []string {
	var out []string
	for _, req := range srv.Requests() {
		if req.Method != http.MethodGet {
			out = append(out, strings.TrimSpace(req.Method+" "+req.Path+" "+string(req.Body)))
		}
	}
	return out
}

// checkWrites asserts the exact writes (POST, PUT) made so far, in order,
// and that every read was the documented GET /backup.
func checkWrites(srv *emulator.Server, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := writes(srv); !slices.Equal(got, want) {
			return fmt.Errorf("writes were\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		for _, req := range srv.Requests() {
			if req.Method == http.MethodGet && (req.Path != backupPath || req.RawQuery != "") {
				return fmt.Errorf("unexpected read %s %s?%s", req.Method, req.Path, req.RawQuery)
			}
		}
		return nil
	}
}

// latestID reads the id of the emulator's latest backup at check time.
func latestID(srv *emulator.Server) string {
	latest, _ := srv.Latest()
	return latest.ID
}

func TestAccBackupSchedule_lifecycle(t *testing.T) {
	srv := newEmulator(t)
	const (
		rule         = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
		respelled    = "RRULE:BYDAY=TU;INTERVAL=2;FREQ=WEEKLY"
		documented   = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
		monthly      = "FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH"
		monthlySent  = "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH"
		postBackup   = "POST " + backupPath
		firstRequest = 0
	)
	var firstID string
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Scheduling sends the rule in the documented form, then reads it back once.
				Config: scheduleConfig(srv.URL(), testToken, rule),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("rrule"), knownvalue.StringExact(rule)),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("status"), knownvalue.StringExact("SCHEDULED")),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("scheduled_date"), zohoDate),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("start_date"), zohoDate),
					noSecretInState(nil),
					latestBackupIs(srv, "SCHEDULED"),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkWrites(srv, postBackup+" "+scheduleBody(documented)),
					func(*terraform.State) error {
						requests := srv.Requests()
						if requests[firstRequest+1].Method != http.MethodGet {
							return fmt.Errorf("the POST was not followed by one GET /backup")
						}
						if latest, _ := srv.Latest(); latest.RRule != documented {
							return fmt.Errorf("Zoho stored the rule %q, want %q", latest.RRule, documented)
						}
						firstID = latestID(srv)
						return nil
					},
				),
			},
			{
				// Nothing changed: an empty plan and no write.
				Config: scheduleConfig(srv.URL(), testToken, rule),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkWrites(srv, postBackup+" "+scheduleBody(documented)),
			},
			{
				// The same rule spelled differently: an in-place update of the
				// spelling, no replacement and no request to Zoho.
				Config: scheduleConfig(srv.URL(), testToken, respelled),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scheduleAddress, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("rrule"), knownvalue.StringExact(respelled)),
					latestBackupIs(srv, "SCHEDULED"),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkWrites(srv, postBackup+" "+scheduleBody(documented)),
				),
			},
			{
				// Another rule replaces the schedule: cancel, then schedule.
				Config: scheduleConfig(srv.URL(), testToken, monthly),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scheduleAddress, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{latestBackupIs(srv, "SCHEDULED")},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						return checkWrites(srv,
							postBackup+" "+scheduleBody(documented),
							"PUT "+cancelPath(firstID),
							postBackup+" "+scheduleBody(monthlySent),
						)(s)
					},
					func(*terraform.State) error { return checkBackupStatus(srv, firstID, "STOPPED")(nil) },
				),
			},
		},
		// Destroy cancels the schedule.
		CheckDestroy: func(*terraform.State) error {
			latest, _ := srv.Latest()
			if latest.Status != "STOPPED" || latest.RRule != monthlySent {
				return fmt.Errorf("after destroy the latest backup is %s %s, want the monthly one STOPPED", latest.RRule, latest.Status)
			}
			if got := srv.CountRequests(http.MethodPut, cancelPath(latest.ID)); got != 1 {
				return fmt.Errorf("destroy sent %d cancel requests, want 1", got)
			}
			return nil
		},
	})
}

func TestAccBackupSchedule_immediate(t *testing.T) {
	srv := newEmulator(t)
	config := scheduleConfig(srv.URL(), testToken, "")
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// No rrule: an immediate backup, asked for with an empty body.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("rrule"), knownvalue.Null()),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("status"), knownvalue.StringExact("INPROGRESS")),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("scheduled_date"), knownvalue.Null()),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("start_date"), knownvalue.Null()),
					latestBackupIs(srv, "INPROGRESS"),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkWrites(srv, "POST "+backupPath),
					func(*terraform.State) error {
						for _, req := range srv.Requests() {
							if req.Method == http.MethodPost && (len(req.Body) != 0 || req.Header.Get("Content-Type") != "") {
								return fmt.Errorf("an immediate backup must be asked for with an empty body, got %q", req.Body)
							}
						}
						return nil
					},
				),
			},
			{
				// The backup finishes: the refresh sees it, the plan stays empty.
				PreConfig: func() { mustSetStatus(t, srv, latestID(srv), emulator.StatusCompleted) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
				},
				Check: checkWrites(srv, "POST "+backupPath),
			},
		},
		// A finished backup has nothing to cancel: Zoho's RESOURCE_NOT_FOUND
		// counts as gone, and the destroy succeeds.
		CheckDestroy: func(s *terraform.State) error {
			return checkWrites(srv, "POST "+backupPath, "PUT "+cancelPath(latestID(srv)))(s)
		},
	})
}

func mustSetStatus(t *testing.T, srv *emulator.Server, id, status string) {
	t.Helper()
	if err := srv.SetStatus(id, status); err != nil {
		t.Fatal(err)
	}
}

// TestAccBackupSchedule_drift cancels the backup out of band, as someone in
// the Zoho UI would: the next plan proposes to schedule it again, and
// applying does so.
func TestAccBackupSchedule_drift(t *testing.T) {
	srv := newEmulator(t)
	const rule = "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"
	config := scheduleConfig(srv.URL(), testToken, rule)
	var firstID string
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  func(*terraform.State) error { firstID = latestID(srv); return nil },
			},
			{
				PreConfig:          func() { mustSetStatus(t, srv, firstID, emulator.StatusStopped) },
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scheduleAddress, plancheck.ResourceActionCreate)},
				},
			},
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{latestBackupIs(srv, "SCHEDULED")},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						if latestID(srv) == firstID {
							return fmt.Errorf("no new backup was scheduled")
						}
						return checkWrites(srv, "POST "+backupPath+" "+scheduleBody("RRULE:"+rule), "POST "+backupPath+" "+scheduleBody("RRULE:"+rule))(s)
					},
				),
			},
		},
	})
}

// TestAccBackupSchedule_supersededThenAlreadyScheduled: the immediate
// backup finished and someone scheduled another one. The resource leaves
// state; scheduling again is refused with BACKUP_ALREADY_SCHEDULED, naming
// the other backup and both ways out. Importing that backup adopts it.
func TestAccBackupSchedule_supersededThenAlreadyScheduled(t *testing.T) {
	srv := newEmulator(t)
	const other = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"
	immediate := scheduleConfig(srv.URL(), testToken, "")
	var otherID string
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: immediate},
			{
				PreConfig: func() {
					mustSetStatus(t, srv, latestID(srv), emulator.StatusCompleted)
					otherID = srv.SeedBackup(emulator.StatusScheduled, other).ID
				},
				Config:             immediate,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scheduleAddress, plancheck.ResourceActionCreate)},
				},
			},
			{
				Config: immediate,
				ExpectError: regexp.MustCompile(`(?s)Backup 48768760000015930\d\d is already scheduled or running.*` +
					`BACKUP_ALREADY_SCHEDULED.*cancel the existing backup.*zohocrm_backup_cancellation.*terraform import`),
			},
			{
				// Adopting it: import by id into state (terraform import).
				Config:       scheduleConfig(srv.URL(), testToken, other),
				ResourceName: scheduleAddress,
				ImportState:  true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return otherID, nil
				},
				ImportStatePersist: true,
			},
			{
				// The same adoption with an import block (planned on a copy
				// of the state without the resource): Terraform imports the
				// backup by id, with the rule written as Zoho returns it,
				// and changes nothing.
				Config:          scheduleConfig(srv.URL(), testToken, other),
				ResourceName:    scheduleAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return otherID, nil
				},
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scheduleAddress, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("id"), stringFrom("the id of the backup scheduled by hand", func() string { return otherID })),
						plancheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("rrule"), knownvalue.StringExact(other)),
						plancheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("status"), knownvalue.StringExact("SCHEDULED")),
					},
				},
			},
			{
				Config: scheduleConfig(srv.URL(), testToken, other),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	if got := srv.CountRequests(http.MethodPost, backupPath); got != 2 {
		t.Errorf("want 2 POST %s (the immediate backup, then the refused one), got %d", backupPath, got)
	}
}

func TestAccBackupSchedule_import(t *testing.T) {
	srv := newEmulator(t)
	config := scheduleConfig(srv.URL(), testToken, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				ResourceName:      scheduleAddress,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// Only the latest backup, while not stopped, can be imported.
				ResourceName:  scheduleAddress,
				ImportState:   true,
				ImportStateId: "4876876000009999999",
				ExpectError:   regexp.MustCompile(`(?s)Backup 4876876000009999999 cannot be imported.*the latest backup\s+is\s+now\s+\d+`),
			},
			{
				ResourceName:  scheduleAddress,
				ImportState:   true,
				ImportStateId: "latest",
				ExpectError:   regexp.MustCompile(`(?s)Invalid import id.*"latest" is not a Zoho\s+backup\s+id`),
			},
		},
	})
}

func TestAccBackupSchedule_importStopped(t *testing.T) {
	srv := newEmulator(t)
	stopped := srv.SeedBackup(emulator.StatusStopped, "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:        scheduleConfig(srv.URL(), testToken, "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"),
			ResourceName:  scheduleAddress,
			ImportState:   true,
			ImportStateId: stopped.ID,
			ExpectError:   regexp.MustCompile(`(?s)Backup ` + stopped.ID + ` cannot be imported.*the backup\s+was\s+stopped`),
		}},
	})
	if w := writes(srv); len(w) != 0 {
		t.Errorf("import must not write, got %v", w)
	}
}

// TestAccBackupSchedule_destroyInProgress: a running backup cannot be
// cancelled, so the destroy fails and the resource stays in state; once the
// backup has finished, the destroy succeeds.
func TestAccBackupSchedule_destroyInProgress(t *testing.T) {
	srv := newEmulator(t)
	config := scheduleConfig(srv.URL(), testToken, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:   func() { mustSetStatus(t, srv, latestID(srv), emulator.StatusInProgress) },
				Config:      config,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Backup \d+ is in progress and cannot be cancelled.*INPROGRESS.*stays in\s+state`),
			},
			{
				// Still in state: no create is planned.
				PreConfig: func() { mustSetStatus(t, srv, latestID(srv), emulator.StatusCompleted) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if got := srv.CountRequests(http.MethodPut, cancelPath(latestID(srv))); got != 2 {
				return fmt.Errorf("want 2 cancel requests (refused, then gone), got %d", got)
			}
			return nil
		},
	})
}

// TestAccBackupSchedule_errors covers each documented failure of POST
// /backup: the apply fails with a diagnostic that explains it, quoting no
// token; nothing is written to state; exactly one POST was made.
func TestAccBackupSchedule_errors(t *testing.T) {
	tests := map[string]struct {
		token string
		rule  string
		opts  []emulator.Option
		setup func(*emulator.Server) string // returns the id the error must name as {id}
		want  string
	}{
		"already scheduled": {
			token: testToken, rule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
			setup: func(s *emulator.Server) string {
				return s.SeedBackup(emulator.StatusScheduled, "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1").ID
			},
			want: `Backup {id} is already scheduled or running.*HTTP 400 with code BACKUP_ALREADY_SCHEDULED.*two ways out: cancel the existing backup.*` +
				`It is backup {id} \(SCHEDULED, rule RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1\)\. This resource adopts a backup ` +
				`in the way only when it is scheduled or running with the rule asked for, which this one is not.*` +
				`backup_id = "{id}".*terraform import <this resource's address> {id}`,
		},
		"immediate while one is running": {
			token: testToken,
			setup: func(s *emulator.Server) string { return s.SeedBackup(emulator.StatusInProgress, "").ID },
			want:  `Backup {id} is already scheduled or running.*BACKUP_ALREADY_SCHEDULED.*cannot be cancelled: wait for it to finish`,
		},
		// Both codes of the monthly limit: the SDK's (the emulator's default)
		// and the docs'.
		"monthly limit LIMIT_REACHED": {
			token: testToken, rule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", opts: []emulator.Option{emulator.WithMonthlyQuota(0)},
			want: `monthly backup limit of the Zoho CRM edition is reached.*HTTP 400 with code LIMIT_REACHED: "Backup limit exceeded.".*Wait until next month`,
		},
		"monthly limit LIMIT_EXCEEDED": {
			token: testToken, rule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
			opts: []emulator.Option{emulator.WithMonthlyQuota(0), emulator.WithLimitCode(emulator.CodeLimitExceeded)},
			want: `monthly backup limit of the Zoho CRM edition is reached.*HTTP 400 with code LIMIT_EXCEEDED: "Backup limit exceeded.".*Wait until next month`,
		},
		"invalid data": {
			token: testToken, rule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
			setup: func(s *emulator.Server) string {
				s.InjectFault(emulator.Fault{Method: http.MethodPost, Path: backupPath, Status: http.StatusBadRequest, Code: "INVALID_DATA", Message: "Invalid data",
					Details: map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"}})
				return ""
			},
			want: `Failed to schedule a backup.*HTTP 400 with code INVALID_DATA.*Try a simpler rule`,
		},
		"scope mismatch": {
			token: testReadOnlyToken, rule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
			want: `Failed to schedule a backup.*HTTP 401 with code OAUTH_SCOPE_MISMATCH`,
		},
		"no permission": {
			token: testNonAdminToken,
			want:  `Failed to schedule a backup.*HTTP 403 with code NO_PERMISSION.*Administrator`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newEmulator(t, tt.opts...)
			named := ""
			if tt.setup != nil {
				named = tt.setup(srv)
				srv.ResetRequests()
			}
			config := scheduleConfig(srv.URL(), tt.token, tt.rule)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{ExpectError: regexp.MustCompile(strings.ReplaceAll(tt.want, "{id}", regexp.QuoteMeta(named))), Config: config},
					expectCreatePlanned(scheduleAddress, config),
				},
			})
			if got := srv.CountRequests(http.MethodPost, backupPath); got != 1 || len(writes(srv)) != 1 {
				t.Errorf("want exactly one POST and no other write, got %v", writes(srv))
			}
		})
	}
}

func TestAccBackupSchedule_invalidRRuleFailsAtPlan(t *testing.T) {
	srv := newEmulator(t)
	tests := map[string]string{
		"FREQ=DAILY;INTERVAL=1;BYDAY=MO":                `part "FREQ=DAILY": FREQ must be WEEKLY or MONTHLY`,
		"FREQ=WEEKLY;INTERVAL=60;BYDAY=MO":              `part "INTERVAL=60": INTERVAL must be a whole number from 1 to 52`,
		"FREQ=WEEKLY;INTERVAL=1;BYMONTHDAY=3":           `part "BYMONTHDAY=3": BYMONTHDAY is allowed with FREQ=MONTHLY only`,
		"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=32":         `part "BYMONTHDAY=32": BYMONTHDAY must be a whole number from 1 to 31`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=1TH":              `part "BYDAY=1TH": an ordinal before the weekday is allowed with FREQ=MONTHLY only`,
		"FREQ=MONTHLY;INTERVAL=1":                       `BYDAY or BYMONTHDAY is missing`,
		"FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;BYMONTHDAY=2": `give exactly one of BYDAY and BYMONTHDAY`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3":       `part "COUNT=3": COUNT is not supported`,
	}
	for rule, want := range tests {
		t.Run(rule, func(t *testing.T) {
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{ExpectError: regexp.MustCompile(`Invalid backup recurrence rule.*rrule.*` + regexp.QuoteMeta(want)), Config: scheduleConfig(srv.URL(), testToken, rule), PlanOnly: true}},
			})
		})
	}
	t.Cleanup(func() {
		if got := len(srv.Requests()); got != 0 {
			t.Errorf("an invalid rrule must fail before any request, got %d", got)
		}
	})
}

// TestAccBackupSchedule_destroyAlreadyGone: a backup stopped or finished
// between the last refresh and the cancel is already gone, not an error.
// A scripted Zoho keeps reporting the backup as SCHEDULED, so Terraform's
// refresh keeps it, and answers the cancel with each documented "gone" code.
func TestAccBackupSchedule_destroyAlreadyGone(t *testing.T) {
	const id = "4876876000001593003"
	answers := map[string]string{
		"ALREADY_CANCELLED":                `{"backup":{"code":"ALREADY_CANCELLED","details":{"id":"` + id + `"},"message":"Backup is already canceled","status":"error"}}`,
		"RESOURCE_NOT_FOUND, top-level":    `{"code":"RESOURCE_NOT_FOUND","details":{},"message":"The requested resource doesn't exist","status":"error"}`,
		"RESOURCE_NOT_FOUND, under backup": `{"backup":{"code":"RESOURCE_NOT_FOUND","details":{"id":"` + id + `"},"message":"The requested resource doesn't exist","status":"error"}}`,
	}
	for name, cancelAnswer := range answers {
		t.Run(name, func(t *testing.T) {
			var cancels atomic.Int32
			zoho := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				switch {
				case r.Method == http.MethodPost && r.URL.Path == backupPath:
					_, _ = fmt.Fprint(w, `{"backup":{"status":"success","code":"SUCCESS","message":"Backup scheduled successfully.","details":{"id":"`+id+`"}}}`)
				case r.Method == http.MethodGet && r.URL.Path == backupPath:
					_, _ = fmt.Fprint(w, `{"backup":{"id":"`+id+`","scheduled_date":"2026-12-07T10:00:00+05:30","start_date":"2026-12-07T10:00:00+05:30","rrule":"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO","requester":{"id":"1","name":"A","zuid":"2"},"status":"SCHEDULED"}}`)
				case r.Method == http.MethodPut && r.URL.Path == cancelPath(id):
					cancels.Add(1)
					w.WriteHeader(http.StatusBadRequest)
					_, _ = fmt.Fprint(w, cancelAnswer)
				default:
					w.WriteHeader(http.StatusNotFound)
					_, _ = fmt.Fprint(w, `{"code":"INVALID_URL_PATTERN","details":{},"message":"Please check if the URL trying to access is a correct one","status":"error"}`)
				}
			}))
			t.Cleanup(zoho.Close)
			parallelAcceptanceTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: scheduleConfig(zoho.URL, testToken, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					},
				}},
				CheckDestroy: func(*terraform.State) error {
					if got := cancels.Load(); got != 1 {
						return fmt.Errorf("destroy sent %d cancel requests, want 1", got)
					}
					return nil
				},
			})
		})
	}
}

// An import block with identity = { id = ... } adopts a seeded schedule:
// the plan imports it with no change, the apply makes no POST or PUT, and
// the state and identity hold the backup (Terraform and OpenTofu 1.12+ know
// identities, so this runs on Terraform 1.16 and OpenTofu 1.12 in make
// test-clis, and skips on Terraform 1.11). A second step
// imports by identity again, as terraform-plugin-testing's
// ImportBlockWithResourceIdentity does.
func TestAccBackupSchedule_importBlockWithIdentity(t *testing.T) {
	srv := newEmulator(t)
	const rule = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"
	id := srv.SeedBackup(emulator.StatusScheduled, rule).ID
	declared := scheduleConfig(srv.URL(), testToken, rule)
	config := declared + fmt.Sprintf(`
import {
  to       = zohocrm_backup_schedule.test
  identity = { id = %q }
}
`, id)
	parallelAcceptanceTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(scheduleAddress, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(scheduleAddress, tfjsonpath.New("status"), knownvalue.StringExact("SCHEDULED")),
					statecheck.ExpectIdentity(scheduleAddress, map[string]knownvalue.Check{"id": knownvalue.StringExact(id)}),
				},
				Check: checkWrites(srv),
			},
			{
				Config:          declared,
				ResourceName:    scheduleAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				Check:           checkWrites(srv),
			},
		},
	})
}

// Through the real CLI: an import block by identity alone, with
// terraform plan -generate-config-out, writes the resource block; applying
// it adopts the schedule, with one GET per read and no write at all.
func TestAccBackupSchedule_generateConfigOut(t *testing.T) {
	skipBelowTerraform(t, 14, "import blocks by identity")
	srv := newEmulator(t)
	const rule = "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"
	id := srv.SeedBackup(emulator.StatusScheduled, rule).ID
	cli := newTerraformCLI(t, New("test")(), providerBlock(srv.URL(), testToken)+fmt.Sprintf(`
import {
  to       = zohocrm_backup_schedule.adopted
  identity = { id = %q }
}
`, id))
	cli.mustRun("init", "-no-color")
	cli.mustRun("plan", "-no-color", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(cli.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`resource "zohocrm_backup_schedule" "adopted"`, `rrule = "` + rule + `"`} {
		if !strings.Contains(strings.Join(strings.Fields(string(generated)), " "), want) {
			t.Fatalf("generated.tf lacks %s:\n%s", want, generated)
		}
	}
	out := cli.mustRun("apply", "-auto-approve", "-no-color")
	if !strings.Contains(out, "1 imported, 0 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply did not import exactly one resource:\n%s", out)
	}
	if got := cli.state()["zohocrm_backup_schedule.adopted"]; got["id"] != id || got["rrule"] != rule || got["status"] != "SCHEDULED" {
		t.Fatalf("state = %v, want backup %s SCHEDULED with its rule", got, id)
	}
	if w := writes(srv); len(w) != 0 {
		t.Fatalf("the import wrote to Zoho: %v", w)
	}
}
