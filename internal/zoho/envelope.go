package zoho

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// envelope is Zoho's status object, at the top level or under "backup".
type envelope struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Status  string          `json:"status"`
	Details json.RawMessage `json:"details"`
}

// parseEnvelope finds the envelope with a code in body, nested first.
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

// apiError builds the error for an unexpected answer, redacting its token.
func apiError(operation string, resp *response) *APIError {
	if resp.status == http.StatusNotModified {
		return &APIError{Operation: operation, HTTPStatus: resp.status, Code: CodeNotModified, BodyExcerpt: excerpt(resp.body, resp.token)}
	}
	env, ok := parseEnvelope(resp.body)
	if !ok {
		return &APIError{Operation: operation, HTTPStatus: resp.status, BodyExcerpt: excerpt(resp.body, resp.token)}
	}
	return &APIError{
		Operation:  operation,
		HTTPStatus: resp.status,
		Code:       serverText(env.Code, maxCodeBytes, resp.token),
		Message:    serverText(env.Message, excerptBytes, resp.token),
		Status:     serverText(env.Status, maxCodeBytes, resp.token),
		Details:    boundedDetails(env.Details, resp.token),
	}
}

// excerptBytes bounds what an excerpt quotes of a body; maxCodeBytes, a code.
const excerptBytes = 200

const maxCodeBytes = 64

// TokenPattern matches Zoho OAuth tokens ("1000.<hex>.<hex>") for redaction.
var TokenPattern = regexp.MustCompile(`\b1000\.[0-9a-fA-F]{8,}\.[0-9a-fA-F]{8,}\b`)

// excerpt returns a short, single-line, valid UTF-8, redacted excerpt of body.
func excerpt(body []byte, secrets ...string) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "(empty body)"
	}
	return serverText(string(trimmed), excerptBytes, secrets...)
}

// serverText makes server text fit to quote: one valid UTF-8 line, redacted,
// at most limit bytes.
func serverText(text string, limit int, secrets ...string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = redact(strings.Join(strings.Fields(text), " "), secrets...)
	return shorten(text, limit)
}

// maxDetailsBytes bounds the details object kept from an error answer.
const maxDetailsBytes = 1024

// boundedDetails keeps details only when small and unchanged by redaction.
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
