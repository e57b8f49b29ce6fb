package zoho

import (
	"bytes"
	"encoding/json"
	"errors"
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

// envelopeDoc is an answer's top level: its envelope, and "backup" raw.
type envelopeDoc struct {
	envelope
	Backup json.RawMessage `json:"backup"`
}

// parseEnvelope finds the envelope with a code in body, nested first. It
// decodes body once (and "backup" again); keys match as encoding/json's do,
// case-insensitively.
func parseEnvelope(body []byte) (env envelope, ok bool) {
	var doc envelopeDoc
	err := json.Unmarshal(body, &doc)
	if _, mistyped := errors.AsType[*json.UnmarshalTypeError](err); err != nil && !mistyped {
		return envelope{}, false
	}
	if doc.Backup != nil {
		var inner envelope
		if json.Unmarshal(doc.Backup, &inner) == nil && inner.Code != "" {
			return inner, true
		}
	}
	if err == nil && doc.Code != "" {
		return doc.envelope, true
	}
	return envelope{}, false
}

// envelope is the body's envelope, decoded on first use only.
func (r *response) envelope() (envelope, bool) {
	if !r.decoded {
		r.env, r.envFound = parseEnvelope(r.body)
		r.decoded = true
	}
	return r.env, r.envFound
}

// apiError builds the error for an unexpected answer, redacting its token.
func apiError(operation string, resp *response) *APIError {
	if resp.status == http.StatusNotModified {
		return &APIError{Operation: operation, HTTPStatus: resp.status, Code: CodeNotModified, BodyExcerpt: excerpt(resp.body, resp.token)}
	}
	env, ok := resp.envelope()
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
