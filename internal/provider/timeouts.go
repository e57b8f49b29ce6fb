package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// defaultCreateTimeout bounds a create, retries included, when the
// configuration sets no timeouts.create.
const defaultCreateTimeout = 10 * time.Minute

// operationLimit is the time limit an operation runs under, remembered in
// its context so that a diagnostic can name the limit that was hit.
type operationLimit struct {
	attribute string // e.g. "timeouts.create"
	timeout   time.Duration
}

type operationLimitKey struct{}

// withOperationTimeout bounds ctx by timeout, set by attribute (such as
// "timeouts.create"), for the whole operation: every attempt and every wait
// between attempts.
func withOperationTimeout(ctx context.Context, attribute string, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx = context.WithValue(ctx, operationLimitKey{}, operationLimit{attribute: attribute, timeout: timeout})
	return context.WithTimeout(ctx, timeout)
}

// limitOf returns the limit withOperationTimeout put in ctx.
func limitOf(ctx context.Context) (operationLimit, bool) {
	limit, ok := ctx.Value(operationLimitKey{}).(operationLimit)
	return limit, ok
}

// timeoutsAttribute is the resource's `timeouts` nested attribute
// (terraform-plugin-framework-timeouts) with a description for the docs.
func timeoutsAttribute(ctx context.Context, opts timeouts.Opts, description string) schema.Attribute {
	attr := timeouts.Attributes(ctx, opts)
	if nested, ok := attr.(schema.SingleNestedAttribute); ok {
		nested.MarkdownDescription = description
		return nested
	}
	return attr
}
