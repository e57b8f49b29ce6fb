package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// testStatusPollInterval replaces zohocrm_backup_start's poll_interval in
// tests, which must not wait real minutes.
const testStatusPollInterval = 20 * time.Millisecond

// protocolClient speaks protocol 6 to the server main.go serves, in
// process, as Terraform would: no CLI is involved. The server must expose
// the optional RPCs (actions among them), as terraform-plugin-go requires to
// serve them.
type protocolClient struct {
	t       *testing.T
	server  frameworkServer
	schemas *tfprotov6.GetProviderSchemaResponse
}

// newProtocolClient gets the schemas and configures the provider for srv
// with token.
func newProtocolClient(t *testing.T, srv *emulator.Server, token string) *protocolClient {
	t.Helper()
	served := protocol6Server(&zohocrmProvider{version: "test", statusPollInterval: testStatusPollInterval})
	server, ok := served.(frameworkServer)
	if !ok {
		t.Fatalf("the served server (%T) lacks optional RPCs, actions among them", served)
	}
	schemas, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, diagnosticsText(schemas.Diagnostics))
	}
	c := &protocolClient{t: t, server: server, schemas: schemas}
	configured, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.16.4",
		Config: c.value(schemas.Provider, map[string]tftypes.Value{
			"api_domain":   tftypes.NewValue(tftypes.String, srv.URL()),
			"access_token": tftypes.NewValue(tftypes.String, token),
		}),
	})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, diagnosticsText(configured.Diagnostics))
	}
	return c
}

// value builds a configuration of schema from the attributes given; the
// others are null, as Terraform sends attributes the configuration omits.
// No attributes at all is a null configuration, which Terraform sends for
// an action block without a config block.
func (c *protocolClient) value(schema *tfprotov6.Schema, attributes map[string]tftypes.Value) *tfprotov6.DynamicValue {
	c.t.Helper()
	typ, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		c.t.Fatalf("schema type %s is not an object", schema.ValueType())
	}
	if attributes == nil {
		dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
		if err != nil {
			c.t.Fatal(err)
		}
		return &dv
	}
	values := map[string]tftypes.Value{}
	for name, attributeType := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(attributeType, nil)
		if given, ok := attributes[name]; ok {
			values[name] = given
		}
	}
	for name := range attributes {
		if _, ok := typ.AttributeTypes[name]; !ok {
			c.t.Fatalf("the schema has no attribute %q", name)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		c.t.Fatal(err)
	}
	return &dv
}

// actionConfig is value for the schema of action actionType.
func (c *protocolClient) actionConfig(actionType string, attributes map[string]tftypes.Value) *tfprotov6.DynamicValue {
	c.t.Helper()
	schema, ok := c.schemas.ActionSchemas[actionType]
	if !ok {
		c.t.Fatalf("GetProviderSchema lists no action %s", actionType)
	}
	return c.value(schema.Schema, attributes)
}

func (c *protocolClient) validateAction(actionType string, attributes map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	c.t.Helper()
	resp, err := c.server.ValidateActionConfig(c.t.Context(), &tfprotov6.ValidateActionConfigRequest{
		ActionType: actionType, Config: c.actionConfig(actionType, attributes),
	})
	if err != nil {
		c.t.Fatalf("ValidateActionConfig: %v", err)
	}
	return resp.Diagnostics
}

func (c *protocolClient) planAction(actionType string, attributes map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	c.t.Helper()
	resp, err := c.server.PlanAction(c.t.Context(), &tfprotov6.PlanActionRequest{
		ActionType: actionType, Config: c.actionConfig(actionType, attributes),
	})
	if err != nil {
		c.t.Fatalf("PlanAction: %v", err)
	}
	return resp.Diagnostics
}

// invokeAction runs InvokeAction to its end and returns the progress
// messages in the order they came and the diagnostics of the completion
// event, which must be the last event and come exactly once.
func (c *protocolClient) invokeAction(actionType string, attributes map[string]tftypes.Value) ([]string, []*tfprotov6.Diagnostic) {
	c.t.Helper()
	resp, err := c.server.InvokeAction(c.t.Context(), &tfprotov6.InvokeActionRequest{
		ActionType: actionType, Config: c.actionConfig(actionType, attributes),
	})
	if err != nil {
		c.t.Fatalf("InvokeAction: %v", err)
	}
	var progress []string
	var diags []*tfprotov6.Diagnostic
	completions := 0
	for event := range resp.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			if completions > 0 {
				c.t.Errorf("progress %q after the completion event", e.Message)
			}
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			completions++
			diags = e.Diagnostics
		}
	}
	if completions != 1 {
		c.t.Fatalf("InvokeAction sent %d completion events, want 1", completions)
	}
	return progress, diags
}

// diagnosticsText is every diagnostic as "SEVERITY: summary: detail", with
// runs of white space folded, one per line.
func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var lines []string
	for _, d := range diags {
		lines = append(lines, strings.Join(strings.Fields(d.Severity.String()+": "+d.Summary+": "+d.Detail), " "))
	}
	return strings.Join(lines, "\n")
}

// wantNoDiagnostics fails on any diagnostic.
func wantNoDiagnostics(t *testing.T, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	if len(diags) > 0 {
		t.Fatalf("%s: unexpected diagnostics:\n%s", what, diagnosticsText(diags))
	}
}

// wantOneError requires exactly one diagnostic, an error, whose text holds
// every part, and no token.
func wantOneError(t *testing.T, what string, diags []*tfprotov6.Diagnostic, parts ...string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("%s: want one error, got:\n%s", what, diagnosticsText(diags))
	}
	text := diagnosticsText(diags)
	for _, part := range parts {
		if !strings.Contains(text, part) {
			t.Errorf("%s: the error does not say %q:\n%s", what, part, text)
		}
	}
	for _, secret := range allTestTokens {
		if strings.Contains(text, secret) {
			t.Errorf("%s: the error quotes an access token", what)
		}
	}
}

func stringValue(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
