package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// requesterAttrTypes is the shape of a Zoho user: requester and done_by.
var requesterAttrTypes = map[string]attr.Type{"id": types.StringType, "name": types.StringType, "zuid": types.StringType}

// requesterAttributes describes a Zoho user object; role says who it is.
func requesterAttributes(role string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "The CRM user id of the " + role + "."},
		"name": schema.StringAttribute{Computed: true, MarkdownDescription: "The name of the " + role + "."},
		"zuid": schema.StringAttribute{Computed: true, MarkdownDescription: "The Zoho account id (ZUID) of the " + role + "."},
	}
}

// requesterValue converts a Zoho user; nil (absent in the answer) is null.
func requesterValue(r *zoho.Requester) types.Object {
	if r == nil {
		return types.ObjectNull(requesterAttrTypes)
	}
	return types.ObjectValueMust(requesterAttrTypes, map[string]attr.Value{
		"id":   types.StringValue(r.ID),
		"name": types.StringValue(r.Name),
		"zuid": types.StringValue(r.ZUID),
	})
}
