package zoho

import "testing"

func TestNormalizeBaseURL(t *testing.T) {
	good := map[string]string{
		"https://www.zohoapis.com":     "https://www.zohoapis.com",
		"https://www.zohoapis.eu///":   "https://www.zohoapis.eu",
		"http://127.0.0.1:8080/":       "http://127.0.0.1:8080",
		"http://127.10.0.3:1":          "http://127.10.0.3:1",
		"http://localhost:9000":        "http://localhost:9000",
		"http://[::1]:9000":            "http://[::1]:9000",
		" https://www.zohoapis.com.au": "https://www.zohoapis.com.au",
	}
	for in, want := range good {
		got, err := NormalizeBaseURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", "www.zohoapis.com", "http://www.zohoapis.com", "http://10.0.0.1", "ftp://www.zohoapis.com",
		"https://www.zohoapis.com/crm/bulk/v8", "https://user:pw@www.zohoapis.com", "https://www.zohoapis.com?x=1",
		"http://localhost.evil.com", "http://127.0.0.1.nip.io",
	}
	for _, in := range bad {
		if got, err := NormalizeBaseURL(in); err == nil {
			t.Errorf("NormalizeBaseURL(%q) = %q, want an error", in, got)
		}
	}
}

func TestValidateAPIVersionAndBackupID(t *testing.T) {
	for _, v := range []string{"v8", "v10"} {
		if err := ValidateAPIVersion(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range []string{"", "8", "V8", "v8.1", "v"} {
		if ValidateAPIVersion(v) == nil {
			t.Errorf("%q: want an error", v)
		}
	}
	if ValidateBackupID("4876876000001593003") != nil || ValidateBackupID("48x") == nil {
		t.Error("backup id validation is wrong")
	}
}
