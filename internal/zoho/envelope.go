package zoho

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// envelope is Zoho's status object: {"code","details","message","status"}.
// Zoho sends it either at the top level (routing, auth and generic errors) or
// nested under the resource key, "backup" for this API (business errors and
// action results). Key order varies between Zoho's own samples, which
// encoding/json does not care about.
type envelope struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Status  string          `json:"status"`
	Details json.RawMessage `json:"details"`
}

// parseEnvelope finds the envelope in body, nested first, then top level.
// ok is false when body is not JSON or holds no envelope with a code.
func parseEnvelope(body []byte) (env envelope, ok bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return envelope{}, false
	}
	if nested, found := top["backup"]; found {
		var inner envelope
		if json.Unmarshal(nested, &inner) == nil && inner.Code != "" {
			return inner, true
		}
	}
	if _, found := top["code"]; found {
		var outer envelope
		if json.Unmarshal(body, &outer) == nil && outer.Code != "" {
			return outer, true
		}
	}
	return envelope{}, false
}

// apiError builds the error for a response that is not the expected success.
// The token the request carried is redacted from anything quoted.
func apiError(operation string, resp *response) *APIError {
	if resp.status == http.StatusNotModified {
		// A 304 has no body, so nothing names it but its status: it gets
		// the code Zoho's SDK gives it.
		return &APIError{Operation: operation, HTTPStatus: resp.status, Code: CodeNotModified, BodyExcerpt: excerpt(resp.body, resp.token)}
	}
	env, ok := parseEnvelope(resp.body)
	if !ok {
		return &APIError{Operation: operation, HTTPStatus: resp.status, BodyExcerpt: excerpt(resp.body, resp.token)}
	}
	// Code and message are quoted in diagnostics: a hostile or broken
	// server could put anything there, so they are redacted and bounded too.
	return &APIError{
		Operation:  operation,
		HTTPStatus: resp.status,
		Code:       serverText(env.Code, maxCodeBytes, resp.token),
		Message:    serverText(env.Message, excerptBytes, resp.token),
		Status:     serverText(env.Status, maxCodeBytes, resp.token),
		Details:    boundedDetails(env.Details, resp.token),
	}
}

// excerptBytes is how much of an unreadable body a diagnostic shows: enough to
// recognise an HTML gateway page or a truncated JSON, short enough to read.
const excerptBytes = 200

// maxCodeBytes bounds a code: Zoho's longest is 26 characters.
const maxCodeBytes = 64

// TokenPattern matches Zoho OAuth tokens ("1000.<hex>.<hex>"), so that a body
// echoing one (a proxy's debug page, say) never reaches a diagnostic; the
// provider masks its logs with it too.
var TokenPattern = regexp.MustCompile(`\b1000\.[0-9a-fA-F]{8,}\.[0-9a-fA-F]{8,}\b`)

// excerpt returns a short, single-line, valid UTF-8 and redacted excerpt of
// body. Secrets are redacted before the cut, so a token straddling the cut
// cannot leave a recognisable prefix behind.
func excerpt(body []byte, secrets ...string) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "(empty body)"
	}
	return serverText(string(trimmed), excerptBytes, secrets...)
}

// serverText makes a string a server sent fit for a diagnostic or a log:
// one line of valid UTF-8, redacted, at most limit bytes. Empty stays empty.
func serverText(text string, limit int, secrets ...string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = redact(strings.Join(strings.Fields(text), " "), secrets...)
	return shorten(text, limit)
}

// maxDetailsBytes bounds the details object kept from an error answer:
// Zoho's are a few fields (an id, a field name).
const maxDetailsBytes = 1024

// boundedDetails keeps details only when it is small and, once redacted,
// still the same JSON: anything else is dropped rather than quoted.
func boundedDetails(details json.RawMessage, secrets ...string) json.RawMessage {
	if len(details) == 0 || len(details) > maxDetailsBytes || redact(string(details), secrets...) != string(details) {
		return nil
	}
	return details
}

// shorten cuts text to at most limit bytes on a rune boundary, marking the cut.
func shorten(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}

// redact replaces every secret and anything shaped like a Zoho token.
func redact(text string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[REDACTED]")
		}
	}
	return TokenPattern.ReplaceAllString(text, "[REDACTED]")
}
