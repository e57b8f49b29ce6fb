package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// secretFieldKeys are log field names whose values are always masked,
// whatever they hold.
var secretFieldKeys = []string{"access_token", "client_secret", "refresh_token", "authorization", "Authorization"}

// maskSecrets returns ctx with terraform-plugin-log masking for every log
// line written with it: the values of secretFieldKeys, each given secret
// wherever it appears (message or any field) and anything shaped like a Zoho
// token. Masking is per context, so every path that logs must pass through
// here: the client's log hook (clientLogger) and Configure do.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, secretFieldKeys...)
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) > 0 {
		ctx = tflog.MaskMessageStrings(ctx, nonEmpty...)
		ctx = tflog.MaskAllFieldValuesStrings(ctx, nonEmpty...)
	}
	ctx = tflog.MaskMessageRegexes(ctx, zoho.TokenPattern())
	ctx = tflog.MaskAllFieldValuesRegexes(ctx, zoho.TokenPattern())
	return ctx
}

// clientLogger is the zoho.Config.Logf hook: the client's lines (each retry
// and its reason) go to Terraform's log at DEBUG, masked.
func clientLogger(secrets []string) func(context.Context, string, map[string]any) {
	return func(ctx context.Context, msg string, fields map[string]any) {
		tflog.Debug(maskSecrets(ctx, secrets...), msg, fields)
	}
}
