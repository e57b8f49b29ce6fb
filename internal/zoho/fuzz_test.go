package zoho

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// cannedTransport answers every request with one response, in memory, so the
// fuzzer exercises the whole client (bounded read, redirect refusal, envelope
// decoding, error building) at thousands of inputs a second.
type cannedTransport struct {
	status int
	header http.Header
	body   []byte
}

func (c cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: c.status,
		Header:     c.header.Clone(),
		Body:       io.NopCloser(bytes.NewReader(c.body)),
		Request:    req,
	}, nil
}

// FuzzDecodeCancelResponse feeds arbitrary statuses, headers and bodies to
// CancelBackup. Whatever Zoho (or anything pretending to be Zoho) answers,
// the client must not panic, must return either a documented success or an
// *APIError naming the HTTP status, and must never quote the access token or
// an unbounded amount of the body. Run it with:
//
//	go test -run='^$' -fuzz=FuzzDecodeCancelResponse -fuzztime=10s ./internal/zoho/
func FuzzDecodeCancelResponse(f *testing.F) {
	seeds := []struct {
		status int
		header string
		body   string
	}{
		{200, "", cancelSuccess},
		{200, "", `{"backup":{"details":{"id":"4876876000001593003"},"message":"Backup stopped successfully.","code":"SUCCESS","status":"success"}}`},
		{400, "", alreadyDone},
		{400, "", `{"code":"ALREADY_CANCELLED","details":{},"message":"Backup is already canceled","status":"error"}`},
		{400, "", `{"backup":{"code":"INPROGRESS","details":{"id":"4876876000001593003"},"message":"Backup is in progress","status":"error"}}`},
		{400, "", `{"code":"RESOURCE_NOT_FOUND","details":{},"message":"The requested resource doesn't exist","status":"error"}`},
		{401, "", `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`},
		{403, "", `{"status":"error","code":"NO_PERMISSION","message":"permission denied","details":{"permissions":["x"]}}`},
		{429, "Retry-After: 5", throttled},
		{500, "", internalError},
		{502, "Content-Type: text/html", "<html><head><title>502 Bad Gateway</title></head></html>"},
		{204, "", ""},
		{200, "", `{"backup":{"status":"succ`},
		{200, "", `{"backup":null}`},
		{200, "", `{"backup":[1,2,3]}`},
		{200, "", `{"backup":{"code":42,"details":"x","message":{},"status":true}}`},
		{200, "", `{"code":"SUCCESS"}`},
		{400, "", `{"code":"` + testToken + `","message":"Zoho-oauthtoken ` + testToken + `"}`},
		{502, "", "debug: Authorization: Zoho-oauthtoken " + testToken},
		{200, "", "\xff\xfe\x00garbage"},
		{307, "Location: https://evil.example/steal?token=x", ""},
		{501, "", `{"code":"NOT_IMPLEMENTED"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, s.header, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, rawHeader string, body []byte) {
		status = 200 + (status%400+400)%400 // 200..599
		header := http.Header{}
		if name, value, ok := strings.Cut(rawHeader, ":"); ok {
			header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		httpClient := NewHTTPClient()
		httpClient.Transport = cannedTransport{status: status, header: header, body: body}
		client, err := NewClient(Config{APIDomain: "https://www.zohoapis.com", Tokens: StaticToken(testToken), HTTPClient: httpClient, Retry: noRetries})
		if err != nil {
			t.Fatal(err)
		}

		result, err := client.CancelBackup(context.Background(), backupID)
		if err == nil {
			checkFuzzedSuccess(t, status, body, result)
			return
		}
		checkFuzzedError(t, status, body, err)
	})
}

// checkFuzzedSuccess: only a documented success is accepted, and SUCCESS
// only with a 2xx status.
func checkFuzzedSuccess(t *testing.T, status int, body []byte, result ActionResult) {
	t.Helper()
	if result.Code != CodeSuccess && result.Code != CodeAlreadyCancelled {
		t.Fatalf("HTTP %d %q accepted as %+v", status, body, result)
	}
	if result.Code == CodeSuccess && status >= 300 {
		t.Fatalf("HTTP %d accepted as SUCCESS", status)
	}
}

// checkFuzzedError: any other answer is an *APIError that names the status,
// never quotes the token, and is short, valid, single-line text.
func checkFuzzedError(t *testing.T, status int, body []byte, err error) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("HTTP %d %q: want an *APIError, got %T %v", status, body, err, err)
	}
	msg := err.Error()
	if apiErr.HTTPStatus != status || !strings.Contains(msg, "HTTP "+strconv.Itoa(status)) {
		t.Fatalf("error %q does not name HTTP %d", msg, status)
	}
	// (A body may hold a fragment of the token; only a server that
	// echoes the whole token could know it, and that is redacted.)
	if strings.Contains(msg, testToken) {
		t.Fatalf("error quotes the token: %q", msg)
	}
	if !utf8.ValidString(msg) || len(msg) > 1000 {
		t.Fatalf("error is not short valid UTF-8 (%d bytes): %q", len(msg), msg)
	}
	if strings.ContainsAny(apiErr.BodyExcerpt, "\n\r") {
		t.Fatalf("excerpt spans lines: %q", apiErr.BodyExcerpt)
	}
}
