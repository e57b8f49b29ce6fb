package emulator

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// rrulePrefix is optional on input (v2 examples omit it) and always present
// in what the emulator stores and returns, as in every v3+ sample.
const rrulePrefix = "RRULE:"

// rrule is a parsed backup recurrence rule. The grammar is the documented one
// on the Schedule Data Backup page
// (https://www.zoho.com/crm/developer/docs/api/v8/schedule-data-backup.html), which is much narrower than RFC 5545:
//
//	FREQ       WEEKLY | MONTHLY                       mandatory
//	INTERVAL   1..52                                  mandatory
//	BYDAY      SU..SA; MONTHLY may prefix 1-4 or -1   exactly one of BYDAY
//	BYMONTHDAY 1..31, MONTHLY only                    and BYMONTHDAY
//
// Anything else (COUNT, UNTIL, lists, lower case, spaces, empty parts) is
// rejected: accepting what Zoho might refuse would let a client pass here and
// fail against Zoho.
type rrule struct {
	freq       string
	interval   int
	weekday    time.Weekday
	hasByDay   bool
	ordinal    int // 0 = none; 1..4 or -1 (last), MONTHLY only
	byMonthDay int // 0 = none
}

var weekdays = map[string]time.Weekday{
	"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday,
}

// parseRRule validates s (with or without the "RRULE:" prefix).
func parseRRule(s string) (rrule, error) {
	body := strings.TrimPrefix(s, rrulePrefix)
	if body == "" {
		return rrule{}, errors.New("empty rule")
	}
	parts := map[string]string{}
	for part := range strings.SplitSeq(body, ";") {
		key, value, ok := strings.Cut(part, "=")
		if !ok || key == "" || value == "" {
			return rrule{}, fmt.Errorf("malformed part %q", part)
		}
		if _, dup := parts[key]; dup {
			return rrule{}, fmt.Errorf("duplicate %s", key)
		}
		parts[key] = value
	}
	var r rrule
	for key, value := range parts {
		var err error
		switch key {
		case "FREQ":
			err = r.setFreq(value)
		case "INTERVAL":
			r.interval, err = boundedInt(value, 1, 52)
		case "BYDAY":
			err = r.setByDay(value)
		case "BYMONTHDAY":
			r.byMonthDay, err = boundedInt(value, 1, 31)
		default:
			err = errors.New("unsupported part")
		}
		if err != nil {
			return rrule{}, fmt.Errorf("%s=%s: %w", key, value, err)
		}
	}
	return r, r.check()
}

func (r *rrule) setFreq(v string) error {
	if v != "WEEKLY" && v != "MONTHLY" {
		return errors.New("FREQ must be WEEKLY or MONTHLY")
	}
	r.freq = v
	return nil
}

func (r *rrule) setByDay(v string) error {
	if len(v) < 2 {
		return errors.New("no weekday")
	}
	prefix, day := v[:len(v)-2], v[len(v)-2:]
	wd, ok := weekdays[day]
	if !ok {
		return errors.New("unknown weekday")
	}
	switch prefix {
	case "":
	case "1", "2", "3", "4":
		r.ordinal = int(prefix[0] - '0')
	case "-1":
		r.ordinal = -1
	default:
		return errors.New("ordinal must be 1-4 or -1")
	}
	r.weekday, r.hasByDay = wd, true
	return nil
}

// check enforces the rules that involve more than one part.
func (r rrule) check() error {
	switch {
	case r.freq == "":
		return errors.New("FREQ is mandatory")
	case r.interval == 0:
		return errors.New("INTERVAL is mandatory")
	case r.hasByDay == (r.byMonthDay != 0):
		return errors.New("exactly one of BYDAY and BYMONTHDAY is required")
	case r.freq == "WEEKLY" && r.byMonthDay != 0:
		return errors.New("BYMONTHDAY is for MONTHLY rules only")
	case r.freq == "WEEKLY" && r.ordinal != 0:
		return errors.New("a BYDAY ordinal is for MONTHLY rules only")
	}
	return nil
}

// boundedInt parses plain decimal digits (no sign, no leading zero, no
// spaces) within [lo, hi].
func boundedInt(v string, lo, hi int) (int, error) {
	if v == "" || v[0] == '0' || strings.TrimLeft(v, "0123456789") != "" {
		return 0, errors.New("not a plain positive number")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("must be %d to %d", lo, hi)
	}
	return n, nil
}

// canonicalRRule returns the stored form: the client's rule as sent, with
// the "RRULE:" prefix added if it was missing. Part order is kept so a
// client reading the rule back sees what it wrote.
func canonicalRRule(s string) string {
	if strings.HasPrefix(s, rrulePrefix) {
		return s
	}
	return rrulePrefix + s
}

// repeatType is the history repeat_type for the rule. The mapping is inferred
// from Zoho's v7 history sample: MONTHLY is "monthly", WEEKLY with
// INTERVAL=2 "biweekly", any other WEEKLY rule "weekly" (Zoho documents no
// value for larger weekly intervals).
func (r rrule) repeatType() string {
	switch {
	case r.freq == "MONTHLY":
		return "monthly"
	case r.interval == 2:
		return "biweekly"
	default:
		return "weekly"
	}
}

// next returns the first day strictly after now that the rule selects, at
// now's time of day. It is the emulator's start_date/scheduled_date; Zoho's
// real choice of hour is undocumented.
func (r rrule) next(now time.Time) time.Time {
	day := now
	// Any rule matches within 13 months (BYMONTHDAY=31 skips short months).
	for range 400 {
		day = day.AddDate(0, 0, 1)
		if r.matches(day) {
			return day
		}
	}
	return day // Unreachable for a rule that passed parseRRule.
}

func (r rrule) matches(d time.Time) bool {
	if r.byMonthDay != 0 {
		return d.Day() == r.byMonthDay
	}
	if d.Weekday() != r.weekday {
		return false
	}
	switch {
	case r.ordinal > 0:
		return (d.Day()-1)/7+1 == r.ordinal
	case r.ordinal == -1:
		return d.AddDate(0, 0, 7).Month() != d.Month()
	}
	return true
}
