package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// stringCheck adapts a check from the zoho package into a plan-time
// validator, so Terraform configuration and the client share one definition
// of what a valid value is.
type stringCheck struct {
	summary     string
	description string
	check       func(string) error
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	// Unknown values are checked again once known, at apply.
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, err.Error()+".")
	}
}

func baseURLValidator() validator.String {
	return stringCheck{
		summary:     "Invalid URL",
		description: "value must be an https origin such as https://www.zohoapis.com (http only for loopback hosts)",
		check: func(s string) error {
			_, err := zoho.NormalizeBaseURL(s)
			return err
		},
	}
}

func apiVersionValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Zoho API version",
		description: "value must be \"v\" followed by digits, such as v8",
		check:       zoho.ValidateAPIVersion,
	}
}

func backupIDValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Zoho backup id",
		description: "value must be a Zoho backup id: decimal digits only",
		check:       zoho.ValidateBackupID,
	}
}

func rruleValidator() validator.String {
	return stringCheck{
		summary: "Invalid backup recurrence rule",
		description: "value must be a rule Zoho accepts: FREQ=WEEKLY or MONTHLY; INTERVAL=1 to 52; exactly one of BYDAY " +
			"(a weekday, with an optional ordinal such as 1TH for MONTHLY rules) and BYMONTHDAY (1 to 31, MONTHLY only); " +
			"with or without the RRULE: prefix",
		check: zoho.ValidateRRule,
	}
}

func requestTimeoutValidator() validator.String {
	return durationValidator("Invalid request timeout", minRequestTimeout, maxRequestTimeout, "30s")
}

// durationValidator accepts a duration from minimum to maximum; example
// completes the description.
func durationValidator(summary string, minimum, maximum time.Duration, example string) validator.String {
	return stringCheck{
		summary:     summary,
		description: fmt.Sprintf("value must be a duration from %s to %s, such as %s", minimum, maximum, example),
		check: func(s string) error {
			_, err := parseDurationBetween(s, minimum, maximum)
			return err
		},
	}
}
