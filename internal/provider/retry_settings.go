package provider

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// Bounds of the retry settings. More than 20 retries at up to 30 seconds
// each would hold an apply for ten minutes on one request; a request timeout
// under a second fails healthy calls, and over ten minutes hides a hung one.
const (
	maxMaxRetries     = 20
	minRequestTimeout = time.Second
	maxRequestTimeout = 10 * time.Minute
)

// parseMaxRetries reads max_retries from an environment variable.
func parseMaxRetries(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxMaxRetries {
		return 0, fmt.Errorf("%q is not a number of retries: use a whole number from 0 (no retries) to %d", s, maxMaxRetries)
	}
	return n, nil
}

// parseRequestTimeout reads request_timeout, from configuration or the environment.
func parseRequestTimeout(s string) (time.Duration, error) {
	return parseDurationBetween(s, minRequestTimeout, maxRequestTimeout)
}

// parseDurationBetween reads a duration setting and checks its bounds.
func parseDurationBetween(s string, minimum, maximum time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: use a number with a unit, such as \"30s\" or \"2m\"", s)
	}
	if d < minimum || d > maximum {
		return 0, fmt.Errorf("%q is out of range: use a duration from %s to %s", s, minimum, maximum)
	}
	return d, nil
}

// maxRetriesSetting applies the precedence HCL, environment, default.
func maxRetriesSetting(value types.Int64) int {
	if !value.IsNull() && !value.IsUnknown() {
		return int(value.ValueInt64())
	}
	if v := os.Getenv(envMaxRetries); v != "" {
		if n, err := parseMaxRetries(v); err == nil {
			return n
		}
	}
	return zoho.DefaultMaxRetries
}

// requestTimeoutSetting applies the precedence HCL, environment, default.
func requestTimeoutSetting(value types.String) time.Duration {
	if d, err := parseRequestTimeout(stringSetting(value, envRequestTimeout, "")); err == nil {
		return d
	}
	return zoho.DefaultRequestTimeout
}
