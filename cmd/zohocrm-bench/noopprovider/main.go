// Command noopprovider serves the benchmark's no-op framework provider
// (package noop) as a framework provider is served by default
// (providerserver.Serve), with the SDK's logs turned off exactly as the
// provider's main does, so the comparison is of the resources' work and not
// of log encoding. zohocrm-bench builds it into the same filesystem mirror as
// the provider.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/cmd/zohocrm-bench/internal/noop"
	zohoprovider "github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/provider"
)

func main() {
	zohoprovider.TurnOffUnwantedLogs()
	if err := providerserver.Serve(context.Background(), func() provider.Provider { return noop.New() }, providerserver.ServeOpts{Address: noop.Address}); err != nil {
		log.Fatal(err)
	}
}
