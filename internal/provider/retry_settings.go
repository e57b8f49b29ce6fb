package provider

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// Bounds of the retry settings. More than 20 retries at up to 30 seconds
// each would hold an apply for ten minutes on one request; a request timeout
// under a second fails healthy calls, and over ten minutes hides a hung one.
//
// Zoho's highest edition (Ultimate) runs 25 calls at once per organization
// and app; more than that is refused whatever the provider does.
const (
	maxMaxConcurrentRequests = 25
	maxMaxRetries            = 20
	minRequestTimeout        = time.Second
	maxRequestTimeout        = 10 * time.Minute
)

// parseMaxRetries reads max_retries from an environment variable.
func parseMaxRetries(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxMaxRetries {
		return 0, fmt.Errorf("%q is not a number of retries: use a whole number from 0 (no retries) to %d", s, maxMaxRetries)
	}
	return n, nil
}

// parseMaxConcurrentRequests reads max_concurrent_requests from an environment variable.
func parseMaxConcurrentRequests(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxMaxConcurrentRequests {
		return 0, fmt.Errorf("%q is not a number of concurrent requests: use a whole number from 1 to %d (Zoho's limit: 5 on the Free edition, up to 25 on Ultimate)", s, maxMaxConcurrentRequests)
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

// intSetting applies the precedence HCL, environment, default to a whole
// number setting; parse reads (and bounds) the environment's value.
func intSetting(value types.Int64, envVar string, parse func(string) (int, error), fallback int) int {
	if !value.IsNull() && !value.IsUnknown() {
		return int(value.ValueInt64())
	}
	if v := envValue(envVar); v != "" {
		if n, err := parse(v); err == nil {
			return n
		}
	}
	return fallback
}

// requestTimeoutSetting applies the precedence HCL, environment, default.
func requestTimeoutSetting(value types.String) time.Duration {
	if d, err := parseRequestTimeout(stringSetting(value, envRequestTimeout, "")); err == nil {
		return d
	}
	return zoho.DefaultRequestTimeout
}
