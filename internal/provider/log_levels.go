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

// TurnOffUnwantedLogs stops the provider from producing log lines that
// Terraform would throw away.
//
// Terraform shows a provider's logs only when TF_LOG or TF_LOG_PROVIDER is set
// ("logging is off for all subsystems by default"). The plugin SDK loggers
// nonetheless default to TRACE: without this, every RPC encodes a dozen
// JSON log lines that Terraform reads from the provider's stderr, decodes
// and discards. Profiling a 500-resource apply showed that to be a third of
// the provider's CPU time and most of its allocations, which is also what
// drove its peak memory.
//
// It changes nothing when any TF_LOG* variable is set: whoever asks for logs
// gets exactly what the SDKs would produce, and an explicit level for one
// subsystem is never overridden. main calls it before serving the provider.
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
