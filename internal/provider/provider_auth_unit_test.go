package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestResolveSettingsDataCenterDefaults(t *testing.T) {
	unsetAuthEnv(t)
	tests := map[string]struct {
		config                providerModel
		env                   map[string]string
		wantAPI, wantAccounts string
	}{
		"no data centre: US": {
			wantAPI: "https://www.zohoapis.com", wantAccounts: "https://accounts.zoho.com",
		},
		"CA: the API domain is not on zohocloud": {
			config:  providerModel{DataCenter: types.StringValue("CA")},
			wantAPI: "https://www.zohoapis.ca", wantAccounts: "https://accounts.zohocloud.ca",
		},
		"EU from the environment": {
			env:     map[string]string{envDataCenter: "EU"},
			wantAPI: "https://www.zohoapis.eu", wantAccounts: "https://accounts.zoho.eu",
		},
		"explicit URLs in the block win": {
			config: providerModel{
				DataCenter:  types.StringValue("AU"),
				APIDomain:   types.StringValue("https://sandbox.zohoapis.com.au"),
				AccountsURL: types.StringValue("https://accounts.example.test"),
			},
			wantAPI: "https://sandbox.zohoapis.com.au", wantAccounts: "https://accounts.example.test",
		},
		"explicit URLs in the environment win": {
			config:  providerModel{DataCenter: types.StringValue("JP")},
			env:     map[string]string{envAPIDomain: "https://developer.zohoapis.jp"},
			wantAPI: "https://developer.zohoapis.jp", wantAccounts: "https://accounts.zoho.jp",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			s := resolveSettings(tt.config)
			if s.apiDomain != tt.wantAPI || s.accountsURL != tt.wantAccounts {
				t.Errorf("api_domain %q, accounts_url %q; want %q, %q", s.apiDomain, s.accountsURL, tt.wantAPI, tt.wantAccounts)
			}
		})
	}
}
