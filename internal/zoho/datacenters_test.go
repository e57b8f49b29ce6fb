package zoho

import (
	"strings"
	"testing"
)

func TestLookupDataCenter(t *testing.T) {
	ca, err := LookupDataCenter("CA")
	if err != nil || ca.APIDomain != "https://www.zohoapis.ca" || ca.AccountsURL != "https://accounts.zohocloud.ca" {
		t.Errorf("CA = %+v, %v: its API domain is www.zohoapis.ca and its accounts server accounts.zohocloud.ca", ca, err)
	}
	for _, dc := range dataCenters {
		for _, u := range []string{dc.APIDomain, dc.AccountsURL} {
			if normalized, err := NormalizeBaseURL(u); err != nil || normalized != u {
				t.Errorf("%s: %q is not a bare https origin", dc.Code, u)
			}
		}
	}
	if got := strings.Join(DataCenterCodes(), ","); got != "US,EU,IN,AU,JP,CA,SA,CN" {
		t.Errorf("codes %s", got)
	}
	errors := map[string]string{
		"eu": `write it in upper case, "EU"`,
		"UK": `not confirmed by Zoho's documentation`,
		"XX": "use one of US, EU, IN, AU, JP, CA, SA, CN",
		"":   "use one of",
	}
	for code, want := range errors {
		if _, err := LookupDataCenter(code); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LookupDataCenter(%q) = %v, want an error containing %q", code, err, want)
		}
	}
}
