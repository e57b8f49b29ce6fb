package provider

import (
	"os"
	"strings"
)

// providerLogLevelVariables are the variables terraform-plugin-go and
// terraform-plugin-framework read, on every RPC, for the level of the
// provider's own logger and of the SDK loggers (root, protocol, framework).
// Unset, each defaults to TRACE.
var providerLogLevelVariables = []string{
	"TF_LOG_PROVIDER_ZOHOCRM",
	"TF_LOG_SDK",
	"TF_LOG_SDK_PROTO",
	"TF_LOG_SDK_FRAMEWORK",
}

// TurnOffUnwantedLogs sets the plugin SDKs' log levels to off unless a
// TF_LOG* variable is set, so that no RPC encodes log lines Terraform would
// discard. An explicit level is never overridden. main calls it before
// serving the provider; docs/design/provider.md says why.
func TurnOffUnwantedLogs() {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") && value != "" {
			return
		}
	}
	for _, name := range providerLogLevelVariables {
		_ = os.Setenv(name, "OFF")
	}
}
