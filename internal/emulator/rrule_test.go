package emulator

import (
	"fmt"
	"net/http"
	"testing"
)

func TestRRuleValidation(t *testing.T) {
	bad := []string{
		"",
		"RRULE:",
		"RRULE:FREQ=DAILY;INTERVAL=1;BYDAY=MO",
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTHDAY=1",
		"RRULE:FREQ=WEEKLY;BYDAY=MO",
		"RRULE:INTERVAL=1;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=0;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=53;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=01;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=-1;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=x;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=1",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;BYMONTHDAY=3",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYMONTHDAY=3",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=1TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=5TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=0TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=-2TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=0",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=32",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=XX",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3",
		"RRULE:FREQ=WEEKLY;FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
		"RRULE:freq=weekly;interval=1;byday=mo",
		"RRULE:FREQ=WEEKLY; INTERVAL=1;BYDAY=MO",
		"rrule:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
		"RRULE:RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
		"FREQ=MONTHLY;COUNT=3;BYDAY=WE;", // v2 form, not accepted in v8
	}
	for _, rule := range bad {
		t.Run(rule, func(t *testing.T) {
			s := newServer(t)
			res := do(t, s, http.MethodPost, basePath, fmt.Sprintf(`{"backup":{"rrule":%q}}`, rule))
			details := wantNestedError(t, res, CodeInvalidData, "Invalid data")
			wantDetails(t, details, map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"})
			wantNoContent(t, do(t, s, http.MethodGet, basePath, ""))
		})
	}
	t.Run("non-string rrule", func(t *testing.T) {
		s := newServer(t)
		res := do(t, s, http.MethodPost, basePath, `{"backup":{"rrule":7}}`)
		wantNestedError(t, res, CodeInvalidData, "Invalid data")
	})
}

func TestParseRRule(t *testing.T) {
	tests := []struct {
		rule, repeatType string
	}{
		{"FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "weekly"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "biweekly"},
		{"FREQ=WEEKLY;INTERVAL=3;BYDAY=TH", "weekly"},
		{"FREQ=MONTHLY;INTERVAL=2;BYDAY=2SA", "monthly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1", "monthly"},
	}
	for _, tt := range tests {
		r, err := parseRRule(tt.rule)
		if err != nil {
			t.Fatalf("parseRRule(%q): %v", tt.rule, err)
		}
		if got := r.repeatType(); got != tt.repeatType {
			t.Errorf("repeatType(%q) = %q, want %q", tt.rule, got, tt.repeatType)
		}
	}
	if got := canonicalRRule("FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"); got != "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR" {
		t.Errorf("canonicalRRule = %q", got)
	}
}
