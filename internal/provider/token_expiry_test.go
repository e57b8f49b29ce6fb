package provider

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// TestAccTokens_expiringDuringTwoHundredCancellationsAtParallelismFifty: 200
// cancellations in one apply at -parallelism=50, in refresh-token mode, with
// the provider's defaults (max_concurrent_requests 5, so 45 operations queue
// for a slot at any time), while every access token the emulator issues
// expires after 60 calls although its answer promised an hour. Each token is
// thus replaced several times during the apply, mostly while requests wait
// for a slot or are on the wire with it.
//
// Every cancellation must succeed, once, because a request sends the token
// current when it leaves, and one rejected with a token that another request
// has already replaced is sent again with the new token without spending a
// refresh.
//
// The refresh bound is one per token lifetime, with no slack: the emulator
// refuses a token only once it has had its 60 calls, and the provider
// refreshes only when the token in hand is refused (Invalidate drops a token
// only while it is the current one), so the 200 accepted calls need exactly
// ceil(200/60) = 4 tokens, and a fifth refresh would be one spent on a token
// that still had calls left.
//
// 401 answers are bounded too: a token is refused only to requests that were
// on the wire with it when it ran out, or that took a slot before the refusal
// was seen, at most a few per limit's worth of slots per lifetime; the bound
// is 2 * max_concurrent_requests per token lifetime.
func TestAccTokens_expiringDuringTwoHundredCancellationsAtParallelismFifty(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	t.Parallel()
	const count, callsPerToken, slots = 200, 60, zoho.DefaultMaxConcurrentRequests
	// Each answer takes 100 ms, as a real call does, so calls overlap and
	// the queue behind the limiter stays full.
	srv := newOAuthEmulator(t, emulator.WithLatency(100*time.Millisecond))
	ids := seedBackups(srv, count)
	srv.ResetRequests()
	srv.ExpireAccessTokensAfterCalls(callsPerToken)

	cli := newTerraformCLI(t, &zohocrmProvider{version: "test"}, refreshProviderBlock(srv.URL())+bulkCancellations(ids))
	cli.mustRun("init", "-no-color")
	started := time.Now()
	out, applyErr := cli.run("apply", "-auto-approve", "-no-color", "-parallelism=50")
	took := time.Since(started)

	puts := len(srv.Requests())
	stopped := 0
	for _, id := range ids {
		if checkBackupStatus(srv, id, "STOPPED")(nil) == nil {
			stopped++
		}
	}
	refreshes, rejected := srv.Refreshes(), puts-stopped
	lifetimes := (count + callsPerToken - 1) / callsPerToken
	t.Logf("%d cancellations at -parallelism=50 in %s: %d backups STOPPED, %d requests, %d answered 401 INVALID_TOKEN, %d refreshes (%d token lifetimes)",
		count, took.Round(100*time.Millisecond), stopped, puts, rejected, refreshes, lifetimes)
	if applyErr != nil {
		failed := strings.Count(out, "Error: ")
		_, first, _ := strings.Cut(out, "Error: ")
		first = first[:min(len(first), 700)]
		t.Fatalf("the apply failed: %d of %d cancellations failed, %d backups STOPPED, %d answered 401 INVALID_TOKEN, %d refreshes: %v; the first error:\n%s",
			failed, count, stopped, rejected, refreshes, applyErr, first)
	}

	wantBulkCancelled(t, cli, ids)
	if stopped != count {
		t.Errorf("%d of %d backups STOPPED", stopped, count)
	}
	if refreshes != lifetimes {
		t.Errorf("%d refreshes for %d calls, want %d: one per token lifetime of %d calls", refreshes, count, lifetimes, callsPerToken)
	}
	if rejected > 2*slots*lifetimes {
		t.Errorf("%d answers 401 INVALID_TOKEN, want at most %d (2 * %d slots per token lifetime)", rejected, 2*slots*lifetimes, slots)
	}
	for _, r := range srv.TokenRequests() {
		if r.Error != "" {
			t.Errorf("the token endpoint answered %q", r.Error)
		}
	}
}
