package zoho

import (
	"strings"
	"testing"
)

func TestNormalizeRRuleAcceptsTheDocumentedGrammar(t *testing.T) {
	good := map[string]string{
		// Every example Zoho documents, as printed.
		"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH":       "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16": "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH":     "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=4TH":     "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=4TH",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR":       "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
		// Without the prefix, in another order, at the bounds.
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU":             "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
		"BYDAY=SU;INTERVAL=52;FREQ=WEEKLY":            "RRULE:FREQ=WEEKLY;INTERVAL=52;BYDAY=SU",
		"RRULE:BYMONTHDAY=31;FREQ=MONTHLY;INTERVAL=3": "RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31",
		"FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR":          "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR",
		"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1":        "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1",
	}
	for in, want := range good {
		got, err := NormalizeRRule(in)
		if err != nil || got != want {
			t.Errorf("NormalizeRRule(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err := ValidateRRule(in); err != nil {
			t.Errorf("ValidateRRule(%q) = %v", in, err)
		}
	}
}

func TestNormalizeRRuleNamesTheBadPart(t *testing.T) {
	bad := map[string]string{
		"":                                 "the rule is empty",
		"RRULE:":                           "the rule is empty",
		"FREQ=WEEKLY;;INTERVAL=1;BYDAY=MO": "empty part",
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;": "empty part",
		"FREQ=WEEKLY;INTERVAL;BYDAY=MO":    `part "INTERVAL" is not KEY=VALUE`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;FREQ=WEEKLY":   `part "FREQ=WEEKLY": FREQ is given twice`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3":       `part "COUNT=3": COUNT is not supported`,
		"freq=WEEKLY;INTERVAL=1;BYDAY=MO":               `part "freq=WEEKLY": freq is not supported`,
		"FREQ=DAILY;INTERVAL=1;BYDAY=MO":                `part "FREQ=DAILY": FREQ must be WEEKLY or MONTHLY`,
		"INTERVAL=1;BYDAY=MO":                           "FREQ is missing",
		"FREQ=WEEKLY;BYDAY=MO":                          "INTERVAL is missing",
		"FREQ=WEEKLY;INTERVAL=0;BYDAY=MO":               `part "INTERVAL=0": INTERVAL must be a whole number from 1 to 52`,
		"FREQ=WEEKLY;INTERVAL=53;BYDAY=MO":              `part "INTERVAL=53": INTERVAL must be`,
		"FREQ=WEEKLY;INTERVAL=01;BYDAY=MO":              `part "INTERVAL=01": INTERVAL must be`,
		"FREQ=WEEKLY;INTERVAL=+1;BYDAY=MO":              `part "INTERVAL=+1": INTERVAL must be`,
		"FREQ=WEEKLY;INTERVAL=1":                        "BYDAY or BYMONTHDAY is missing",
		"FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;BYMONTHDAY=3": `parts "BYDAY=MO" and "BYMONTHDAY=3": give exactly one`,
		"FREQ=WEEKLY;INTERVAL=1;BYMONTHDAY=3":           `part "BYMONTHDAY=3": BYMONTHDAY is allowed with FREQ=MONTHLY only`,
		"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=32":         `part "BYMONTHDAY=32": BYMONTHDAY must be a whole number from 1 to 31`,
		"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=0":          `part "BYMONTHDAY=0"`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=XX":               `part "BYDAY=XX": BYDAY must be one weekday`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU":            `part "BYDAY=MO,TU": BYDAY must be one weekday`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=mo":               `part "BYDAY=mo"`,
		"FREQ=WEEKLY;INTERVAL=1;BYDAY=1TH":              `part "BYDAY=1TH": an ordinal before the weekday is allowed with FREQ=MONTHLY only; write BYDAY=TH`,
		"FREQ=MONTHLY;INTERVAL=1;BYDAY=5TH":             `part "BYDAY=5TH": the ordinal before the weekday must be 1 to 4, or -1`,
		"FREQ=MONTHLY;INTERVAL=1;BYDAY=+1TH":            `part "BYDAY=+1TH": the ordinal`,
		" FREQ=WEEKLY;INTERVAL=1;BYDAY=MO":              `part " FREQ=WEEKLY": `,
	}
	for in, want := range bad {
		got, err := NormalizeRRule(in)
		if err == nil {
			t.Errorf("NormalizeRRule(%q) = %q, want an error containing %q", in, got, want)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is not a backup rule Zoho accepts") {
			t.Errorf("NormalizeRRule(%q) error %q does not contain %q", in, err, want)
		}
	}
}

func TestEquivalentRRules(t *testing.T) {
	if !EquivalentRRules("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU") {
		t.Error("the prefix must not matter")
	}
	if !EquivalentRRules("BYDAY=TU;FREQ=WEEKLY;INTERVAL=2", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU") {
		t.Error("the order of the parts must not matter")
	}
	if EquivalentRRules("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU") {
		t.Error("different intervals are different rules")
	}
	if EquivalentRRules("FREQ=DAILY", "FREQ=DAILY") {
		t.Error("invalid rules are never equivalent")
	}
}
