package provider

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// refreshAttributes are the provider arguments for unattended
// authentication: a Self Client's refresh credentials, the data centre and
// the opt-in token cache.
func refreshAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"client_id": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "The client id of a Zoho Self Client, used with `client_secret` and `refresh_token` to get " +
				"access tokens as they are needed. Defaults to the `" + envClientID + "` environment variable. " +
				"Conflicts with `access_token`.",
			Validators: []validator.String{credentialValidator("client_id")},
		},
		"client_secret": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "The client secret of the Self Client. Defaults to the `" + envClientSecret + "` environment " +
				"variable, which keeps it out of your configuration. Never logged or stored in state.",
			Validators: []validator.String{credentialValidator("client_secret")},
		},
		"refresh_token": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "A refresh token of the Self Client, generated with the scope `ZohoCRM.bulk.backup.ALL`. " +
				"Defaults to the `" + envRefreshToken + "` environment variable. Never logged or stored in state.",
			Validators: []validator.String{credentialValidator("refresh_token")},
		},
		"accounts_url": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "The Zoho accounts server that issues access tokens, such as `https://accounts.zoho.eu`. " +
				"Defaults to the `" + envAccountsURL + "` environment variable, then to the accounts server of `data_center`, " +
				"then to `" + zoho.DefaultAccountsURL + "` (US). Like `api_domain` it must use https, except for loopback hosts.",
			Validators: []validator.String{baseURLValidator()},
		},
		"data_center": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "The Zoho data centre of your organization, one of `" + strings.Join(zoho.DataCenterCodes(), "`, `") +
				"`. It sets the defaults of `api_domain` and `accounts_url` (for example `CA` gives `https://www.zohoapis.ca` and " +
				"`https://accounts.zohocloud.ca`); explicit URLs, in the provider block or the environment, win. " +
				"Defaults to the `" + envDataCenter + "` environment variable, then to `US`. UK is not offered: Zoho does not " +
				"document its CRM API domain, so set `api_domain` and `accounts_url` there.",
			Validators: []validator.String{dataCenterValidator()},
		},
		"token_cache_dir": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "An absolute path to a directory where the provider keeps the access token it got from the refresh " +
				"token, so that the next plan or apply reuses it instead of asking Zoho again (Zoho issues at most 10 access tokens " +
				"per refresh token in 10 minutes, and Terraform starts the provider anew for each command). The file is created " +
				"with permissions 0600, named by a hash of the credentials and holds only the access token and its expiry. " +
				"Trade-off: a valid access token rests on disk for up to an hour; use a directory only the CI job can read. " +
				"Defaults to the `" + envTokenCacheDir + "` environment variable; unset, no cache is used.",
			Validators: []validator.String{absolutePathValidator()},
		},
	}
}

func dataCenterValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Zoho data centre",
		description: "value must be one of " + strings.Join(zoho.DataCenterCodes(), ", "),
		check: func(s string) error {
			_, err := zoho.LookupDataCenter(s)
			return err
		},
	}
}

func absolutePathValidator() validator.String {
	return stringCheck{
		summary:     "Invalid token cache directory",
		description: "value must be an absolute directory path",
		check:       checkAbsolutePath,
	}
}

func checkAbsolutePath(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("%q is not an absolute path: Terraform may run the provider from another directory, so use a full path such as \"/var/cache/zohocrm\"", dir)
	}
	return nil
}

// dataCenterDefaults returns the data centre named by code, or US for an
// empty code. Invalid codes were reported before this is called.
func dataCenterDefaults(code string) zoho.DataCenter {
	if dc, err := zoho.LookupDataCenter(code); err == nil {
		return dc
	}
	us, _ := zoho.LookupDataCenter("US")
	return us
}

// credential is one authentication argument with where its value came from.
type credential struct {
	attribute string
	envVar    string
	config    types.String
	value     string
}

func (c credential) set() bool { return c.value != "" }

// origin says where the value was set, for error messages.
func (c credential) origin() string {
	if !c.config.IsNull() && c.config.ValueString() != "" {
		return c.attribute + " (in the provider block)"
	}
	return c.attribute + " (from " + c.envVar + ")"
}

// name says how to set the value, for error messages.
func (c credential) name() string { return c.attribute + " (or " + c.envVar + ")" }

