package provider

import (
	"context"
	"time"

	datasourcetimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	resourcetimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	resourceschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// Default bounds of a whole operation, retries included, when the
// configuration's timeouts attribute does not set one.
const (
	defaultReadTimeout  = 5 * time.Minute
	defaultWriteTimeout = 10 * time.Minute
)

// durationDescription completes each timeouts field's description.
const durationDescription = "A duration such as `30s`, `5m` or `1h` (units `s`, `m`, `h`)"

// timeoutsDescription describes the timeouts attribute itself.
const timeoutsDescription = "How long each operation may take, all requests to Zoho included, before it is abandoned with an error."

// dataSourceTimeoutsAttribute is the timeouts attribute every data source has.
func dataSourceTimeoutsAttribute(ctx context.Context) schema.Attribute {
	attribute := datasourcetimeouts.AttributesWithOpts(ctx, datasourcetimeouts.Opts{
		ReadDescription: durationDescription + " bounding the whole read, all requests to Zoho included. Defaults to `5m`.",
	})
	if nested, ok := attribute.(schema.SingleNestedAttribute); ok {
		nested.MarkdownDescription = timeoutsDescription
		return nested
	}
	return attribute
}

// resourceTimeoutsAttribute is the timeouts attribute of a resource, with
// the operations opts enables.
func resourceTimeoutsAttribute(ctx context.Context, opts resourcetimeouts.Opts) resourceschema.Attribute {
	attribute := resourcetimeouts.Attributes(ctx, opts)
	if nested, ok := attribute.(resourceschema.SingleNestedAttribute); ok {
		nested.MarkdownDescription = timeoutsDescription
		return nested
	}
	return attribute
}

// withTimeout bounds ctx by the duration a timeouts attribute sets for this
// operation (timeout is a method such as data.Timeouts.Read, attribute its
// name such as "timeouts.read"), or by def. The bound covers the whole
// operation: every attempt and every wait between attempts. ok is false when
// the attribute holds a bad duration; diags then says why.
func withTimeout(ctx context.Context, attribute string, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	duration, d := timeout(ctx, def)
	diags.Append(d...)
	if d.HasError() {
		return ctx, func() {}, false
	}
	ctx = context.WithValue(ctx, operationLimitKey{}, operationLimit{attribute: attribute, timeout: duration})
	ctx, cancel := context.WithTimeout(ctx, duration)
	return ctx, cancel, true
}

// operationLimit is the time limit an operation runs under, remembered in
// its context by withTimeout so that a diagnostic can name the limit that
// was hit and how to raise it.
type operationLimit struct {
	attribute string // e.g. "timeouts.create"
	timeout   time.Duration
}

type operationLimitKey struct{}

// limitOf returns the limit withTimeout put in ctx.
func limitOf(ctx context.Context) (operationLimit, bool) {
	limit, ok := ctx.Value(operationLimitKey{}).(operationLimit)
	return limit, ok
}
