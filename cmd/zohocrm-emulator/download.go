package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// downloadFlags are the download host's flags: its files and its faults.
type downloadFlags struct {
	listen          string
	size            byteSize
	dataFiles       int
	attachmentFiles int
	linkLifetime    time.Duration
	listExpired     bool
	throughput      byteSize
	dropAfter       byteSize
	dropTimes       int
	truncateAfter   byteSize
	ignoreRange     bool
	corrupt         bool
	noLength        bool
	changeAfter     int
	errorCode       string
	errorTimes      int
}

func (d *downloadFlags) register(fs *flag.FlagSet) {
	d.size = byteSize(emulator.DefaultDownloadSize)
	fs.StringVar(&d.listen, "download-listen", "", "loopback `address` of the download host (default: the API's IP, any port)")
	fs.Var(&d.size, "download-size", "`size` of every generated ZIP file, in bytes or with a KiB, MiB or GiB suffix (e.g. 1GiB)")
	fs.IntVar(&d.dataFiles, "data-files", 1, "Data_NNN.zip links a completed backup gets")
	fs.IntVar(&d.attachmentFiles, "attachment-files", 1, "Attachments_NNN.zip links a completed backup gets")
	fs.DurationVar(&d.linkLifetime, "link-lifetime", 7*24*time.Hour, "how long download links stay valid after a backup completes")
	fs.BoolVar(&d.listExpired, "listed-expired-links", false, "keep listing links in GET /backup/urls after they expire (the download host still refuses them)")
	fs.Var(&d.throughput, "download-throughput", "cap each download at this many `bytes` a second (KiB, MiB, GiB suffixes); 0: no cap")
	fs.Var(&d.dropAfter, "download-drop-after", "close the connection after this many body `bytes` of a download")
	fs.IntVar(&d.dropTimes, "download-drop-times", 1, "how many downloads -download-drop-after drops (negative: all)")
	fs.Var(&d.truncateAfter, "download-truncate-after", "send only this many body `bytes` of every download, under the full Content-Length")
	fs.BoolVar(&d.ignoreRange, "download-ignore-range", false, "answer every download 200 with the whole file, ignoring Range")
	fs.BoolVar(&d.corrupt, "download-corrupt", false, "serve every file with a byte flipped inside its first entry (the CRC-32 check fails)")
	fs.BoolVar(&d.noLength, "download-no-content-length", false, "answer every download without Content-Length (chunked; a range's total is *)")
	fs.IntVar(&d.changeAfter, "download-change-after", 0, "after this many downloads of a file, give it new bytes and a new ETag (once)")
	fs.StringVar(&d.errorCode, "download-error", "", "answer downloads with this error `code`: "+emulator.CodeInvalidToken+" or "+emulator.CodeInvalidOAuthScope+" (401), "+emulator.CodeForbidden+" (403)")
	fs.IntVar(&d.errorTimes, "download-error-times", 1, "how many downloads -download-error answers (negative: all)")
}

// options turns the flags into emulator options. A drop applies to the
// first -download-drop-times downloads, together with the faults that apply
// to every download; an error comes before either.
func (d *downloadFlags) options() []emulator.Option {
	opts := []emulator.Option{
		emulator.WithDownloadSize(int64(d.size)),
		emulator.WithDownloadFiles(d.dataFiles, d.attachmentFiles),
		emulator.WithLinkLifetime(d.linkLifetime),
		emulator.WithListedExpiredLinks(d.listExpired),
		emulator.WithDownloadThroughput(int64(d.throughput)),
	}
	if d.listen != "" {
		opts = append(opts, emulator.WithDownloadAddress(d.listen))
	}
	var faults []emulator.DownloadFault
	if d.errorCode != "" {
		faults = append(faults, emulator.DownloadFault{Error: d.errorCode, Times: timesOf(d.errorTimes)})
	}
	if d.changeAfter > 0 {
		faults = append(faults, emulator.DownloadFault{ChangeETagAfter: d.changeAfter})
	}
	always := emulator.DownloadFault{Times: -1, TruncateAfter: int64(d.truncateAfter), IgnoreRange: d.ignoreRange, Corrupt: d.corrupt,
		NoContentLength: d.noLength}
	if d.dropAfter > 0 {
		drop := always
		drop.DropAfter, drop.Times = int64(d.dropAfter), timesOf(d.dropTimes)
		faults = append(faults, drop)
	}
	if always.TruncateAfter > 0 || always.IgnoreRange || always.Corrupt || always.NoContentLength {
		faults = append(faults, always)
	}
	return append(opts, emulator.WithDownloadFaults(faults...))
}

// timesOf maps a flag's count to DownloadFault.Times, where 0 means once.
func timesOf(n int) int {
	if n == 0 {
		return 1
	}
	return n
}

// byteSize is a flag of bytes, with an optional binary suffix.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(v string) error {
	n, err := parseByteSize(v)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// parseByteSize reads "1048576", "512KiB", "100MiB", "1GiB" (K, M, G and
// KB, MB, GB are read as the binary units too).
func parseByteSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffixes []string
		mult     int64
	}{
		{[]string{"GiB", "GB", "G"}, 1 << 30},
		{[]string{"MiB", "MB", "M"}, 1 << 20},
		{[]string{"KiB", "KB", "K"}, 1 << 10},
	} {
		for _, suffix := range u.suffixes {
			if rest, ok := strings.CutSuffix(s, suffix); ok {
				s, mult = strings.TrimSpace(rest), u.mult
				break
			}
		}
		if mult != 1 {
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size in bytes (e.g. 262144, 256KiB, 1GiB)", v)
	}
	return n * mult, nil
}
