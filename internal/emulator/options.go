package emulator

import (
	"crypto/tls"
	"log"
	"net/http"
	"time"
)

// Option configures a Server. Options are applied by New, in order.
type Option func(*config)

type config struct {
	versions             map[string]bool
	resourceNotFoundNest bool
	monthlyQuota         int
	limitCode            string
	purchasedBackups     int
	clock                func() time.Time
	location             *time.Location
	requester            Requester
	zgid                 string
	permissionsNeeded    bool
	emptyObjectImmediate bool
	dataFiles            int
	attachmentFiles      int
	linkLifetime         time.Duration
	logger               *log.Logger
	latency              time.Duration
	roundTrip            time.Duration    // network.go
	tlsCert              *tls.Certificate // network.go
	tokenThrottleStatus  int
	// immediateDuration and immediateOutcome: how long an immediate backup
	// scheduled through POST /backup runs, and how it ends.
	immediateDuration time.Duration
	immediateOutcome  string
	download          downloadConfig // download.go
}

// Defaults mirror Zoho's samples: the requester, zgid and +05:30 zone are the
// ones printed in Zoho's samples, so emulator output looks like real output.
func defaultConfig() config {
	return config{
		versions:             map[string]bool{"v8": true},
		monthlyQuota:         4, // Ultimate edition: 4 backups a month.
		limitCode:            CodeLimitReached,
		clock:                time.Now,
		tokenThrottleStatus:  http.StatusOK,
		location:             time.FixedZone("IST", 5*60*60+30*60),
		requester:            Requester{ID: "4876876000000327001", Name: "Patricia Boyle", ZUID: "7534658674"},
		zgid:                 "757345985",
		emptyObjectImmediate: true,
		dataFiles:            1,
		attachmentFiles:      1,
		linkLifetime:         7 * 24 * time.Hour, // "active for 7 days" (help doc).
		immediateDuration:    10 * time.Minute,
		immediateOutcome:     StatusCompleted,
	}
}

// WithResourceNotFoundNested selects where RESOURCE_NOT_FOUND is placed, which
// Zoho leaves [UNCONFIRMED]. false (default): top-level with details {}.
// true: nested under "backup" with details {"id": ...}.
func WithResourceNotFoundNested(nested bool) Option {
	return func(c *config) { c.resourceNotFoundNest = nested }
}

// WithMonthlyQuota sets how many backups may be created per calendar month
// (by the server clock) before POST /backup answers the monthly-limit error
// (see WithLimitCode). 0 makes every schedule fail; a negative value means
// unlimited. Default 4.
func WithMonthlyQuota(n int) Option {
	return func(c *config) { c.monthlyQuota = n }
}

// WithLimitCode sets the code of the monthly-limit error, which Zoho leaves
// [UNCONFIRMED]: "LIMIT_REACHED" (default), the code Zoho's Node.js SDK for
// v8 declares, or "LIMIT_EXCEEDED", the code of the Schedule Data Backup
// page. Any other value keeps the current code.
func WithLimitCode(code string) Option {
	return func(c *config) {
		if code == CodeLimitReached || code == CodeLimitExceeded {
			c.limitCode = code
		}
	}
}

// WithPurchasedBackups sets how many extra backups the organization has
// bought on top of its edition's monthly ones (default 0), which every
// history entry reports as "count". How a purchase moves the monthly limit is
// not documented, so the quota (WithMonthlyQuota) ignores it.
func WithPurchasedBackups(n int) Option {
	return func(c *config) { c.purchasedBackups = max(n, 0) }
}

// WithClock replaces time.Now, so tests can control dates, quota months and
// link expiry. The function must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithVersions sets the accepted {version} path segments (default only "v8").
// Any other version answers 404 INVALID_URL_PATTERN.
func WithVersions(versions ...string) Option {
	return func(c *config) {
		c.versions = make(map[string]bool, len(versions))
		for _, v := range versions {
			c.versions[v] = true
		}
	}
}

// WithLocation sets the zone dates are rendered in (default a fixed +05:30,
// like Zoho's samples). Zoho renders dates in the org's zone, always with a
// numeric offset, so UTC is printed as +00:00, never Z.
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc != nil {
			c.location = loc
		}
	}
}

// WithRequester sets the CRM user reported as requester and done_by.
func WithRequester(r Requester) Option {
	return func(c *config) { c.requester = r }
}

