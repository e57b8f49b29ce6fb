package zoho

import (
	"context"
	"net/http"
	"testing"
)

// Micro-benchmarks of the client's own work, without a network: building a
// request, decoding each response shape, and a whole cancel through an
// in-memory transport. Run them with
//
//	go test -run '^$' -bench . -benchmem ./internal/zoho/
//
// and compare allocs/op in review: they should only change on purpose.

const benchBackupID = "4876876000001593003"

// Every response shape the cancel call decodes: those of
// https://www.zoho.com/crm/developer/docs/api/v8/cancel-backup.html and the
// generic error envelopes of https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html.
var cancelResponses = []struct {
	name   string
	status int
	body   string
}{
	{"success", 200, `{"backup":{"status":"success","code":"SUCCESS","message":"Backup stopped successfully.","details":{"id":"4876876000001593003"}}}`},
	{"already_cancelled_nested", 400, `{"backup":{"code":"ALREADY_CANCELLED","details":{"id":"4876876000001593003"},"message":"Backup is already canceled","status":"error"}}`},
	{"in_progress_nested", 400, `{"backup":{"code":"INPROGRESS","details":{"id":"4876876000001593003"},"message":"Backup is in progress","status":"error"}}`},
	{"not_found_top_level", 400, `{"code":"RESOURCE_NOT_FOUND","details":{},"message":"The requested resource doesn't exist","status":"error"}`},
	{"invalid_token_top_level", 401, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`},
	{"html_gateway_page", 502, "<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"},
}

func benchClient(b *testing.B, transport http.RoundTripper) *Client {
	b.Helper()
	httpClient := NewHTTPClient()
	if transport != nil {
		httpClient.Transport = transport
	}
	client, err := NewClient(Config{APIDomain: "https://www.zohoapis.com", Tokens: StaticToken(testToken), HTTPClient: httpClient, UserAgent: "terraform-provider-zohocrm/bench", Retry: noRetries})
	if err != nil {
		b.Fatal(err)
	}
	return client
}

func BenchmarkNewCancelRequest(b *testing.B) {
	client := benchClient(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.newRequest(ctx, http.MethodPut, "/backup/"+benchBackupID+"/actions/cancel", nil, nil, testToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCancelResponse is what the client does with a cancel's
// body once read: classify it for retry, then build the result or the error.
func BenchmarkDecodeCancelResponse(b *testing.B) {
	operation := "cancel backup " + benchBackupID
	for _, tc := range cancelResponses {
		b.Run(tc.name, func(b *testing.B) {
			body := []byte(tc.body)
			b.ReportAllocs()
			for b.Loop() {
				outcome := classifyAttempt(operation, &response{status: tc.status, body: body, token: testToken}, nil)
				if _, err := cancelResult(operation, benchBackupID, outcome.resp); err == nil && outcome.failed {
					b.Fatal("a failed answer read as a result")
				}
			}
		})
	}
}

// BenchmarkCancelBackup is one whole CancelBackup call (token, request,
// transport, reading and decoding the answer) with the network replaced by
// an in-memory transport.
func BenchmarkCancelBackup(b *testing.B) {
	for _, tc := range cancelResponses {
		b.Run(tc.name, func(b *testing.B) {
			client := benchClient(b, cannedTransport{status: tc.status, header: http.Header{"Content-Type": {"application/json;charset=UTF-8"}}, body: []byte(tc.body)})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, _ = client.CancelBackup(ctx, benchBackupID)
			}
		})
	}
}
