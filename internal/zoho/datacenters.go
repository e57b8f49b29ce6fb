package zoho

import (
	"fmt"
	"strings"
)

// DefaultAccountsURL is the accounts server of Zoho's US data centre, where
// access tokens are refreshed when neither accounts_url nor a data centre is
// configured.
const DefaultAccountsURL = "https://accounts.zoho.com"

// DataCenter is one Zoho data centre: where its OAuth tokens are issued and
// where its CRM API is served. A token from one data centre is unknown to
// every other.
type DataCenter struct {
	Code        string
	AccountsURL string
	APIDomain   string
}

// dataCenters lists Zoho's data centres, limited to those whose CRM API
// domain Zoho itself documents (its SDK's data-centre classes and
// https://www.zoho.com/accounts/protocol/oauth/multi-dc.html).
// UK, AE and SG are left out on purpose: their CRM API domains come only from
// third-party code, and a guessed domain would send tokens to a host nobody
// has confirmed belongs to Zoho. Users there set api_domain and accounts_url.
var dataCenters = []DataCenter{
	{Code: "US", AccountsURL: "https://accounts.zoho.com", APIDomain: "https://www.zohoapis.com"},
	{Code: "EU", AccountsURL: "https://accounts.zoho.eu", APIDomain: "https://www.zohoapis.eu"},
	{Code: "IN", AccountsURL: "https://accounts.zoho.in", APIDomain: "https://www.zohoapis.in"},
	{Code: "AU", AccountsURL: "https://accounts.zoho.com.au", APIDomain: "https://www.zohoapis.com.au"},
	{Code: "JP", AccountsURL: "https://accounts.zoho.jp", APIDomain: "https://www.zohoapis.jp"},
	// CA's accounts server is on zohocloud.ca, its API domain is not.
	{Code: "CA", AccountsURL: "https://accounts.zohocloud.ca", APIDomain: "https://www.zohoapis.ca"},
	{Code: "SA", AccountsURL: "https://accounts.zoho.sa", APIDomain: "https://www.zohoapis.sa"},
	{Code: "CN", AccountsURL: "https://accounts.zoho.com.cn", APIDomain: "https://www.zohoapis.com.cn"},
}

// unconfirmedDataCenters are data centres Zoho runs whose CRM API domain is
// not confirmed by a Zoho source; naming one gets a specific explanation.
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

// LookupDataCenter returns the data centre with this code. Codes are
// upper case, as Zoho writes them ("EU"); other spellings are refused so
// that one configuration has one spelling.
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
