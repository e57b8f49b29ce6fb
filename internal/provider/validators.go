package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
		check:       checkBaseURL,
	}
}

func checkBaseURL(s string) error {
	_, err := zoho.NormalizeBaseURL(s)
	return err
}

// credentialValidator refuses, at plan time, a credential argument set to
// an empty string or to a value with a control character (typically the
// line break at the end of a file read with file()). An empty string is not
// taken as "unset": falling back to the environment variable in silence
// would authenticate as someone the configuration does not name. The error
// never quotes the value, and is not attached to the attribute, because
// Terraform would then print the configuration line and a secret written
// there literally.
func credentialValidator(attribute string) validator.String {
	return credentialCheck{attribute: attribute}
}

type credentialCheck struct{ attribute string }

var _ validator.String = credentialCheck{}

func (v credentialCheck) Description(context.Context) string {
	return "value must not be empty nor hold a line break or another control character"
}

func (v credentialCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v credentialCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if value == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty Zoho credential",
			fmt.Sprintf("%s is set to an empty string. Remove the argument (or set it to null) to take the value from the "+
				"environment variable, or set the credential itself.", v.attribute))
		return
	}
	if err := zoho.CheckHeaderValue(value); err != nil {
		resp.Diagnostics.AddError("Invalid Zoho credential",
			fmt.Sprintf("%s %s, which Zoho's servers cannot receive. A value read from a file usually ends with a line break: "+
				"trim it, for example with trimspace(file(\"token.txt\")).", v.attribute, err))
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
		description: "value must be a Zoho backup id: 1 to 19 decimal digits, not all zeros",
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

// directoryValidator accepts a folder path: not blank, and no control
// character (which no file system path a user means holds).
func directoryValidator() validator.String {
	return stringCheck{
		summary:     "Invalid directory",
		description: "value must be the path of a folder to download into, such as \"${path.root}/backups\"",
		check: func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("the path is empty")
			}
			if err := zoho.CheckHeaderValue(s); err != nil {
				return fmt.Errorf("the path %w", err)
			}
			return nil
		},
	}
}
