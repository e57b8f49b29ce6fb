package provider

import (
	"fmt"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// tokenRemedies says, for each error of Zoho's token endpoint, what it means
// and what to fix.
var tokenRemedies = map[string]string{
	zoho.TokenErrorInvalidCode: "The refresh token is wrong or has been revoked (by a user, or by Zoho when a user holds more than 20). " +
		"Generate a new grant code on the Self Client's Generate Code tab with the scope ZohoCRM.bulk.backup.ALL, exchange it for a " +
		"refresh token, and set refresh_token or " + envRefreshToken + ". Check also that the refresh token was issued to this " +
		"client_id, in the data centre of accounts_url.",
	zoho.TokenErrorInvalidClient: "The accounts server does not know this client id. Check client_id or " + envClientID + ", and that " +
		"accounts_url (or data_center) names the data centre where the Self Client was created: a client created at " +
		"accounts.zoho.eu is unknown to accounts.zoho.com.",
	zoho.TokenErrorInvalidClientSecret: "The client secret does not match the client id. This often means the wrong data centre: " +
		"a client used in several data centres has a different secret in each, so check data_center or accounts_url. Otherwise copy " +
		"the secret again from the Self Client's Client Secret tab into client_secret or " + envClientSecret + ".",
	zoho.TokenErrorAccessDenied: "Zoho issues at most 10 access tokens per refresh token in 10 minutes and blocks the refresh token " +
		"for the rest of those 10 minutes once they are used. Wait up to 10 minutes, then run again. To stay under the limit, set " +
		"token_cache_dir (or " + envTokenCacheDir + ") so that consecutive runs reuse a valid token, and do not share one refresh " +
		"token between many pipelines that run at once.",
}

// unknownTokenAnswerRemedy covers token-endpoint answers Zoho never documented.
const unknownTokenAnswerRemedy = "This is not an answer the provider knows from Zoho's accounts server. Check that accounts_url " +
	"(or data_center) names your data centre's accounts server, such as https://accounts.zoho.eu, and try again later."

// describeTokenError is the detail text for a failed token refresh.
func describeTokenError(tokenErr *zoho.TokenError) string {
	if tokenErr.Code == "" {
		return fmt.Sprintf("Zoho's accounts server at %s answered HTTP %d with a body that is not a token answer: %s\n\n%s",
			tokenErr.TokenURL, tokenErr.HTTPStatus, tokenErr.BodyExcerpt, unknownTokenAnswerRemedy)
	}
	remedy, known := tokenRemedies[tokenErr.Code]
	if !known {
		remedy = unknownTokenAnswerRemedy
	}
	detail := fmt.Sprintf("Zoho's accounts server at %s refused to refresh the access token: HTTP %d with error %q", tokenErr.TokenURL, tokenErr.HTTPStatus, tokenErr.Code)
	if tokenErr.Description != "" {
		detail += fmt.Sprintf(" (%s)", tokenErr.Description)
	}
	return detail + ".\n\n" + remedy
}
