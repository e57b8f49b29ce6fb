package zoho

import (
	"fmt"
	"strings"
)

// DefaultAccountsURL is the US accounts server, used when none is configured.
const DefaultAccountsURL = "https://accounts.zoho.com"

// DataCenter is where one Zoho data centre issues tokens and serves the API.
type DataCenter struct {
	Code        string
	AccountsURL string
	APIDomain   string
}

// dataCenters lists the data centres whose CRM API domain Zoho documents
// (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html and its SDK).
var dataCenters = []DataCenter{
	{Code: "US", AccountsURL: "https://accounts.zoho.com", APIDomain: "https://www.zohoapis.com"},
	{Code: "EU", AccountsURL: "https://accounts.zoho.eu", APIDomain: "https://www.zohoapis.eu"},
	{Code: "IN", AccountsURL: "https://accounts.zoho.in", APIDomain: "https://www.zohoapis.in"},
	{Code: "AU", AccountsURL: "https://accounts.zoho.com.au", APIDomain: "https://www.zohoapis.com.au"},
	{Code: "JP", AccountsURL: "https://accounts.zoho.jp", APIDomain: "https://www.zohoapis.jp"},
	{Code: "CA", AccountsURL: "https://accounts.zohocloud.ca", APIDomain: "https://www.zohoapis.ca"},
	{Code: "SA", AccountsURL: "https://accounts.zoho.sa", APIDomain: "https://www.zohoapis.sa"},
	{Code: "CN", AccountsURL: "https://accounts.zoho.com.cn", APIDomain: "https://www.zohoapis.com.cn"},
}

// unconfirmedDataCenters have no documented CRM API domain: code to accounts URL.
var unconfirmedDataCenters = map[string]string{
	"UK": "https://accounts.zoho.uk",
	"AE": "https://accounts.zoho.ae",
	"SG": "",
}

// DataCenterCodes lists the codes LookupDataCenter accepts, in table order.
func DataCenterCodes() []string {
	codes := make([]string, len(dataCenters))
	for i, dc := range dataCenters {
		codes[i] = dc.Code
	}
	return codes
}

// LookupDataCenter returns the data centre with this upper-case code ("EU").
func LookupDataCenter(code string) (DataCenter, error) {
	for _, dc := range dataCenters {
		if dc.Code == code {
			return dc, nil
		}
	}
	valid := strings.Join(DataCenterCodes(), ", ")
	upper := strings.ToUpper(strings.TrimSpace(code))
	if accounts, known := unconfirmedDataCenters[upper]; known {
		hint := "set api_domain and accounts_url explicitly instead"
		if accounts != "" {
			hint = fmt.Sprintf("set accounts_url = %q and api_domain to the API domain Zoho shows for your organization instead", accounts)
		}
		return DataCenter{}, fmt.Errorf("%q is a Zoho data centre whose CRM API domain is not confirmed by Zoho's documentation, so the provider has no default for it: %s", code, hint)
	}
	if upper != code {
		for _, dc := range dataCenters {
			if dc.Code == upper {
				return DataCenter{}, fmt.Errorf("%q is not a data centre code: write it in upper case, %q", code, upper)
			}
		}
	}
	return DataCenter{}, fmt.Errorf("%q is not a Zoho data centre: use one of %s", code, valid)
}
