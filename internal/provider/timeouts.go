package provider

import (
	"context"
	"time"

	datasourcetimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Default bounds of a whole operation, retries included, when the
// configuration's timeouts attribute does not set one.
const (
	defaultReadTimeout  = 5 * time.Minute
	defaultWriteTimeout = 10 * time.Minute
)

// durationDescription completes each timeouts field's description.
const durationDescription = "A duration such as `30s`, `5m` or `1h` (units `s`, `m`, `h`)"

// dataSourceTimeoutsAttribute is the timeouts attribute every data source has.
func dataSourceTimeoutsAttribute(ctx context.Context) schema.Attribute {
	return datasourcetimeouts.AttributesWithOpts(ctx, datasourcetimeouts.Opts{
		ReadDescription: durationDescription + " bounding the whole read, all requests to Zoho included. Defaults to `5m`.",
	})
}

// withTimeout bounds ctx by the duration a timeouts attribute sets for this
// operation (timeout is a method such as data.Timeouts.Read), or by def. ok
// is false when the attribute holds a bad duration; diags then says why.
func withTimeout(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	duration, d := timeout(ctx, def)
	diags.Append(d...)
	if d.HasError() {
		return ctx, func() {}, false
	}
	ctx, cancel := context.WithTimeout(ctx, duration)
	return ctx, cancel, true
}
