// Package provider holds the Terraform glue of the Zoho CRM provider: the
// provider schema and configuration, its resources and data sources. Every
// call to Zoho goes through the client in internal/zoho.
package provider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// Address is the provider's Registry address.
const Address = "registry.terraform.io/zohocrm-terraform/zohocrm"

// Environment variables read when an argument is not set in the configuration.
const (
	envAPIDomain   = "ZOHOCRM_API_DOMAIN"
	envAccessToken = "ZOHOCRM_ACCESS_TOKEN"
	envAPIVersion  = "ZOHOCRM_API_VERSION"

	envClientID      = "ZOHOCRM_CLIENT_ID"
	envClientSecret  = "ZOHOCRM_CLIENT_SECRET"
	envRefreshToken  = "ZOHOCRM_REFRESH_TOKEN"
	envAccountsURL   = "ZOHOCRM_ACCOUNTS_URL"
	envDataCenter    = "ZOHOCRM_DATA_CENTER"
	envTokenCacheDir = "ZOHOCRM_TOKEN_CACHE_DIR"

	envMaxRetries     = "ZOHOCRM_MAX_RETRIES"
	envRequestTimeout = "ZOHOCRM_REQUEST_TIMEOUT"
)

var (
	_ provider.Provider                       = (*zohocrmProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*zohocrmProvider)(nil)
	_ provider.ProviderWithConfigValidators   = (*zohocrmProvider)(nil)
	_ provider.ProviderWithActions            = (*zohocrmProvider)(nil)
)

type zohocrmProvider struct {
	// version is the provider's release version, "dev" for local builds and
	// "test" in acceptance tests; it goes into the User-Agent.
	version string
	// backoff overrides the client's backoff durations (not max_retries);
	// zero values keep the defaults. Only tests set it, to retry quickly.
	backoff zoho.RetryPolicy
	// statusPollInterval, when set, replaces the poll_interval of the
	// zohocrm_backup_start action, whose configuration may not go under
	// 5 seconds. Only tests set it, so that they do not wait real minutes.
	statusPollInterval time.Duration
}

// New returns the provider factory that main.go serves.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &zohocrmProvider{version: version}
	}
}

type providerModel struct {
	APIDomain   types.String `tfsdk:"api_domain"`
	AccessToken types.String `tfsdk:"access_token"`
	APIVersion  types.String `tfsdk:"api_version"`

	ClientID      types.String `tfsdk:"client_id"`
	ClientSecret  types.String `tfsdk:"client_secret"`
	RefreshToken  types.String `tfsdk:"refresh_token"`
	AccountsURL   types.String `tfsdk:"accounts_url"`
	DataCenter    types.String `tfsdk:"data_center"`
	TokenCacheDir types.String `tfsdk:"token_cache_dir"`

	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
}

func (p *zohocrmProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "zohocrm"
	resp.Version = p.version
}

func (p *zohocrmProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Zoho CRM provider manages the data backups of a Zoho CRM organization " +
			"through Zoho's [bulk backup API](https://www.zoho.com/crm/developer/docs/api/v8/cancel-backup.html).",
		Attributes: map[string]schema.Attribute{
			"api_domain": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The API domain of your Zoho data centre, such as `https://www.zohoapis.eu`. " +
					"Defaults to the `" + envAPIDomain + "` environment variable, then to the API domain of `data_center`, then to `" + zoho.DefaultAPIDomain + "` (US). " +
					"It must use https; plain http is accepted only for loopback hosts (`127.0.0.1`, `::1`, `localhost`), " +
					"so that an access token never crosses a network in clear text. Trailing slashes are ignored.",
				Validators: []validator.String{baseURLValidator()},
			},
			"access_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "A Zoho OAuth access token with the scope `ZohoCRM.bulk.backup.ALL` " +
					"(or `ZohoCRM.bulk.backup.UPDATE` to cancel backups only), sent as `Authorization: Zoho-oauthtoken <token>`. " +
					"Defaults to the `" + envAccessToken + "` environment variable, which keeps the token out of your configuration. " +
					"Access tokens expire after one hour; for unattended runs set the refresh credentials " +
					"(`client_id`, `client_secret`, `refresh_token`) instead. Conflicts with them.",
			},
			"api_version": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The version of the Zoho CRM API to call, `v` followed by digits. " +
					"Defaults to the `" + envAPIVersion + "` environment variable, then to `" + zoho.DefaultAPIVersion + "`.",
				Validators: []validator.String{apiVersionValidator()},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times a request that failed for a transient reason is sent again: "+
					"HTTP 429 (Zoho's rate and concurrency limits), HTTP 5xx except 501, and network failures "+
					"(connection refused or reset, timeouts, dropped connections). Waits between attempts grow "+
					"exponentially from 1 second up to 30 seconds, with jitter, or follow a `Retry-After` header "+
					"(capped at 60 seconds). Zoho's 4xx answers are never retried. `0` disables retries. "+
					"Defaults to the `"+envMaxRetries+"` environment variable, then to `%d`; at most `%d`. "+
					"The resource's `timeouts` bound the whole operation, retries included.", zoho.DefaultMaxRetries, maxMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long one attempt of a request may take, from sending it to reading the whole answer, " +
					"as a duration such as `30s` or `2m`. An attempt that takes longer is abandoned and retried " +
					"(see `max_retries`). Defaults to the `" + envRequestTimeout + "` environment variable, then to `" +
					zoho.DefaultRequestTimeout.String() + "`; between `1s` and `10m`.",
				Validators: []validator.String{requestTimeoutValidator()},
			},
		},
	}
	maps.Copy(resp.Schema.Attributes, refreshAttributes())
}

