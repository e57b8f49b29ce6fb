package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/ephemeral/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ ephemeral.EphemeralResource              = (*accessTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*accessTokenEphemeralResource)(nil)
)

// defaultOpenTimeout bounds getting a token, including the refresh.
const defaultOpenTimeout = 5 * time.Minute

// accessTokenEphemeralResource hands out the provider's access token, so
// that other providers or scripts can call Zoho with the same credentials.
// Ephemeral values never reach the plan or the state.
type accessTokenEphemeralResource struct {
	data *providerData
}

// NewAccessTokenEphemeralResource is the factory the provider registers.
func NewAccessTokenEphemeralResource() ephemeral.EphemeralResource {
	return &accessTokenEphemeralResource{}
}

type accessTokenModel struct {
	AccessToken types.String   `tfsdk:"access_token"`
	APIDomain   types.String   `tfsdk:"api_domain"`
	ExpiresAt   types.String   `tfsdk:"expires_at"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *accessTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_token"
}

func (r *accessTokenEphemeralResource) Schema(ctx context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Zoho OAuth access token from the provider's refresh credentials (`client_id`, `client_secret`, " +
			"`refresh_token`), for other providers or scripts that call Zoho. Requires Terraform 1.10 or later. " +
			"The token is ephemeral: Terraform never stores it in the plan or the state. " +
			"The provider hands out the token it already holds while it stays valid for at least five more minutes " +
			"(or one from its token cache), and refreshes it otherwise, so using this resource costs at most one of the 10 " +
			"tokens Zoho issues per refresh token in 10 minutes. A provider configured with `access_token` cannot use it.",
		Attributes: map[string]schema.Attribute{
			"access_token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The access token, to send as `Authorization: Zoho-oauthtoken <token>`.",
			},
			"api_domain": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The API domain to call with the token: the `api_domain` Zoho returned with it, or the provider's " +
					"`api_domain` when the token came from the token cache.",
			},
			"expires_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the token expires, as an RFC 3339 timestamp (UTC). Zoho access tokens live one hour.",
			},
			"timeouts": timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				OpenDescription: "How long opening may take, including the token refresh, as a duration such as `30s` or `2m` " +
					"(units `s`, `m`, `h`). Defaults to `5m`.",
			}),
		},
	}
}

func (r *accessTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *accessTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var config accessTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// withTimeout also records the limit, so that a refresh cut short
	// names timeouts.open and how to raise it.
	ctx, cancel, ok := withTimeout(ctx, "timeouts.open", config.Timeouts.Open, defaultOpenTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	if r.data == nil {
		requireClient(nil, &resp.Diagnostics)
		return
	}
	if r.data.tokens == nil {
		resp.Diagnostics.AddError("zohocrm_access_token needs refresh credentials",
			"The provider is configured with a static access token, which it cannot refresh, so it has no token to hand out. "+
				"Configure the provider with client_id, client_secret and refresh_token (or "+envClientID+", "+envClientSecret+
				" and "+envRefreshToken+") instead of access_token.")
		return
	}
	token, err := r.data.tokens.AccessToken(ctx)
	if err != nil {
		addZohoError(ctx, &resp.Diagnostics, "Failed to get a Zoho access token", err)
		return
	}
	apiDomain := token.APIDomain
	if apiDomain == "" {
		apiDomain = r.data.apiDomain
	}
	config.AccessToken = types.StringValue(token.Value)
	config.APIDomain = types.StringValue(apiDomain)
	config.ExpiresAt = types.StringValue(token.Expiry.UTC().Format(time.RFC3339))
	tflog.Debug(ctx, "Opened zohocrm_access_token", map[string]any{"api_domain": apiDomain, "expires_at": config.ExpiresAt.ValueString()})
	resp.Diagnostics.Append(resp.Result.Set(ctx, &config)...)
}
