package provider

import (
	"os"
	"testing"
)

// clearLogEnv unsets every TF_LOG* variable for the test and restores them after.
func clearLogEnv(t *testing.T) {
	t.Helper()
	for _, name := range append([]string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_CORE", "TF_LOG_PATH"}, providerLogLevelVariables...) {
		t.Setenv(name, "") // Registers the restore.
		if err := os.Unsetenv(name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTurnOffUnwantedLogsWhenTerraformDiscardsThem(t *testing.T) {
	clearLogEnv(t)
	TurnOffUnwantedLogs()
	for _, name := range providerLogLevelVariables {
		if got := os.Getenv(name); got != "OFF" {
			t.Errorf("%s = %q, want OFF: nobody asked for provider logs", name, got)
		}
	}
}

func TestTurnOffUnwantedLogsLeavesRequestedLogsAlone(t *testing.T) {
	for _, asked := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK_PROTO", "TF_LOG_PROVIDER_ZOHOCRM"} {
		t.Run(asked, func(t *testing.T) {
			clearLogEnv(t)
			t.Setenv(asked, "DEBUG")
			TurnOffUnwantedLogs()
			for _, name := range providerLogLevelVariables {
				want := ""
				if name == asked {
					want = "DEBUG"
				}
				if got := os.Getenv(name); got != want {
					t.Errorf("with %s=DEBUG, %s = %q, want %q", asked, name, got, want)
				}
			}
		})
	}
}