func (p *zohocrmProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A value that comes from another resource is unknown until apply. Failing
	// here would break every plan of such a configuration, although planning
	// a cancellation needs no API call. When Terraform can defer, say so;
	// otherwise leave the resources without a client: they report it only if
	// they must call Zoho before the value is known.
	if unknown := unknownAttributes(config); len(unknown) > 0 {
		tflog.Debug(ctx, "Provider configuration has unknown values; no client configured yet", map[string]any{"attributes": unknown})
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
		}
		return
	}

	// Values from the configuration were validated at plan time; values from
	// the environment are checked here, naming the variable to fix.
	if err := validateEnvSettings(config); err != nil {
		resp.Diagnostics.AddError("Invalid provider setting in the environment", err.Error())
		return
	}
	settings := resolveSettings(config)
	httpClient := zoho.NewHTTPClient()
	agent := userAgent(p.version, req.TerraformVersion)
	tokens, refreshing := authentication(config, settings, httpClient, agent, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	retry := p.backoff
	retry.MaxRetries = settings.maxRetries
	client, err := zoho.NewClient(zoho.Config{
		APIDomain:      settings.apiDomain,
		APIVersion:     settings.apiVersion,
		Tokens:         tokens,
		HTTPClient:     httpClient,
		UserAgent:      agent,
		Retry:          &retry,
		RequestTimeout: settings.requestTimeout,
		Logf:           maskedDebugLog(settings.secrets()...),
	})
	if err != nil {
		resp.Diagnostics.AddError("Invalid provider configuration", fmt.Sprintf("The Zoho CRM client could not be created: %s.", err))
		return
	}
	tflog.Debug(ctx, "Configured the Zoho CRM client", map[string]any{
		"api_domain": settings.apiDomain, "api_version": settings.apiVersion, "refresh_token_auth": refreshing != nil,
		"max_retries": settings.maxRetries, "request_timeout": settings.requestTimeout.String(),
	})

	data := &providerData{client: client, tokens: refreshing, apiDomain: settings.apiDomain, statusPollInterval: p.statusPollInterval}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
}

func (p *zohocrmProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewBackupCancellationResource,
		NewBackupScheduleResource,
	}
}

func (p *zohocrmProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewBackupDataSource,
		NewBackupURLsDataSource,
		NewBackupHistoryDataSource,
	}
}

func (p *zohocrmProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAccessTokenEphemeralResource,
	}
}

// Actions are served to Terraform 1.14 and later; other CLIs never ask.
func (p *zohocrmProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewBackupCancelAction,
		NewBackupStartAction,
	}
}

func (p *zohocrmProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{oneAuthenticationMethod{}}
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client *zoho.Client
	// tokens is set when the provider authenticates with refresh
	// credentials; the zohocrm_access_token ephemeral resource reads it.
	tokens    *zoho.RefreshingTokenSource
	apiDomain string
	// statusPollInterval is zohocrmProvider.statusPollInterval.
	statusPollInterval time.Duration
}