// authentication chooses the one way the provider authenticates: a static
// access token, or a Self Client's refresh credentials. Mixed or partial
// settings are errors that list what to remove or add. No request is made:
// the first API call that needs a token refreshes it.
func authentication(config providerModel, s settings, httpClient *http.Client, agent string, diags *diag.Diagnostics) (zoho.TokenSource, *zoho.RefreshingTokenSource) {
	access := credential{"access_token", envAccessToken, config.AccessToken, s.accessToken}
	refresh := []credential{
		{"client_id", envClientID, config.ClientID, s.clientID},
		{"client_secret", envClientSecret, config.ClientSecret, s.clientSecret},
		{"refresh_token", envRefreshToken, config.RefreshToken, s.refreshToken},
	}
	var given, missing []string
	for _, c := range refresh {
		if c.set() {
			given = append(given, c.origin())
		} else {
			missing = append(missing, c.name())
		}
	}

	switch {
	case access.set() && len(given) > 0:
		diags.AddError("Conflicting Zoho authentication settings",
			fmt.Sprintf("Both an access token and refresh credentials are set: %s, and %s. The provider authenticates in exactly one way. "+
				"Remove the access token to let the provider refresh tokens itself (recommended for CI), or remove the refresh credentials.",
				access.origin(), strings.Join(given, ", ")))
		return nil, nil
	case access.set():
		return zoho.StaticToken(s.accessToken), nil
	case len(given) == 0:
		diags.AddAttributeError(path.Root("access_token"), "Missing Zoho credentials",
			"The provider needs Zoho credentials to call the Zoho CRM API. Either set the access_token argument in the provider block, "+
				"or the "+envAccessToken+" environment variable, to an access token (valid for one hour); or, for unattended runs such as CI, set "+
				"the refresh credentials of a Zoho Self Client: "+envClientID+", "+envClientSecret+" and "+envRefreshToken+
				" (or client_id, client_secret and refresh_token). Environment variables keep secrets out of your configuration.")
		return nil, nil
	case len(missing) > 0:
		diags.AddError("Incomplete Zoho refresh credentials",
			fmt.Sprintf("Refreshing access tokens needs a client id, a client secret and a refresh token together. Set: %s. Missing: %s. "+
				"Set the missing values, or remove the others and use an access token instead.",
				strings.Join(given, ", "), strings.Join(missing, ", ")))
		return nil, nil
	}

	var cache *zoho.TokenCache
	if s.tokenCacheDir != "" {
		var err error
		if cache, err = zoho.NewTokenCache(s.tokenCacheDir); err != nil {
			diags.AddAttributeError(path.Root("token_cache_dir"), "Unusable token cache directory",
				fmt.Sprintf("%s. Create the directory or choose one the provider can write, or unset token_cache_dir and %s to run without a cache.", err, envTokenCacheDir))
			return nil, nil
		}
	}
	creds := zoho.RefreshCredentials{ClientID: s.clientID, ClientSecret: s.clientSecret, RefreshToken: s.refreshToken}
	tokens, err := zoho.NewRefreshingTokenSource(zoho.RefreshConfig{
		AccountsURL: s.accountsURL,
		Credentials: creds,
		HTTPClient:  httpClient,
		UserAgent:   agent,
		Cache:       cache,
		Log:         maskedDebugLog(creds.ClientSecret, creds.RefreshToken),
	})
	if err != nil {
		diags.AddError("Invalid Zoho refresh settings", fmt.Sprintf("%s.", err))
		return nil, nil
	}
	return tokens, tokens
}

// secretFieldKeys are log field names whose values are always masked,
// whatever they hold.
var secretFieldKeys = []string{"access_token", "client_secret", "refresh_token", "authorization", "Authorization"}

// maskedDebugLog logs at DEBUG with the secrets, the values of
// secretFieldKeys and anything shaped like a Zoho token masked, as a second
// line of defence: the token source and the API client never pass them in
// the first place. Empty secrets are skipped (an empty mask string would
// mask between every character).
func maskedDebugLog(secrets ...string) func(ctx context.Context, msg string, fields map[string]any) {
	secrets = slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return s == "" })
	return func(ctx context.Context, msg string, fields map[string]any) {
		ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, secretFieldKeys...)
		if len(secrets) > 0 {
			ctx = tflog.MaskMessageStrings(ctx, secrets...)
			ctx = tflog.MaskAllFieldValuesStrings(ctx, secrets...)
		}
		ctx = tflog.MaskMessageRegexes(ctx, zoho.TokenPattern)
		ctx = tflog.MaskAllFieldValuesRegexes(ctx, zoho.TokenPattern)
		tflog.Debug(ctx, msg, fields)
	}
}

// oneAuthenticationMethod refuses, at plan time, a provider block that sets
// both an access token and refresh credentials. Settings that come from the
// environment are checked in Configure, which can name the variable.
type oneAuthenticationMethod struct{}

var _ provider.ConfigValidator = oneAuthenticationMethod{}

func (oneAuthenticationMethod) Description(context.Context) string {
	return "access_token conflicts with client_id, client_secret and refresh_token"
}

func (v oneAuthenticationMethod) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (oneAuthenticationMethod) ValidateProvider(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || !configured(config.AccessToken) {
		return
	}
	var refresh []string
	for name, value := range map[string]types.String{"client_id": config.ClientID, "client_secret": config.ClientSecret, "refresh_token": config.RefreshToken} {
		if configured(value) {
			refresh = append(refresh, name)
		}
	}
	if len(refresh) == 0 {
		return
	}
	slices.Sort(refresh)
	// Not an attribute error: Terraform would quote the access_token line of
	// the configuration, and with it a token written there literally.
	resp.Diagnostics.AddError("Conflicting Zoho authentication settings",
		fmt.Sprintf("The provider block sets access_token and also %s. The provider authenticates in exactly one way: "+
			"remove access_token to let the provider refresh tokens itself (recommended for CI), or remove %s.",
			strings.Join(refresh, ", "), strings.Join(refresh, ", ")))
}

// configured reports whether the provider block sets value, possibly to a
// value known only at apply.
func configured(value types.String) bool {
	return value.IsUnknown() || (!value.IsNull() && value.ValueString() != "")
}
