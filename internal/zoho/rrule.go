package zoho

import (
	"fmt"
	"strconv"
	"strings"
)

// RRulePrefix starts every rule in the form Zoho documents and returns.
const RRulePrefix = "RRULE:"

// rruleWeekdays are the BYDAY values Zoho documents.
var rruleWeekdays = map[string]bool{"SU": true, "MO": true, "TU": true, "WE": true, "TH": true, "FR": true, "SA": true}

type rruleParts struct {
	freq, interval, byDay, byMonthDay string
}

// NormalizeRRule checks rule against Zoho's grammar (docs/design/settle.md)
// and returns it as "RRULE:FREQ=...;INTERVAL=...;BYDAY=..." (or BYMONTHDAY).
// Its error names the part to fix.
func NormalizeRRule(rule string) (string, error) {
	parts, err := splitRRule(rule)
	if err != nil {
		return "", fmt.Errorf("%q is not a backup rule Zoho accepts: %w", rule, err)
	}
	if err := parts.check(); err != nil {
		return "", fmt.Errorf("%q is not a backup rule Zoho accepts: %w", rule, err)
	}
	normalized := RRulePrefix + "FREQ=" + parts.freq + ";INTERVAL=" + parts.interval
	if parts.byDay != "" {
		return normalized + ";BYDAY=" + parts.byDay, nil
	}
	return normalized + ";BYMONTHDAY=" + parts.byMonthDay, nil
}

// ValidateRRule reports whether rule is a backup rule Zoho accepts.
func ValidateRRule(rule string) error {
	_, err := NormalizeRRule(rule)
	return err
}

// EquivalentRRules reports whether a and b are the same valid rule.
func EquivalentRRules(a, b string) bool {
	na, errA := NormalizeRRule(a)
	nb, errB := NormalizeRRule(b)
	return errA == nil && errB == nil && na == nb
}

// splitRRule splits rule into its parts: KEY=VALUE, documented keys, once.
func splitRRule(rule string) (rruleParts, error) {
	body := strings.TrimPrefix(rule, RRulePrefix)
	if body == "" {
		return rruleParts{}, fmt.Errorf("the rule is empty: write it as FREQ=WEEKLY;INTERVAL=1;BYDAY=MO, or leave rrule out for an immediate backup")
	}
	var parts rruleParts
	seen := map[string]bool{}
	for part := range strings.SplitSeq(body, ";") {
		key, value, ok := strings.Cut(part, "=")
		if part == "" {
			return rruleParts{}, fmt.Errorf("it has an empty part (two semicolons in a row, or a semicolon at the end)")
		}
		if !ok || key == "" || value == "" {
			return rruleParts{}, fmt.Errorf("part %q is not KEY=VALUE, such as INTERVAL=1", part)
		}
		if seen[key] {
			return rruleParts{}, fmt.Errorf("part %q: %s is given twice", part, key)
		}
		seen[key] = true
		switch key {
		case "FREQ":
			parts.freq = value
		case "INTERVAL":
			parts.interval = value
		case "BYDAY":
			parts.byDay = value
		case "BYMONTHDAY":
			parts.byMonthDay = value
		default:
			return rruleParts{}, fmt.Errorf("part %q: %s is not supported; Zoho accepts only FREQ, INTERVAL, BYDAY and BYMONTHDAY, in upper case", part, key)
		}
	}
	return parts, nil
}

// check validates each part's value and the rules between parts.
func (p rruleParts) check() error {
	switch {
	case p.freq == "":
		return fmt.Errorf("FREQ is missing: add FREQ=WEEKLY or FREQ=MONTHLY")
	case p.freq != "WEEKLY" && p.freq != "MONTHLY":
		return fmt.Errorf("part %q: FREQ must be WEEKLY or MONTHLY", "FREQ="+p.freq)
	case p.interval == "":
		return fmt.Errorf("INTERVAL is missing: add INTERVAL=1 (every week or month) up to INTERVAL=52")
	case !wholeNumberIn(p.interval, 1, 52):
		return fmt.Errorf("part %q: INTERVAL must be a whole number from 1 to 52", "INTERVAL="+p.interval)
	case p.byDay != "" && p.byMonthDay != "":
		return fmt.Errorf("parts %q and %q: give exactly one of BYDAY and BYMONTHDAY, not both", "BYDAY="+p.byDay, "BYMONTHDAY="+p.byMonthDay)
	case p.byDay == "" && p.byMonthDay == "":
		return fmt.Errorf("BYDAY or BYMONTHDAY is missing: add BYDAY=MO (a weekday) or, for MONTHLY rules, BYMONTHDAY=1 to 31")
	case p.byMonthDay != "" && p.freq != "MONTHLY":
		return fmt.Errorf("part %q: BYMONTHDAY is allowed with FREQ=MONTHLY only; use BYDAY for WEEKLY rules", "BYMONTHDAY="+p.byMonthDay)
	case p.byMonthDay != "" && !wholeNumberIn(p.byMonthDay, 1, 31):
		return fmt.Errorf("part %q: BYMONTHDAY must be a whole number from 1 to 31", "BYMONTHDAY="+p.byMonthDay)
	case p.byDay != "":
		return p.checkByDay()
	}
	return nil
}

// checkByDay checks BYDAY: one weekday, with an ordinal for MONTHLY rules only.
func (p rruleParts) checkByDay() error {
	part := "BYDAY=" + p.byDay
	notAWeekday := fmt.Errorf("part %q: BYDAY must be one weekday, SU, MO, TU, WE, TH, FR or SA (for MONTHLY rules optionally after an ordinal, such as 1TH)", part)
	if len(p.byDay) < 2 || !rruleWeekdays[p.byDay[len(p.byDay)-2:]] {
		return notAWeekday
	}
	ordinal, weekday := p.byDay[:len(p.byDay)-2], p.byDay[len(p.byDay)-2:]
	switch {
	case ordinal == "":
		return nil
	case strings.Trim(ordinal, "-+0123456789") != "":
		return notAWeekday
	case ordinal != "-1" && !wholeNumberIn(ordinal, 1, 4):
		return fmt.Errorf("part %q: the ordinal before the weekday must be 1 to 4, or -1 for the last one in the month", part)
	case p.freq != "MONTHLY":
		return fmt.Errorf("part %q: an ordinal before the weekday is allowed with FREQ=MONTHLY only; write BYDAY=%s", part, weekday)
	}
	return nil
}

// wholeNumberIn reports whether s is digits, no leading zero, in [lo, hi].
func wholeNumberIn(s string, lo, hi int) bool {
	if s == "" || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return false
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= lo && n <= hi
}