// settings are the provider arguments after HCL, environment and defaults.
type settings struct {
	apiDomain   string
	accessToken string
	apiVersion  string

	clientID      string
	clientSecret  string
	refreshToken  string
	accountsURL   string
	tokenCacheDir string

	maxRetries     int
	requestTimeout time.Duration
}

// secrets are the values no log line may show.
func (s settings) secrets() []string {
	return []string{s.accessToken, s.clientSecret, s.refreshToken}
}

// resolveSettings applies the precedence HCL, then environment, then default.
// The data centre only supplies defaults: explicit URLs win. Values were
// validated before (plan-time validators, validateEnvSettings), so parse
// errors cannot happen here; they would fall back to the default.
func resolveSettings(config providerModel) settings {
	dc := dataCenterDefaults(stringSetting(config.DataCenter, envDataCenter, ""))
	return settings{
		apiDomain:   stringSetting(config.APIDomain, envAPIDomain, dc.APIDomain),
		accessToken: stringSetting(config.AccessToken, envAccessToken, ""),
		apiVersion:  stringSetting(config.APIVersion, envAPIVersion, zoho.DefaultAPIVersion),

		clientID:      stringSetting(config.ClientID, envClientID, ""),
		clientSecret:  stringSetting(config.ClientSecret, envClientSecret, ""),
		refreshToken:  stringSetting(config.RefreshToken, envRefreshToken, ""),
		accountsURL:   stringSetting(config.AccountsURL, envAccountsURL, dc.AccountsURL),
		tokenCacheDir: stringSetting(config.TokenCacheDir, envTokenCacheDir, ""),

		maxRetries:     maxRetriesSetting(config.MaxRetries),
		requestTimeout: requestTimeoutSetting(config.RequestTimeout),
	}
}

func stringSetting(value types.String, envVar, fallback string) string {
	if !value.IsNull() && value.ValueString() != "" {
		return value.ValueString()
	}
	if v := os.Getenv(envVar); v != "" {
		return v
	}
	return fallback
}

// validateEnvSettings checks the settings that come from environment
// variables, so that the error names the variable rather than an attribute
// the user never wrote.
func validateEnvSettings(config providerModel) error {
	if config.APIDomain.IsNull() {
		if v := os.Getenv(envAPIDomain); v != "" {
			if _, err := zoho.NormalizeBaseURL(v); err != nil {
				return fmt.Errorf("%s: %w", envAPIDomain, err)
			}
		}
	}
	if config.APIVersion.IsNull() {
		if v := os.Getenv(envAPIVersion); v != "" {
			if err := zoho.ValidateAPIVersion(v); err != nil {
				return fmt.Errorf("%s: %w", envAPIVersion, err)
			}
		}
	}
	if config.MaxRetries.IsNull() {
		if v := os.Getenv(envMaxRetries); v != "" {
			if _, err := parseMaxRetries(v); err != nil {
				return fmt.Errorf("%s: %w", envMaxRetries, err)
			}
		}
	}
	if config.RequestTimeout.IsNull() {
		if v := os.Getenv(envRequestTimeout); v != "" {
			if _, err := parseRequestTimeout(v); err != nil {
				return fmt.Errorf("%s: %w", envRequestTimeout, err)
			}
		}
	}
	return validateEnvRefreshSettings(config)
}

func unknownAttributes(config providerModel) []string {
	var unknown []string
	for name, value := range map[string]types.String{
		"api_domain":   config.APIDomain,
		"access_token": config.AccessToken,
		"api_version":  config.APIVersion,

		"client_id":       config.ClientID,
		"client_secret":   config.ClientSecret,
		"refresh_token":   config.RefreshToken,
		"accounts_url":    config.AccountsURL,
		"data_center":     config.DataCenter,
		"token_cache_dir": config.TokenCacheDir,
	} {
		if value.IsUnknown() {
			unknown = append(unknown, name)
		}
	}
	if config.MaxRetries.IsUnknown() {
		unknown = append(unknown, "max_retries")
	}
	if config.RequestTimeout.IsUnknown() {
		unknown = append(unknown, "request_timeout")
	}
	return unknown
}

// userAgent names the provider and Terraform, as HashiCorp's providers do, so
// Zoho's logs (and an admin reading them) can tell where calls come from.
func userAgent(providerVersion, terraformVersion string) string {
	ua := "terraform-provider-zohocrm/" + providerVersion
	if terraformVersion != "" {
		ua = "Terraform/" + terraformVersion + " " + ua
	}
	return ua
}
