package provider

import (
	"context"
	"runtime"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6Server returns the factory of the protocol 6 server that
// main.go serves and the acceptance tests run: the framework's server for
// this provider, with the request contexts of per-resource RPCs released
// when each RPC ends (see requestContextReleaser).
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return protocol6Server(New(version)())
	}
}

// protocol6Server is the one place a server of this provider is made, so
// that main.go and every test serve it the same way.
//
// terraform-plugin-go finds optional RPCs (actions, list resources, state
// stores) by asserting the served value to tfprotov6.ProviderServerWith*
// interfaces, so the wrapper must expose every one the framework's server
// implements. Should a framework release drop one of them, the framework's
// server is served as it is: the memory fix is lost, nothing is hidden.
// TestServedServerHidesNoOptionalInterface catches an interface added by a
// new terraform-plugin-go that frameworkServer does not name yet.
func protocol6Server(p provider.Provider) tfprotov6.ProviderServer {
	server := providerserver.NewProtocol6(p)()
	full, ok := server.(frameworkServer)
	if !ok {
		return server
	}
	return requestContextReleaser{frameworkServer: full}
}

// frameworkServer is every optional server interface terraform-plugin-go
// (v0.31.0) declares, all of which the framework's server implements. They
// are deprecated because their methods will move into ProviderServer, but
// until then tf6server serves those RPCs only to a value that has them.
type frameworkServer interface {
	tfprotov6.ProviderServerWithActions      //nolint:staticcheck // still what tf6server asserts
	tfprotov6.ProviderServerWithListResource //nolint:staticcheck // still what tf6server asserts
	tfprotov6.ProviderServerWithStateStores  //nolint:staticcheck // still what tf6server asserts
}

// requestContextReleaser hands the framework, for each per-resource RPC, a
// context that reaches the request's context only through a weak pointer
// (weakContext), so that the cancel function the framework (v1.19.0) keeps
// until the process ends no longer pins the request's context once the RPC
// returns. Cancellation by StopProvider works as before.
// TestFrameworkStillRetainsRequestContexts fails once the framework stops
// retaining contexts: then remove this type. docs/design/provider.md says why.
type requestContextReleaser struct {
	frameworkServer
}

func (s requestContextReleaser) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s requestContextReleaser) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s requestContextReleaser) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.ReadResource)
}

func (s requestContextReleaser) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s requestContextReleaser) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s requestContextReleaser) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s requestContextReleaser) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s requestContextReleaser) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return withReleasableContext(ctx, req, s.frameworkServer.ReadDataSource)
}

// withReleasableContext runs one RPC with a weakContext of ctx, keeping ctx
// alive until the RPC has returned.
func withReleasableContext[Req, Resp any](ctx context.Context, req Req, rpc func(context.Context, Req) (Resp, error)) (Resp, error) {
	weakCtx, keepAlive := newWeakContext(ctx)
	resp, err := rpc(weakCtx, req)
	runtime.KeepAlive(keepAlive)
	return resp, err
}

// contextBox gives a context an address for weak.Make.
type contextBox struct{ context.Context }

// weakContext forwards to a context it does not keep alive. Done and
// Deadline are copied when it is made (a done channel does not pin the
// context that closes it); Err and Value forward while the context is
// alive. After the context is gone, which happens only once its RPC has
// returned and it has been cancelled, Err reports context.Canceled and Value
// finds nothing.
type weakContext struct {
	ref         weak.Pointer[contextBox]
	done        <-chan struct{}
	deadline    time.Time
	hasDeadline bool
}

// newWeakContext returns the weak context and the box the caller must keep
// alive (runtime.KeepAlive) for as long as ctx is in use.
func newWeakContext(ctx context.Context) (context.Context, *contextBox) {
	box := &contextBox{Context: ctx}
	deadline, hasDeadline := ctx.Deadline()
	return &weakContext{ref: weak.Make(box), done: ctx.Done(), deadline: deadline, hasDeadline: hasDeadline}, box
}

func (c *weakContext) Deadline() (time.Time, bool) { return c.deadline, c.hasDeadline }

func (c *weakContext) Done() <-chan struct{} { return c.done }

func (c *weakContext) Err() error {
	if box := c.ref.Value(); box != nil {
		return box.Err()
	}
	return context.Canceled
}

func (c *weakContext) Value(key any) any {
	if box := c.ref.Value(); box != nil {
		return box.Value(key)
	}
	return nil
}
