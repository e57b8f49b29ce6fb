// Package emulator is a local stand-in for the Zoho CRM Data Backup REST API
// (/crm/bulk/{version}/backup) and for the token endpoint of Zoho Accounts.
// It answers with Zoho's own paths, JSON keys, codes, messages and HTTP
// statuses, so a client that passes against it behaves the same against Zoho.
//
// # What it takes as documented
//
// Zoho's pages for the five backup calls, its status-code page and its OAuth
// pages fix most of what the emulator does:
//
//   - Schedule Data Backup, POST /backup: the rrule subset (FREQ WEEKLY or
//     MONTHLY, INTERVAL, BYDAY or BYMONTHDAY), the SCHEDULED status, the
//     monthly quota (LIMIT_EXCEEDED on this page; see below) and
//     BACKUP_ALREADY_SCHEDULED.
//     https://www.zoho.com/crm/developer/docs/api/v8/schedule-data-backup.html
//   - Get Data Backup Details, GET /backup, and its statuses SCHEDULED,
//     INPROGRESS, COMPLETED, FAILED and STOPPED.
//     https://www.zoho.com/crm/developer/docs/api/v8/get-backup-info.html
//   - Get Data Backup Download URLs, GET /backup/urls (204 until a completed
//     backup has links; links expire after about 7 days).
//     https://www.zoho.com/crm/developer/docs/api/v8/get-backup-urls.html
//   - Get Data Backup History, GET /backup/history (page and per_page, at most
//     200 a page).
//     https://www.zoho.com/crm/developer/docs/api/v8/backup-history.html
//   - Cancel Scheduled Data Backup, PUT /backup/{id}/actions/cancel, whose
//     page lists every error it gives (ALREADY_CANCELLED, RESOURCE_NOT_FOUND
//     and INPROGRESS with HTTP 400). Where other pages disagree, this one wins.
//     https://www.zoho.com/crm/developer/docs/api/v8/cancel-backup.html
//   - The error envelope and the generic codes (INVALID_TOKEN,
//     OAUTH_SCOPE_MISMATCH, NO_PERMISSION, INVALID_URL_PATTERN,
//     TOO_MANY_REQUESTS, INTERNAL_ERROR):
//     https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html
//   - The "Authorization: Zoho-oauthtoken <token>" header and the token
//     endpoint's limits (access tokens live an hour; at most 15 alive per
//     refresh token, the 16th invalidates the oldest; at most 10 a refresh
//     token per 10 minutes, then "Access Denied"):
//     https://www.zoho.com/crm/developer/docs/api/v8/token-validity.html and
//     https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html
//
// Zoho's official Node.js SDK for v8 (@zohocrm/nodejs-sdk-8.0 2.0.0, its
// backup module and lib/config/json_details.json) is the nearest thing to
// Zoho's own word on the wire format: the keys and types of every object and
// the codes its error type declares. make conformance (conformance/) runs
// that SDK against the emulator and fails on any key the SDK would drop, any
// value of another type than it declares, and any code outside its list.
//
// Zoho's v8 sample responses could not all be read; the v7 pages of the same
// names (https://www.zoho.com/crm/developer/docs/api/v7/) carry full samples,
// and Zoho's OpenAPI spec (github.com/zoho/crm-oas, v8.0/backup.json) and
// Python SDK show the same keys for v8, so the emulator answers in that shape.
//
// # What it assumes
//
// The lifecycle that links the calls is this project's reading of the pages,
// not something Zoho spells out: an empty POST body starts an immediate
// backup, a backup with an rrule is SCHEDULED, cancelling a SCHEDULED backup
// makes it STOPPED (Zoho has no CANCELLED status), and history records each
// step with the action "initiated", "scheduled" or "stopped". The mapping of
// rrules to repeat_type (weekly, biweekly, monthly) is inferred from Zoho's
// sample. Dates carry a numeric offset ("+05:30", "+00:00"), never "Z", as in
// every sample.
//
// Where the documentation leaves a behaviour open (marked UNCONFIRMED in the
// code), the emulator picks the most likely form by default and an Option
// selects the other, so the client is proved against both:
//
//   - WithResourceNotFoundNested: whether the cancel call's RESOURCE_NOT_FOUND
//     is a top-level error with details {} (Zoho's OpenAPI
//     Resource_Not_Found, the default) or nested under "backup" with the id.
//   - WithPermissionsNeededKey: whether NO_PERMISSION lists the missing
//     permission under "permissions" (the OpenAPI spec, the default) or
//     "permissions_needed" (a third-party copy of the docs).
//   - WithEmptyObjectImmediate: Zoho documents only an empty body as
//     "immediate"; whether {} and {"backup":{}} count too is not said. The
//     default accepts them; turning it off lets a test prove that its client
//     sends a truly empty body.
//   - WithTokenThrottleStatus: the HTTP status of the token endpoint's
//     "Access Denied" throttle answer. Zoho's Kaizen #43 community post says
//     200 (the default); a third-party client records 400.
//   - WithLimitCode: the code of the monthly-limit error. Zoho's SDK declares
//     LIMIT_REACHED (the default) and not LIMIT_EXCEEDED, which the Schedule
//     Data Backup page names; which one Zoho sends has not been seen. Where
//     the docs and the SDK disagree like this, the default follows the SDK
//     and the documented form is the option.
//
// Zoho's docs describe these keys without settling their values; the
// emulator's choices, which the SDK's types allow:
//
//   - History file_name: null, except on the entry of a completed run, which
//     names the run's first ZIP file: the last path segment of its first data
//     link (Data_001.zip), else of its first attachment link. The docs say
//     only "the name of the zip file available for download".
//   - History count: a whole number on every entry, the extra backups the
//     organization has purchased ("the number of backups purchased" in the
//     docs); 0 unless WithPurchasedBackups says otherwise. The emulator logs
//     no "purchased" events and does not raise the monthly quota for them,
//     because Zoho does not document how purchases and the quota interact.
//   - INVALID_DATA for a bad page or per_page of GET /backup/history names
//     the parameter with the details keys the SDK models for errors, api_name
//     and json_path ({"api_name":"page","json_path":"$.page"}), as the rrule
//     error does; the SDK keeps only id, api_name and json_path, so another
//     key (param_name, say) would be dropped by Zoho's own client.
//
// Three more gaps have one answer each, with no option: the 429
// TOO_MANY_REQUESTS body is the top-level envelope with details {} (Zoho
// documents the code, not the body); the concurrency limit is the per-edition
// figure of Zoho's API-limits pages (5 to 25 requests); and only the
// "Zoho-oauthtoken" scheme is accepted, since Zoho documents no other (a
// client sending "Bearer" would work here only by luck on Zoho).
//
// POST /_emulator/reset (admin.go) forgets every backup, history entry and
// recorded request, so that a script such as make conformance can run
// scenario after scenario on one emulator.
//
// The server only ever listens on a loopback address: it accepts any token a
// test seeds and must not be reachable from other machines.
//
// # The download host
//
// Zoho serves backup files from a host of their own
// (https://download-accl.zoho.com/v2/crm/{zgid}/backup/{job-id}/{file}), with
// the API's "Zoho-oauthtoken" header and the scope ZohoFiles.files.ALL
// (https://www.zoho.com/crm/developer/docs/api/v8/download-backup.html). The
// emulator serves them too, on a second loopback listener that Start opens
// and Close closes (DownloadURL; over TLS with WithTLS), so a client is
// tested against a host that is not the API host. Completed backups' links
// point at it (http://127.0.0.1:PORT/v2/crm/{zgid}/backup/{job}/Data_001.zip);
// links made before Start name Zoho's host until Start rewrites them.
//
// What follows Zoho's download page: GET on that path, the scope (a token
// without it gets 401 INVALID_OAUTHSCOPE; the backup API's scopes do not
// grant it, nor does it grant them), 401 URL_RULE_NOT_CONFIGURED for a path
// of another shape, 403 FORBIDDEN for a user who is not an administrator,
// 400 INVALID_REQUEST_METHOD for a method other than GET or HEAD, all in the
// top-level envelope; files of at most 1 GB, named Data_NNN.zip and
// Attachments_NNN.zip. What the page leaves open, and the emulator assumes:
//
//   - Headers: Content-Type application/zip, Content-Length,
//     Content-Disposition attachment; filename="Data_001.zip" (Zoho's SDKs
//     name the saved file from it) and Accept-Ranges bytes. A single Range
//     (bytes=N-, N-M, -K) answers 206 with Content-Range; one that starts
//     past the end answers 416 with "Content-Range: bytes */SIZE" and no
//     body; several ranges or a malformed header are ignored (200).
//   - A link past its expiry_date on the emulator clock, or one that no
//     backup lists, answers 404 RESOURCE_NOT_FOUND (top-level, details {}):
//     Zoho documents no answer for either. GET /backup/urls stops listing
//     expired links (204) by default; WithListedExpiredLinks keeps listing
//     them [UNCONFIRMED], so a client meets an expired link on the download
//     host.
//   - A missing or foreign Authorization header is 401
//     AUTHENTICATION_FAILURE and an unknown or expired token 401
//     INVALID_TOKEN, as on the API.
//   - Scopes are granted only as given: AddToken and AddRefreshToken take
//     ScopeFiles explicitly, as a Self Client made with both scopes would
//     carry them. The standalone command gives its -token and -self-client
//     tokens both.
//
// The content is generated, not stored: a valid ZIP of stored (method 0)
// entries of at most 32 MiB (at least four), whose data is a 64 KiB
// pseudo-random block seeded from the job id and file name, each repetition
// stamped with its own counter, so any byte is computed from its offset and
// Range costs nothing extra. Entry CRC-32s are computed once a file and
// cached. Every file has the size WithDownloadSize gives (default 256 KiB,
// below 4 GiB so no ZIP64 is needed); DownloadContent and DownloadSHA256
// give tests the same bytes, ExpectedSHA256 the hash of a link.
//
// Requests to the download host are recorded apart from the API's
// (DownloadRequests: method, path, Range, status, body bytes sent and
// whether an Authorization header came, never its value). DownloadFault
// breaks its answers: a connection dropped after N bytes, a body cut short
// of its Content-Length, Range ignored, a corrupt entry (right length, a
// failing CRC-32), an error code such as INVALID_TOKEN; WithDownloadThroughput
// caps each response's rate. SetDownloadLinks lets a test list any links
// (a foreign host, a traversal file name).
package emulator
