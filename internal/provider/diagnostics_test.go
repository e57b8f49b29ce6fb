package provider

import (
	"os"
	"strings"
	"testing"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// errorReferenceTemplate is the source of docs/guides/errors.md.
const errorReferenceTemplate = "../../templates/guides/errors.md.tmpl"

// TestErrorReferenceQuotesEveryRemedy: a user who searches the text of a
// diagnostic lands on the error reference, so the page must quote every
// remedy the provider prints, word for word, under its code's heading.
func TestErrorReferenceQuotesEveryRemedy(t *testing.T) {
	raw, err := os.ReadFile(errorReferenceTemplate)
	if err != nil {
		t.Fatal(err)
	}
	page := foldSpace(string(raw))
	for code, remedy := range remedies {
		if !strings.Contains(page, "### "+code+" "+foldSpace(remedy)) {
			t.Errorf("the error reference has no section %q quoting its remedy %q", code, remedy)
		}
		if !strings.Contains(page, "[`"+code+"`](#"+strings.ToLower(code)+")") {
			t.Errorf("the error reference's table does not link %s", code)
		}
	}
	for code, remedy := range tokenRemedies {
		if !strings.Contains(page, "### "+code+" "+foldSpace(remedy)) {
			t.Errorf("the error reference has no token-error section %q quoting its remedy %q", code, remedy)
		}
	}
	for _, text := range []string{
		unknownAnswerRemedy,
		unknownTokenAnswerRemedy,
		"with a body that is not a Zoho API response",
		"the Zoho API never redirects; check api_domain",
		"not read further",
		"no complete answer within request_timeout",
		"Zoho still failed after N attempts",
		"did not finish within timeouts.create",
		"The operation was cancelled",
		"The request did not get an answer from Zoho",
		"Invalid provider setting in the environment",
		"was found already cancelled after a retry",
		zoho.ErrMayHaveActed.Error(),
	} {
		if !strings.Contains(page, foldSpace(text)) {
			t.Errorf("the error reference does not explain %q", text)
		}
	}
}

// TestEveryErrorCodeHasARemedy: each error code the client knows has a
// remedy (and so a section in the error reference).
func TestEveryErrorCodeHasARemedy(t *testing.T) {
	for _, code := range []string{
		zoho.CodeInProgress, zoho.CodeResourceNotFound, zoho.CodeOAuthScopeMismatch, zoho.CodeNoPermission,
		zoho.CodeInvalidToken, zoho.CodeAuthenticationFailure, zoho.CodeInvalidURLPattern, zoho.CodeInvalidRequestMethod,
		zoho.CodeInternalError, zoho.CodeInvalidData, zoho.CodeBackupAlreadyScheduled, zoho.CodeLimitExceeded,
		zoho.CodeTooManyRequests, zoho.CodeRequestBodyNotReadable, zoho.CodeAPINotSupported,
	} {
		if remedies[code] == "" {
			t.Errorf("no remedy for %s", code)
		}
	}
}
