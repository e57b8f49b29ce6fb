// Package provider holds the Terraform glue of the Zoho CRM provider: the
// provider schema and configuration, its resources and data sources. Every
// call to Zoho goes through the client in internal/zoho.
package provider

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
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

	envMaxRetries            = "ZOHOCRM_MAX_RETRIES"
	envRequestTimeout        = "ZOHOCRM_REQUEST_TIMEOUT"
	envMaxConcurrentRequests = "ZOHOCRM_MAX_CONCURRENT_REQUESTS"
)

var (
	_ provider.Provider                       = (*zohocrmProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*zohocrmProvider)(nil)
	_ provider.ProviderWithConfigValidators   = (*zohocrmProvider)(nil)
	_ provider.ProviderWithActions            = (*zohocrmProvider)(nil)
	_ provider.ProviderWithListResources      = (*zohocrmProvider)(nil)
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
	// dialContext, when set, opens every connection of the provider's HTTP
	// client. Only tests set it, to resolve a foreign host name in a
	// download link to a local server that must receive nothing.
	dialContext func(ctx context.Context, network, addr string) (net.Conn, error)
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

	MaxRetries            types.Int64  `tfsdk:"max_retries"`
	RequestTimeout        types.String `tfsdk:"request_timeout"`
	MaxConcurrentRequests types.Int64  `tfsdk:"max_concurrent_requests"`
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
					"(`client_id`, `client_secret`, `refresh_token`) instead. Conflicts with them. " +
					"An explicit empty string is an error rather than a silent fall back to the environment variable: " +
					"leave the argument out (or set it to `null`) to use the variable. A token read from a file must be " +
					"trimmed of its line break, as with `trimspace(file(\"token.txt\"))`; values read from environment " +
					"variables are trimmed of surrounding whitespace.",
				Validators: []validator.String{credentialValidator("access_token")},
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
			"max_concurrent_requests": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("The most Zoho API calls the provider sends at once, whatever Terraform's "+
					"`-parallelism`: operations beyond it wait for a free slot (a wait between retries holds none). Zoho "+
					"limits the calls an organization runs at once, per app, to 5 on the Free edition and 10, 15, 20 and 25 on "+
					"Standard, Professional, Enterprise and Ultimate, and answers any call beyond it with HTTP 429. The limit "+
					"adapts: each 429 halves it, because other tools of the organization share Zoho's limit, and it grows "+
					"back by one slot per limit's worth of answers, up to this value. Defaults to the `"+envMaxConcurrentRequests+
					"` environment variable, then to `%d` (the Free edition's limit, safe on every edition); from `1` to `%d`. "+
					"Raise it to your edition's limit, less what other integrations use, for faster applies of many resources.",
					zoho.DefaultMaxConcurrentRequests, maxMaxConcurrentRequests),
				Validators: []validator.Int64{int64validator.Between(1, maxMaxConcurrentRequests)},
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
	if transport, ok := httpClient.Transport.(*http.Transport); ok && p.dialContext != nil {
		transport.DialContext = p.dialContext
	}
	agent := userAgent(p.version, req.TerraformVersion)
	tokens, refreshing := authentication(config, settings, httpClient, agent, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	retry := p.backoff
	retry.MaxRetries = settings.maxRetries
	client, err := zoho.NewClient(zoho.Config{
		APIDomain:             settings.apiDomain,
		APIVersion:            settings.apiVersion,
		Tokens:                tokens,
		HTTPClient:            httpClient,
		UserAgent:             agent,
		Retry:                 &retry,
		RequestTimeout:        settings.requestTimeout,
		MaxConcurrentRequests: settings.maxConcurrentRequests,
		Logf:                  maskedDebugLog(settings.secrets()...),
	})
	if err != nil {
		resp.Diagnostics.AddError("Invalid provider configuration", fmt.Sprintf("The Zoho CRM client could not be created: %s.", err))
		return
	}
	tflog.Debug(ctx, "Configured the Zoho CRM client", map[string]any{
		"api_domain": settings.apiDomain, "api_version": settings.apiVersion, "refresh_token_auth": refreshing != nil,
		"max_retries": settings.maxRetries, "request_timeout": settings.requestTimeout.String(),
		"max_concurrent_requests": settings.maxConcurrentRequests,
	})

	data := &providerData{client: client, tokens: refreshing, apiDomain: settings.apiDomain, statusPollInterval: p.statusPollInterval}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
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
		NewBackupDownloadAction,
	}
}

// ListResources are served to Terraform 1.14 and later (terraform query);
// other CLIs never ask. Each shares its managed resource's type name.
func (p *zohocrmProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewBackupScheduleListResource,
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

	maxRetries            int
	requestTimeout        time.Duration
	maxConcurrentRequests int
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

		maxRetries:            intSetting(config.MaxRetries, envMaxRetries, parseMaxRetries, zoho.DefaultMaxRetries),
		requestTimeout:        requestTimeoutSetting(config.RequestTimeout),
		maxConcurrentRequests: intSetting(config.MaxConcurrentRequests, envMaxConcurrentRequests, parseMaxConcurrentRequests, zoho.DefaultMaxConcurrentRequests),
	}
}

func stringSetting(value types.String, envVar, fallback string) string {
	if !value.IsNull() && value.ValueString() != "" {
		return value.ValueString()
	}
	if v := envValue(envVar); v != "" {
		return v
	}
	return fallback
}

// envValue reads an environment variable without the whitespace around it:
// a value written with echo or read from a file often ends with a line
// break, and a token that carries one cannot be sent in a header.
func envValue(name string) string {
	return strings.TrimSpace(os.Getenv(name))
}

// envCheck is one setting that may come from an environment variable.
type envCheck struct {
	// inConfig is set when the provider block sets the argument, whose
	// value was then checked at plan time and wins over the variable.
	inConfig bool
	envVar   string
	check    func(string) error
}

// envChecks lists every setting read from the environment with the check
// its value must pass: the same check as the argument's plan-time
// validator, so the two cannot drift.
func envChecks(config providerModel) []envCheck {
	return []envCheck{
		{!config.APIDomain.IsNull(), envAPIDomain, checkBaseURL},
		{!config.APIVersion.IsNull(), envAPIVersion, zoho.ValidateAPIVersion},
		{!config.MaxRetries.IsNull(), envMaxRetries, discardValue(parseMaxRetries)},
		{!config.RequestTimeout.IsNull(), envRequestTimeout, discardValue(parseRequestTimeout)},
		{!config.MaxConcurrentRequests.IsNull(), envMaxConcurrentRequests, discardValue(parseMaxConcurrentRequests)},
		{!config.AccountsURL.IsNull(), envAccountsURL, checkBaseURL},
		{!config.DataCenter.IsNull(), envDataCenter, func(s string) error { _, err := zoho.LookupDataCenter(s); return err }},
		{!config.TokenCacheDir.IsNull(), envTokenCacheDir, checkAbsolutePath},
	}
}

// validateEnvSettings checks the settings that come from environment
// variables, so that the error names the variable rather than an attribute
// the user never wrote.
func validateEnvSettings(config providerModel) error {
	for _, c := range envChecks(config) {
		if c.inConfig {
			continue
		}
		if v := envValue(c.envVar); v != "" {
			if err := c.check(v); err != nil {
				return fmt.Errorf("%s: %w", c.envVar, err)
			}
		}
	}
	return nil
}

// discardValue turns a parser into a check.
func discardValue[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error {
		_, err := parse(s)
		return err
	}
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
	if config.MaxConcurrentRequests.IsUnknown() {
		unknown = append(unknown, "max_concurrent_requests")
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