// WithZGID sets the org id used in download links.
func WithZGID(zgid string) Option {
	return func(c *config) { c.zgid = zgid }
}

// WithPermissionsNeededKey selects the NO_PERMISSION details key, which the
// Zoho leaves [UNCONFIRMED]: false (default) gives the OAS form
// {"permissions":[...]}, true the third-party form {"permissions_needed":[...]}.
func WithPermissionsNeededKey(on bool) Option {
	return func(c *config) { c.permissionsNeeded = on }
}

// WithEmptyObjectImmediate decides how POST /backup treats a body that is JSON
// but carries no rrule ({}, {"backup":{}}, {"backup":{"rrule":null}}). Zoho
// documents only the truly empty body as "immediate"; whether these forms are
// accepted too is [UNCONFIRMED]. true (default) treats them as immediate;
// false rejects them with the rrule INVALID_DATA error, which lets a test
// prove its client sends an empty body.
func WithEmptyObjectImmediate(on bool) Option {
	return func(c *config) { c.emptyObjectImmediate = on }
}

// WithDownloadFiles sets how many Data_NNN.zip and Attachments_NNN.zip links a
// completed backup gets (Zoho splits backups into 1 GB files). Default 1 and 1.
func WithDownloadFiles(data, attachments int) Option {
	return func(c *config) {
		c.dataFiles = max(data, 0)
		c.attachmentFiles = max(attachments, 0)
	}
}

// WithLinkLifetime sets how long download links stay valid after completion
// (default 7 days).
func WithLinkLifetime(d time.Duration) Option {
	return func(c *config) { c.linkLifetime = d }
}

// WithLogger logs one line per request (method, path, query, status,
// duration). The Authorization header is never logged.
func WithLogger(l *log.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithTokenThrottleStatus sets the HTTP status of the token endpoint's
// "Access Denied" throttle answer, which Zoho leaves [UNCONFIRMED]:
// 200 (default, per Zoho's Kaizen #43) or 400 (seen by a third party).
func WithTokenThrottleStatus(status int) Option {
	return func(c *config) { c.tokenThrottleStatus = status }
}

// WithImmediateBackup sets how long an immediate backup, scheduled through
// POST /backup with an empty body, stays INPROGRESS by the emulator clock
// (default 10 minutes), and the status it then reaches: COMPLETED (default,
// with download links) or FAILED. Tests move the clock with AdvanceClock.
// Backups made by SeedBackup keep the status they were given.
func WithImmediateBackup(duration time.Duration, outcome string) Option {
	return func(c *config) {
		c.immediateDuration = duration
		if outcome == StatusCompleted || outcome == StatusFailed {
			c.immediateOutcome = outcome
		}
	}
}

// WithDownloadSize sets the size in bytes of every file the download host
// serves (default DefaultDownloadSize, 256 KiB; clamped to MinDownloadSize
// and MaxDownloadSize). Files are generated on the fly, so a 1 GiB file
// costs no more memory than a small one.
func WithDownloadSize(bytes int64) Option {
	return func(c *config) { c.download.size = bytes }
}

// WithDownloadAddress sets the loopback address the download host listens on
// (default: the API's loopback IP with an ephemeral port).
func WithDownloadAddress(addr string) Option {
	return func(c *config) { c.download.address = addr }
}

// WithListedExpiredLinks decides whether GET /backup/urls still lists a
// completed backup's links after their expiry date, which Zoho leaves
// [UNCONFIRMED]: false (default) answers 204 once they expire; true keeps
// listing them, while the download host refuses them, so a client can be
// tested against a listed but expired link.
func WithListedExpiredLinks(on bool) Option {
	return func(c *config) { c.download.listExpiredLinks = on }
}

// WithDownloadThroughput caps each download response at bytesPerSecond
// (default 0: no cap). SetDownloadThroughput changes it later.
func WithDownloadThroughput(bytesPerSecond int64) Option {
	return func(c *config) { c.download.throughput = max(bytesPerSecond, 0) }
}

// WithDownloadFaults queues download faults from the start, as
// InjectDownloadFault does.
func WithDownloadFaults(faults ...DownloadFault) Option {
	return func(c *config) { c.download.faults = append(c.download.faults, faults...) }
}
