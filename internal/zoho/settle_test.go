package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const (
	settleRule       = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
	settleRuleZoho   = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
	settleOtherRule  = "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1"
	settleBackupPath = "/crm/bulk/v8/backup"
	settleHistory    = settleBackupPath + "/history"
)

// settleEmulator starts the emulator and a client without retries whose
// request timeout is short, so that a Delay fault outlasts it.
func settleEmulator(t *testing.T, opts ...emulator.Option) (*emulator.Server, *Client) {
	t.Helper()
	srv := emulator.New(opts...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddToken(testToken, emulator.ScopeAll)
	client, err := NewClient(Config{APIDomain: srv.URL(), Tokens: StaticToken(testToken), Retry: noRetries, RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// requestsOf lists the emulator's requests as "METHOD path".
func requestsOf(srv *emulator.Server) string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return strings.Join(out, ", ")
}

// The three ways a POST can fail after Zoho acted on it.
var ambiguousFaults = map[string]emulator.Fault{
	"reset after sending": {PassThrough: true, Drop: true},
	"500 after acting":    {PassThrough: true, Status: http.StatusInternalServerError},
	"timeout":             {PassThrough: true, Delay: 2 * time.Second},
}

func TestMayHaveActed(t *testing.T) {
	for err, want := range map[error]bool{
		fmt.Errorf("schedule: connection reset (%w)", ErrMayHaveActed):                    true,
		&APIError{HTTPStatus: 500, Code: CodeInternalError}:                               true,
		&APIError{HTTPStatus: 502, BodyExcerpt: "<html>"}:                                 true,
		&APIError{HTTPStatus: 504}:                                                        true,
		&RetryError{Last: &APIError{HTTPStatus: 503}}:                                     false,
		&APIError{HTTPStatus: 429, Code: CodeTooManyRequests}:                             false,
		&APIError{HTTPStatus: 400, Code: CodeBackupAlreadyScheduled}:                      false,
		&APIError{HTTPStatus: 501}:                                                        false,
		errors.New("schedule: cannot connect"):                                            false,
		&UnsettledError{Write: &APIError{HTTPStatus: 500}, Why: "Zoho reports no backup"}: true,
	} {
		if got := MayHaveActed(err); got != want {
			t.Errorf("MayHaveActed(%v) = %v, want %v", err, got, want)
		}
	}
}

// A rule: the backup found SCHEDULED with the same rule is the write's
// result. One POST, one GET /backup, nothing else.
func TestSettleScheduleRule(t *testing.T) {
	for name, fault := range ambiguousFaults {
		t.Run(name, func(t *testing.T) {
			srv, client := settleEmulator(t)
			fault.Method, fault.Path = http.MethodPost, settleBackupPath
			srv.InjectFault(fault)
			outcome, err := client.ScheduleBackupSettled(context.Background(), "RRULE:BYDAY=MO;INTERVAL=1;FREQ=WEEKLY")
			if err != nil {
				t.Fatalf("want the backup found, got %v", err)
			}
			latest, _ := srv.Latest()
			if outcome.How != AnswerLost || outcome.ID != latest.ID || outcome.Backup == nil || outcome.Backup.Status != StatusScheduled ||
				!MayHaveActed(outcome.Cause) {
				t.Errorf("outcome = %+v, want AnswerLost for backup %s with the write's failure", outcome, latest.ID)
			}
			if got, want := requestsOf(srv), "POST "+settleBackupPath+", GET "+settleBackupPath; got != want {
				t.Errorf("requests = %s, want %s", got, want)
			}
			if n := len(srv.Backups()); n != 1 {
				t.Errorf("Zoho holds %d backups, want 1", n)
			}
		})
	}
}

// An immediate backup: the history's "initiated" event, logged after the
// POST was sent, ties the backup to the write, whether it is still running
// or already finished when read.
func TestSettleScheduleImmediate(t *testing.T) {
	for name, fault := range ambiguousFaults {
		for _, outcomeStatus := range []string{emulator.StatusInProgress, emulator.StatusCompleted} {
			t.Run(name+" "+outcomeStatus, func(t *testing.T) {
				duration := time.Hour
				if outcomeStatus == emulator.StatusCompleted {
					duration = 0 // finished by the time it is read
				}
				srv, client := settleEmulator(t, emulator.WithImmediateBackup(duration, emulator.StatusCompleted))
				fault.Method, fault.Path = http.MethodPost, settleBackupPath
				srv.InjectFault(fault)
				outcome, err := client.ScheduleBackupSettled(context.Background(), "")
				if err != nil {
					t.Fatalf("want the backup found, got %v", err)
				}
				latest, _ := srv.Latest()
				if outcome.How != AnswerLost || outcome.ID != latest.ID || outcome.Backup.Status != outcomeStatus || outcome.InitiatedAt == "" {
					t.Errorf("outcome = %+v, want AnswerLost for backup %s, %s, with its initiated time", outcome, latest.ID, outcomeStatus)
				}
				want := "POST " + settleBackupPath + ", GET " + settleBackupPath + ", GET " + settleHistory
				if got := requestsOf(srv); got != want {
					t.Errorf("requests = %s, want %s", got, want)
				}
			})
		}
	}
}

// Where the read-back cannot tie a backup to the write, the error says what
// it found, wraps the write's failure and says Zoho may have acted.
func TestSettleScheduleUnsettled(t *testing.T) {
	hoursAgo := func(srv *emulator.Server) {
		// A completed immediate backup from two hours ago.
		srv.SeedBackup(emulator.StatusCompleted, "")
		srv.AdvanceClock(2 * time.Hour)
	}
	tests := map[string]struct {
		opts     []emulator.Option
		rule     string
		setup    func(*emulator.Server)
		want     string
		requests string
	}{
		"no backup at all": {
			rule: settleRule, want: "reading the latest backup back: Zoho reports no backup at all",
			requests: "POST, GET",
		},
		"another rule": {
			rule:     settleRule,
			setup:    func(s *emulator.Server) { s.SeedBackup(emulator.StatusScheduled, settleOtherRule) },
			want:     "(SCHEDULED, rule " + settleOtherRule + "), which is not this request's result: its rule is not the one asked for",
			requests: "POST, GET",
		},
		"the same rule, stopped": {
			rule:     settleRule,
			setup:    func(s *emulator.Server) { s.SeedBackup(emulator.StatusStopped, settleRuleZoho) },
			want:     "(STOPPED, rule " + settleRuleZoho + "), which is not this request's result: it is neither scheduled nor running",
			requests: "POST, GET",
		},
		"an immediate backup started before the request": {
			opts:     []emulator.Option{emulator.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) })},
			setup:    hoursAgo,
			want:     "(COMPLETED, immediate), which is not this request's result: Zoho's history shows it was started at",
			requests: "POST, GET, GET history",
		},
		"a rule's backup where an immediate one was asked for": {
			setup:    func(s *emulator.Server) { s.SeedBackup(emulator.StatusScheduled, settleRuleZoho) },
			want:     "it is not an immediate backup this request can have started",
			requests: "POST, GET",
		},
		"the read-back fails too": {
			rule: settleRule,
			setup: func(s *emulator.Server) {
				s.InjectFault(emulator.Fault{Method: http.MethodGet, Path: settleBackupPath, Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"})
			},
			want:     "reading the latest backup back failed too: read the latest backup: HTTP 502",
			requests: "POST, GET",
		},
		"the history cannot be read": {
			setup: func(s *emulator.Server) {
				s.SeedBackup(emulator.StatusInProgress, "")
				s.InjectFault(emulator.Fault{Method: http.MethodGet, Path: settleHistory, Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"})
			},
			want:     "(INPROGRESS, immediate), but reading Zoho's history to tell whether this request started it failed",
			requests: "POST, GET, GET history",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, client := settleEmulator(t, tt.opts...)
			if tt.setup != nil {
				tt.setup(srv)
			}
			srv.ResetRequests()
			// Zoho failed before acting: nothing was scheduled.
			srv.InjectFault(emulator.Fault{Method: http.MethodPost, Path: settleBackupPath})
			_, err := client.ScheduleBackupSettled(context.Background(), tt.rule)
			var unsettled *UnsettledError
			var apiErr *APIError
			if !errors.As(err, &unsettled) || !errors.Is(err, ErrMayHaveActed) || !errors.As(err, &apiErr) || apiErr.HTTPStatus != 500 {
				t.Fatalf("want an *UnsettledError wrapping the 500 and ErrMayHaveActed, got %T %v", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "HTTP 500") ||
				!strings.Contains(err.Error(), ErrMayHaveActed.Error()) {
				t.Errorf("the error does not say %q, the write's failure and that Zoho may have acted:\n%v", tt.want, err)
			}
			got := strings.ReplaceAll(strings.ReplaceAll(requestsOf(srv), " "+settleHistory, " history"), " "+settleBackupPath, "")
			if got != tt.requests {
				t.Errorf("requests = %s, want %s", got, tt.requests)
			}
		})
	}
}

// BACKUP_ALREADY_SCHEDULED for a backup with the same rule (in any
// spelling) adopts it; another rule is a *ConflictError naming it; an
// immediate backup is never adopted and is not read back.
func TestScheduleBackupSettledAdoption(t *testing.T) {
	t.Run("same rule", func(t *testing.T) {
		srv, client := settleEmulator(t)
		existing := srv.SeedBackup(emulator.StatusScheduled, settleRuleZoho)
		outcome, err := client.ScheduleBackupSettled(context.Background(), settleRule)
		if err != nil || outcome.How != Adopted || outcome.ID != existing.ID || ErrorCode(outcome.Cause) != CodeBackupAlreadyScheduled {
			t.Fatalf("want backup %s adopted, got %+v, %v", existing.ID, outcome, err)
		}
		if got, want := requestsOf(srv), "POST "+settleBackupPath+", GET "+settleBackupPath; got != want {
			t.Errorf("requests = %s, want %s", got, want)
		}
	})
	t.Run("another rule", func(t *testing.T) {
		srv, client := settleEmulator(t)
		existing := srv.SeedBackup(emulator.StatusScheduled, settleOtherRule)
		_, err := client.ScheduleBackupSettled(context.Background(), settleRule)
		var conflict *ConflictError
		if !errors.As(err, &conflict) || conflict.Existing == nil || conflict.Existing.ID != existing.ID || ErrorCode(err) != CodeBackupAlreadyScheduled {
			t.Fatalf("want a *ConflictError naming backup %s, got %T %v", existing.ID, err, err)
		}
		if want := "it is backup " + existing.ID + " (SCHEDULED, rule " + settleOtherRule + ")"; !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	})
	t.Run("the backup in the way cannot be read", func(t *testing.T) {
		srv, client := settleEmulator(t)
		srv.SeedBackup(emulator.StatusScheduled, settleRuleZoho)
		srv.InjectFault(emulator.Fault{Method: http.MethodGet, Path: settleBackupPath, Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"})
		_, err := client.ScheduleBackupSettled(context.Background(), settleRule)
		var conflict *ConflictError
		if !errors.As(err, &conflict) || conflict.ReadErr == nil || conflict.Existing != nil || ErrorCode(err) != CodeBackupAlreadyScheduled {
			t.Fatalf("want a *ConflictError with the read's failure, got %T %v", err, err)
		}
		if !strings.Contains(err.Error(), "reading the backup in the way failed: read the latest backup: HTTP 502") {
			t.Errorf("the error does not say the read failed: %v", err)
		}
	})
	t.Run("immediate", func(t *testing.T) {
		srv, client := settleEmulator(t)
		srv.SeedBackup(emulator.StatusInProgress, "")
		_, err := client.ScheduleBackupSettled(context.Background(), "")
		var conflict *ConflictError
		if ErrorCode(err) != CodeBackupAlreadyScheduled || errors.As(err, &conflict) {
			t.Fatalf("want Zoho's refusal as is, got %T %v", err, err)
		}
		if got := requestsOf(srv); got != "POST "+settleBackupPath {
			t.Errorf("requests = %s, want the POST only", got)
		}
	})
}

func TestInitiatedSince(t *testing.T) {
	str := func(s string) *string { return &s }
	since := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	completed := HistoryEntry{State: str("completed"), LogTime: str("2026-12-02T07:10:00+01:00")}
	tests := map[string]struct {
		history []HistoryEntry
		logTime string
		why     string
	}{
		"initiated after": {
			history: []HistoryEntry{completed, {Action: str("initiated"), LogTime: str("2026-12-02T11:30:00+05:30")}},
			logTime: "2026-12-02T11:30:00+05:30",
		},
		"initiated before": {
			history: []HistoryEntry{{Action: str("initiated"), LogTime: str("2026-12-02T05:59:59+00:00")}},
			why:     "started at 2026-12-02T05:59:59Z, before this request was sent",
		},
		"the newest start is a schedule": {
			history: []HistoryEntry{{Action: str("scheduled"), LogTime: str("2026-12-02T06:00:01+00:00")}, {Action: str("initiated"), LogTime: str("2026-12-02T06:00:01+00:00")}},
			why:     "the newest start is a scheduled event",
		},
		"no log time":     {history: []HistoryEntry{{Action: str("initiated")}}, why: "the newest start is a initiated event"},
		"not a date":      {history: []HistoryEntry{{Action: str("initiated"), LogTime: str("yesterday")}}, why: "is not a date"},
		"no start at all": {history: []HistoryEntry{completed}, why: "shows no event that started it"},
	}
	for name, tt := range tests {
		logTime, why := initiatedSince(tt.history, since)
		if logTime != tt.logTime || !strings.Contains(why, tt.why) || (tt.why == "") != (why == "") {
			t.Errorf("%s: got %q, %q; want %q, %q", name, logTime, why, tt.logTime, tt.why)
		}
	}
}

func TestDescribeBackupBoundsWhatZohoSent(t *testing.T) {
	str := func(s string) *string { return &s }
	got := DescribeBackup(&Backup{ID: "1", Status: "SCHEDULED", RRule: str("BYDAY=MO;FREQ=WEEKLY;INTERVAL=1")})
	if got != "backup 1 (SCHEDULED, rule "+settleRuleZoho+")" {
		t.Errorf("a valid rule is shown in Zoho's form, got %q", got)
	}
	long := DescribeBackup(&Backup{ID: "1", Status: strings.Repeat("S", 500), RRule: str(strings.Repeat("x", 500) + " " + testToken)})
	if len(long) > 300 || strings.Contains(long, testToken) {
		t.Errorf("server text must be bounded and redacted, got %d bytes: %q", len(long), long)
	}
}
