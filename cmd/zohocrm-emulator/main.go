// Command zohocrm-emulator runs the Zoho CRM Data Backup API emulator
// (internal/emulator) as a standalone loopback server for demos and shell
// scripts.
//
//	zohocrm-emulator -token demo-token -seed SCHEDULED -ready-file /tmp/emu.json
//
// Once listening it writes {"url":..., "download_url":..., "backup_id":...,
// "pid":...} to the ready file (atomically, so a script polling for the file never reads half
// of it), logs one line per request to stderr without any credentials, and
// exits cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// defaultSeedRRule is used with -seed: every Monday.
const defaultSeedRRule = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"

type options struct {
	listen          string
	tokens          []string
	scopedTokens    [][]string // a token, then its scopes
	userTokens      []string
	selfClients     []selfClient
	seed            string
	seedRRule       string
	readyFile       string
	quota           int
	limitCode       string
	purchased       int
	notFoundNested  bool
	permissionsNeed bool
	latency         time.Duration
	rtt             time.Duration
	tlsCertFile     string
	download        downloadFlags
}

// selfClient is a -self-client flag: a Zoho Self Client and a refresh token
// of it, whose access tokens the emulator's /oauth/v2/token issues.
type selfClient struct {
	id, secret, refreshToken string
}

func parseSelfClient(v string) (selfClient, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return selfClient{}, errors.New("-self-client must be CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN, all three non-empty")
	}
	return selfClient{id: parts[0], secret: parts[1], refreshToken: parts[2]}, nil
}

func main() {
	logger := log.New(os.Stderr, "zohocrm-emulator: ", log.LstdFlags)
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		logger.Print(err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, logger); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("zohocrm-emulator", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "loopback `address` to listen on (non-loopback addresses are refused)")
	fs.Func("token", "access `token` to accept, with scopes "+emulator.ScopeAll+" and "+emulator.ScopeFiles+" as an administrator; repeatable or comma-separated", func(v string) error {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				o.tokens = append(o.tokens, t)
			}
		}
		return nil
	})
	fs.Func("scoped-token", "`TOKEN:SCOPE[:SCOPE...]`: an administrator's access token with only these scopes (for OAUTH_SCOPE_MISMATCH); repeatable", func(v string) error {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || slices.Contains(parts, "") {
			return errors.New("-scoped-token must be TOKEN:SCOPE[:SCOPE...], none empty")
		}
		o.scopedTokens = append(o.scopedTokens, parts)
		return nil
	})
	fs.Func("user-token", "access `token` of a user who is not an administrator, with both scopes (for NO_PERMISSION and FORBIDDEN); repeatable", func(v string) error {
		if v = strings.TrimSpace(v); v == "" {
			return errors.New("-user-token is empty")
		}
		o.userTokens = append(o.userTokens, v)
		return nil
	})
	fs.Func("self-client", "`CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN` of a Self Client whose refresh token "+emulator.TokenPath+
		" accepts (tokens get scopes "+emulator.ScopeAll+" and "+emulator.ScopeFiles+" and expire after an hour); repeatable", func(v string) error {
		c, err := parseSelfClient(v)
		if err == nil {
			o.selfClients = append(o.selfClients, c)
		}
		return err
	})
	fs.StringVar(&o.seed, "seed", "", "seed one backup in this `status` (e.g. SCHEDULED); empty seeds none")
	fs.StringVar(&o.seedRRule, "seed-rrule", defaultSeedRRule, "`rrule` of the seeded backup")
	fs.StringVar(&o.readyFile, "ready-file", "", "once listening, write {url, backup_id, pid} JSON to this `path`")
	fs.IntVar(&o.quota, "quota", 4, "backups allowed per month before the monthly-limit error (negative: unlimited)")
	fs.StringVar(&o.limitCode, "limit-code", emulator.CodeLimitReached, "`code` of the monthly-limit error: "+
		emulator.CodeLimitReached+" (as Zoho's SDK declares) or "+emulator.CodeLimitExceeded+" (as Zoho's docs say)")
	fs.IntVar(&o.purchased, "purchased-backups", 0, "extra backups the organization has bought, reported as count in history entries")
	fs.BoolVar(&o.notFoundNested, "resource-not-found-nested", false, "answer RESOURCE_NOT_FOUND nested under \"backup\" instead of top-level")
	fs.BoolVar(&o.permissionsNeed, "permissions-needed-key", false, "use details.permissions_needed instead of details.permissions in NO_PERMISSION")
	fs.DurationVar(&o.latency, "latency", 0, "delay every API answer by this `duration` (e.g. 50ms), to model the network round trip to Zoho")
	fs.DurationVar(&o.rtt, "rtt", 0, "model a network round trip of this `duration`: every answer held 1 RTT, every new connection 1 RTT more (TCP), 2 with -tls-cert (TCP and TLS 1.3); overrides -latency")
	fs.StringVar(&o.tlsCertFile, "tls-cert", "", "serve HTTPS with a throwaway self-signed certificate for 127.0.0.1 and localhost, written in PEM to this `path` for clients to trust (SSL_CERT_FILE, curl --cacert)")
	o.download.register(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.limitCode != emulator.CodeLimitReached && o.limitCode != emulator.CodeLimitExceeded {
		return o, fmt.Errorf("-limit-code must be %s or %s, not %q", emulator.CodeLimitReached, emulator.CodeLimitExceeded, o.limitCode)
	}
	return o, nil
}

