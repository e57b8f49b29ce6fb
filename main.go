package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/provider"
)

// version and commit are set by goreleaser at release time
// (-X main.version=... -X main.commit=...).
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve (prints TF_REATTACH_PROVIDERS)")
	flag.BoolVar(&showVersion, "version", false, "print the provider's version and the commit it was built from, and exit")
	flag.Parse()
	if showVersion {
		fmt.Printf("terraform-provider-zohocrm %s (commit %s)\n", version, commit)
		return
	}

	provider.TurnOffUnwantedLogs()
	// What providerserver.Serve does for protocol 6, with the provider's own
	// server factory (see provider.NewProtocol6Server).
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if err := tf6server.Serve(provider.Address, provider.NewProtocol6Server(version), opts...); err != nil {
		log.Fatal(err.Error())
	}
}
