package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// A write Zoho may have acted on, which reading back could not settle, is
// explained by the ErrMayHaveActed text whatever answer it wraps: never by
// the wrapped answer's own remedy ("Try again later" for a 500), which could
// start a second backup. A timeout keeps its request_timeout advice.
func TestDescribeErrorOfAnUnsettledWrite(t *testing.T) {
	internal := &zoho.APIError{Operation: "schedule an immediate backup", HTTPStatus: 500, Code: zoho.CodeInternalError, Message: "Internal Server Error"}
	timeout := fmt.Errorf("%w (%w)", &zoho.AttemptTimeoutError{Operation: "schedule an immediate backup", Timeout: 2 * time.Second}, zoho.ErrMayHaveActed)
	common := []string{
		"so Zoho may have scheduled the backup. It was not sent again",
		"Reading the latest backup back could not tell whether it did",
		"Check before trying again: read the zohocrm_backup data source",
		"If a backup with the rule asked for is scheduled, apply again: zohocrm_backup_schedule adopts it.",
	}
	for name, tc := range map[string]struct {
		err     error
		want    []string
		notWant []string
	}{
		"500, nothing found": {
			err:     &zoho.UnsettledError{Write: internal, Why: "Zoho reports no backup at all"},
			want:    []string{"HTTP 500, Zoho code INTERNAL_ERROR", "Zoho reports no backup at all"},
			notWant: []string{remedies[zoho.CodeInternalError], "request_timeout"},
		},
		"timeout, read-back failed": {
			err:     &zoho.UnsettledError{Write: timeout, ReadErr: &zoho.APIError{Operation: "read the latest backup", HTTPStatus: 502, BodyExcerpt: "<html>"}},
			want:    []string{"within the request timeout of 2s", "reading the latest backup back failed too", "raise request_timeout (now 2s)", envRequestTimeout},
			notWant: []string{unknownAnswerRemedy},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := describeError(context.Background(), tc.err)
			for _, want := range append(tc.want, common...) {
				if !strings.Contains(got, want) {
					t.Errorf("the detail does not say %q:\n%s", want, got)
				}
			}
			for _, not := range tc.notWant {
				if strings.Contains(got, not) {
					t.Errorf("the detail says %q:\n%s", not, got)
				}
			}
		})
	}
}
