package provider

import (
	"fmt"
	"strings"
	"time"
)

// shortDuration prints 6h rather than Go's 6h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// mebibytes prints a byte count in MiB, the unit of Zoho's 1 GB files.
func mebibytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// rate prints bytes over elapsed in MiB/s.
func rate(n int64, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "-- MiB/s"
	}
	return fmt.Sprintf("%.1f MiB/s", float64(n)/(1<<20)/elapsed.Seconds())
}