// networkOptions are the emulator options of -latency, -rtt and -tls-cert.
// With -tls-cert it generates the certificate and writes its PEM there.
func networkOptions(o options) ([]emulator.Option, error) {
	opts := []emulator.Option{emulator.WithLatency(o.latency)}
	if o.rtt > 0 {
		opts = append(opts, emulator.WithRoundTripTime(o.rtt))
	}
	if o.tlsCertFile == "" {
		return opts, nil
	}
	cert, certPEM, err := emulator.NewLoopbackCertificate()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(o.tlsCertFile, certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("-tls-cert: %w", err)
	}
	return append(opts, emulator.WithTLS(cert)), nil
}

func run(ctx context.Context, o options, logger *log.Logger) error {
	network, err := networkOptions(o)
	if err != nil {
		return err
	}
	srv := emulator.New(append(append([]emulator.Option{
		emulator.WithLogger(logger),
		emulator.WithMonthlyQuota(o.quota),
		emulator.WithLimitCode(o.limitCode),
		emulator.WithPurchasedBackups(o.purchased),
		emulator.WithResourceNotFoundNested(o.notFoundNested),
		emulator.WithPermissionsNeededKey(o.permissionsNeed),
	}, network...), o.download.options()...)...)
	if len(o.tokens) == 0 && len(o.selfClients) == 0 {
		logger.Print("warning: no -token or -self-client given; every API request will be refused")
	}
	for _, c := range o.selfClients {
		srv.AddRefreshToken(c.id, c.secret, c.refreshToken, emulator.ScopeAll, emulator.ScopeFiles)
	}
	for _, t := range o.tokens {
		srv.AddToken(t, emulator.ScopeAll, emulator.ScopeFiles)
	}
	for _, t := range o.scopedTokens {
		srv.AddToken(t[0], t[1:]...)
	}
	for _, t := range o.userTokens {
		srv.AddNonAdminToken(t, emulator.ScopeAll, emulator.ScopeFiles)
	}
	var backupID string
	if o.seed != "" {
		b, err := srv.TrySeedBackup(strings.ToUpper(o.seed), o.seedRRule)
		if err != nil {
			return err
		}
		backupID = b.ID
	}
	if err := srv.StartOn(o.listen); err != nil {
		return err
	}
	defer srv.Close()
	logger.Printf("listening on %s, download host %s (%d token(s), %d self client(s), seeded backup %q)",
		srv.URL(), srv.DownloadURL(), len(o.tokens), len(o.selfClients), backupID)

	if o.readyFile != "" {
		if err := writeReadyFile(o.readyFile, srv.URL(), srv.DownloadURL(), backupID); err != nil {
			return err
		}
		// A stale ready file would tell the next script run that a dead
		// emulator is up.
		defer func() { _ = os.Remove(o.readyFile) }()
	}
	<-ctx.Done()
	logger.Print("shutting down")
	return nil
}

// writeReadyFile writes the file next to its final name and renames it into
// place, so readers see either nothing or the whole JSON document.
func writeReadyFile(path, url, downloadURL, backupID string) error {
	data, err := json.Marshal(map[string]any{"url": url, "download_url": downloadURL, "backup_id": backupID, "pid": os.Getpid()})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // No-op after a successful rename.
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("ready file: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("ready file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	return nil
}
