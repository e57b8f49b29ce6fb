package provider

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type probeKey struct{}

// probe is a context value whose collection the tests observe.
type probe struct{ _ [4096]byte }

// validateWithProbe makes one ValidateResourceConfig RPC through server with
// a cancelled request context carrying a probe, as gRPC leaves it after the
// RPC, and returns a channel closed once the garbage collector has freed
// that context.
func validateWithProbe(t *testing.T, server tfprotov6.ProviderServer) <-chan struct{} {
	t.Helper()
	freed := make(chan struct{})
	func() {
		p := &probe{}
		runtime.AddCleanup(p, func(ch chan struct{}) { close(ch) }, freed)
		ctx, cancel := context.WithCancel(context.WithValue(t.Context(), probeKey{}, p))
		defer cancel()
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "zohocrm_backup_cancellation"})
		if err != nil || resp == nil {
			t.Fatalf("ValidateResourceConfig: %v, %v", resp, err)
		}
	}()
	return freed
}

// collected reports whether freed closes while the garbage collector runs.
func collected(freed <-chan struct{}) bool {
	for range 20 {
		runtime.GC()
		select {
		case <-freed:
			return true
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

func TestRequestContextsAreReleasedAfterEachRPC(t *testing.T) {
	server := NewProtocol6Server("test")()
	freed := validateWithProbe(t, server)
	if !collected(freed) {
		t.Fatal("the request context of a finished RPC is still reachable: the provider's memory would grow with every resource")
	}
	runtime.KeepAlive(server)
}

// TestFrameworkStillRetainsRequestContexts is the control for the test
// above, and the reason requestContextReleaser exists: served as the
// framework serves it, the provider keeps every request context. When this
// test fails, the framework has fixed that, and requestContextReleaser can go.
func TestFrameworkStillRetainsRequestContexts(t *testing.T) {
	server := providerserver.NewProtocol6(New("test")())()
	freed := validateWithProbe(t, server)
	if collected(freed) {
		t.Fatal("terraform-plugin-framework no longer retains request contexts: remove requestContextReleaser (internal/provider/serve.go)")
	}
	runtime.KeepAlive(server)
}

func TestWeakContextForwardsWhileAlive(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(t.Context(), probeKey{}, "value"), deadline)
	weakCtx, keepAlive := newWeakContext(parent)

	if got := weakCtx.Value(probeKey{}); got != "value" {
		t.Errorf("Value = %v, want the parent's value", got)
	}
	if got, ok := weakCtx.Deadline(); !ok || !got.Equal(deadline) {
		t.Errorf("Deadline = %v, %v, want %v", got, ok, deadline)
	}
	if weakCtx.Err() != nil {
		t.Errorf("Err = %v before cancellation", weakCtx.Err())
	}

	// A context derived from it, as the framework derives one per RPC, is
	// cancelled with the parent.
	child, cancelChild := context.WithCancel(weakCtx)
	defer cancelChild()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the request context did not cancel the framework's context")
	}
	if !errors.Is(weakCtx.Err(), context.Canceled) || !errors.Is(child.Err(), context.Canceled) {
		t.Errorf("Err = %v and %v, want context.Canceled", weakCtx.Err(), child.Err())
	}
	runtime.KeepAlive(keepAlive)
}

func TestWeakContextCancelledByTheFramework(t *testing.T) {
	// StopProvider cancels the framework's contexts of in-flight RPCs; that
	// must keep working through the weak context.
	weakCtx, keepAlive := newWeakContext(t.Context())
	child, cancelChild := context.WithCancel(weakCtx)
	cancelChild()
	if !errors.Is(child.Err(), context.Canceled) {
		t.Fatalf("child Err = %v", child.Err())
	}
	if weakCtx.Err() != nil {
		t.Fatalf("cancelling the framework's context cancelled the request context: %v", weakCtx.Err())
	}
	runtime.KeepAlive(keepAlive)
}
