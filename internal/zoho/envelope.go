package zoho

import (
	"bytes"
	"encoding/json"
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
	env, ok := parseEnvelope(resp.body)
	if !ok {
		return &APIError{Operation: operation, HTTPStatus: resp.status, BodyExcerpt: excerpt(resp.body, resp.token)}
	}
	return &APIError{
		Operation:  operation,
		HTTPStatus: resp.status,
		Code:       env.Code,
		Message:    redact(env.Message, resp.token),
		Status:     env.Status,
		Details:    env.Details,
	}
}

// excerptBytes is how much of an unreadable body a diagnostic shows: enough to
// recognise an HTML gateway page or a truncated JSON, short enough to read.
const excerptBytes = 200

// tokenPattern matches Zoho OAuth tokens ("1000.<hex>.<hex>"), so that a body
// echoing one (a proxy's debug page, say) never reaches a diagnostic.
var tokenPattern = regexp.MustCompile(`\b1000\.[0-9a-fA-F]{8,}\.[0-9a-fA-F]{8,}\b`)

// excerpt returns a short, single-line, valid UTF-8 and redacted excerpt of body.
func excerpt(body []byte, secrets ...string) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "(empty body)"
	}
	cut := len(trimmed) > excerptBytes
	if cut {
		trimmed = trimmed[:excerptBytes]
	}
	text := strings.ToValidUTF8(string(trimmed), "\uFFFD")
	text = strings.Join(strings.Fields(text), " ")
	text = redact(text, secrets...)
	if cut {
		// A cut may have split a rune; drop the partial one.
		for !utf8.ValidString(text) && len(text) > 0 {
			text = text[:len(text)-1]
		}
		text += "…"
	}
	return text
}

// redact replaces every secret and anything shaped like a Zoho token.
func redact(text string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[REDACTED]")
		}
	}
	return tokenPattern.ReplaceAllString(text, "[REDACTED]")
}
