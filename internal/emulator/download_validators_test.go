package emulator

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// validators returns an answer's ETag and Last-Modified, checking their form.
func validators(t *testing.T, f fetched) (string, time.Time) {
	t.Helper()
	etag := f.header.Get("ETag")
	if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' || strings.HasPrefix(etag, "W/") {
		t.Fatalf("%d: ETag %q is not a strong quoted entity tag", f.status, etag)
	}
	modified, err := http.ParseTime(f.header.Get("Last-Modified"))
	if err != nil {
		t.Fatalf("%d: Last-Modified %q: %v", f.status, f.header.Get("Last-Modified"), err)
	}
	return etag, modified
}

func TestDownloadValidatorsOnEveryFileAnswer(t *testing.T) {
	_, _, b := newDownloadServer(t)
	link := b.DataLinks[0]
	etag, modified := validators(t, get(t, link))
	for _, f := range []fetched{
		get(t, link, "Range", "bytes=10-"),
		get(t, link, "Range", "bytes=999999999-"),
		fetch(t, nil, http.MethodHead, link, filesToken),
	} {
		if e, m := validators(t, f); e != etag || !m.Equal(modified) {
			t.Errorf("%d: ETag %s, Last-Modified %v; want %s, %v as on the 200", f.status, e, m, etag, modified)
		}
	}
	if other, _ := validators(t, get(t, b.AttachmentLinks[0])); other == etag {
		t.Errorf("two files share the ETag %s", etag)
	}
	if !modified.Equal(start.UTC().Truncate(time.Second)) {
		t.Errorf("Last-Modified %v, want the emulator clock's %v", modified, start)
	}
}

func TestDownloadIfRange(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(100_000))
	link := b.DataLinks[0]
	etag, modified := validators(t, get(t, link))
	for _, tt := range []struct {
		ifRange, rng string
		status       int
	}{
		{etag, "bytes=1000-", http.StatusPartialContent},
		{modified.Format(http.TimeFormat), "bytes=1000-", http.StatusPartialContent},
		{`"another"`, "bytes=1000-", http.StatusOK},
		{"W/" + etag, "bytes=1000-", http.StatusOK},
		{modified.Add(-time.Second).Format(http.TimeFormat), "bytes=1000-", http.StatusOK},
		{"not a date", "bytes=1000-", http.StatusOK},
		{etag, "bytes=100000-", http.StatusRequestedRangeNotSatisfiable},
		{`"another"`, "bytes=100000-", http.StatusOK},
	} {
		f := get(t, link, "Range", tt.rng, "If-Range", tt.ifRange)
		if f.status != tt.status {
			t.Errorf("If-Range %s, Range %s: %d, want %d", tt.ifRange, tt.rng, f.status, tt.status)
		}
		if tt.status == http.StatusOK {
			wantFile(t, s, link, f)
		}
	}
	if r := s.DownloadRequests()[1]; r.IfRange != etag || r.Range != "bytes=1000-" {
		t.Errorf("recorded %+v, want If-Range %s", r, etag)
	}
}

func TestDownloadFaultNoContentLength(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(100_000))
	link := b.DataLinks[0]
	s.InjectDownloadFault(DownloadFault{NoContentLength: true})
	whole := get(t, link)
	if whole.status != http.StatusOK || whole.length != -1 || whole.header.Get("Content-Length") != "" || whole.readErr != nil ||
		sha(whole.body) != s.ExpectedSHA256(link) {
		t.Fatalf("chunked 200: %d, length %d, %v, %d bytes", whole.status, whole.length, whole.readErr, len(whole.body))
	}
	validators(t, whole)

	// Cut short, it still ends cleanly: nothing tells the client it is short.
	s.InjectDownloadFault(DownloadFault{NoContentLength: true, TruncateAfter: 40_000})
	short := get(t, link)
	if short.status != http.StatusOK || short.length != -1 || short.readErr != nil || !bytes.Equal(short.body, whole.body[:40_000]) {
		t.Fatalf("short chunked 200: %d, length %d, %v, %d bytes", short.status, short.length, short.readErr, len(short.body))
	}

	s.InjectDownloadFault(DownloadFault{NoContentLength: true})
	rest := get(t, link, "Range", "bytes=1000-")
	if rest.status != http.StatusPartialContent || rest.header.Get("Content-Range") != "bytes 1000-99999/*" || rest.length != -1 ||
		!bytes.Equal(rest.body, whole.body[1000:]) {
		t.Fatalf("206 of unknown total: %d, Content-Range %q, length %d, %d bytes", rest.status, rest.header.Get("Content-Range"), rest.length, len(rest.body))
	}
	s.InjectDownloadFault(DownloadFault{NoContentLength: true, TruncateAfter: 500})
	part := get(t, link, "Range", "bytes=1000-")
	if part.header.Get("Content-Range") != "bytes 1000-1499/*" || part.readErr != nil || !bytes.Equal(part.body, whole.body[1000:1500]) {
		t.Fatalf("short 206: Content-Range %q, %v, %d bytes", part.header.Get("Content-Range"), part.readErr, len(part.body))
	}
	wantFile(t, s, link, get(t, link)) // each fault once
}

func TestDownloadFaultContentRange(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(100_000))
	const lie = "bytes 1000-9223372036854775807/*"
	s.InjectDownloadFault(DownloadFault{ContentRange: lie})
	f := get(t, b.DataLinks[0], "Range", "bytes=1000-")
	if f.status != http.StatusPartialContent || f.header.Get("Content-Range") != lie || len(f.body) != 99_000 {
		t.Fatalf("%d, Content-Range %q, %d bytes", f.status, f.header.Get("Content-Range"), len(f.body))
	}
}

func TestDownloadFaultChangeETagAfter(t *testing.T) {
	s, clk, b := newDownloadServer(t, WithDownloadSize(100_000))
	link := b.DataLinks[0]
	s.InjectDownloadFault(DownloadFault{File: "Data_001.zip", ChangeETagAfter: 2})
	s.InjectDownloadFault(DownloadFault{DropAfter: 30_000})
	first := get(t, link) // dropped, and the first of the two
	oldTag, oldModified := validators(t, first)
	oldSum := s.ExpectedSHA256(link)
	wantFile(t, s, b.AttachmentLinks[0], get(t, b.AttachmentLinks[0])) // another file: not counted
	if again := get(t, link, "Range", "bytes=30000-", "If-Range", oldTag); again.status != http.StatusPartialContent {
		t.Fatalf("the second GET: %d, want 206 of the unchanged file", again.status)
	}
	clk.Advance(time.Minute)
	changed := get(t, link, "Range", "bytes=30000-", "If-Range", oldTag)
	newTag, newModified := validators(t, changed)
	if changed.status != http.StatusOK || newTag == oldTag || !newModified.After(oldModified) || s.ExpectedSHA256(link) == oldSum {
		t.Fatalf("after 2 GETs: %d, ETag %s (was %s), Last-Modified %v (was %v)", changed.status, newTag, oldTag, newModified, oldModified)
	}
	wantFile(t, s, link, changed)
	if _, err := checkArchive(t, changed.body); err != nil {
		t.Fatalf("the new version is not a ZIP: %v", err)
	}
	if same, _ := validators(t, get(t, link)); same != newTag {
		t.Fatalf("the file changed again (%s): the fault is once", same)
	}
}

func TestChangeDownloadOnDemand(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadFiles(2, 1))
	before := map[string]string{}
	for _, link := range append(b.DataLinks, b.AttachmentLinks...) {
		before[link] = s.ExpectedSHA256(link)
	}
	if n := s.ChangeDownload("Data_002.zip"); n != 1 {
		t.Fatalf("ChangeDownload(Data_002.zip) changed %d files, want 1", n)
	}
	for link, sum := range before {
		if changed := s.ExpectedSHA256(link) != sum; changed != strings.HasSuffix(link, "Data_002.zip") {
			t.Errorf("%s: changed %v", link, changed)
		}
		wantFile(t, s, link, get(t, link))
	}
	if n := s.ChangeDownload(""); n != 3 {
		t.Fatalf(`ChangeDownload("") changed %d files, want 3`, n)
	}
}

func TestZipLayoutOverlappingEntries(t *testing.T) {
	s, _, b := newDownloadServer(t)
	s.InjectDownloadFault(DownloadFault{Layout: OverlappingEntries()})
	f := get(t, b.DataLinks[0])
	if f.status != http.StatusOK || len(f.body) > 70_000 || f.header.Get("Content-Length") != strconv.Itoa(len(f.body)) {
		t.Fatalf("%d, %d bytes, Content-Length %s", f.status, len(f.body), f.header.Get("Content-Length"))
	}
	if tag, _ := validators(t, f); tag == get(t, b.DataLinks[0]).header.Get("ETag") {
		t.Fatal("the layout has the file's ETag")
	}
	zr, err := zip.NewReader(bytes.NewReader(f.body), int64(len(f.body)))
	if err != nil || len(zr.File) != 64 {
		t.Fatalf("%v, %d entries", err, len(zr.File))
	}
	var total uint64
	first, _ := zr.File[0].DataOffset()
	for _, e := range zr.File {
		off, err := e.DataOffset()
		if err != nil || off != first {
			t.Fatalf("%s at %d (%v): the entries do not overlap", e.Name, off, err)
		}
		total += e.UncompressedSize64
	}
	if total != 4<<30 {
		t.Fatalf("%d bytes of entries, want 4 GiB", total)
	}
	rc, _ := zr.File[63].Open()
	n, err := io.Copy(io.Discard, rc)
	if err != nil || n != 64<<20 {
		t.Fatalf("one entry: %d bytes, %v", n, err)
	}
}

func TestZipLayoutManyEntries(t *testing.T) {
	for _, n := range []int{10, 0xFFFF, 70_000} {
		m := newManyEntries(n)
		body := make([]byte, m.Size())
		if _, err := m.ReadAt(body, 0); err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int64{1, 37, 38, 39, m.central - 1, m.central + 53, m.Size() - 23, m.Size() - 1} {
			piece := make([]byte, min(100, m.Size()-cut))
			if _, err := m.ReadAt(piece, cut); (err != nil && err != io.EOF) || !bytes.Equal(piece, body[cut:cut+int64(len(piece))]) {
				t.Fatalf("%d entries: ReadAt(%d) differs from the whole (%v)", n, cut, err)
			}
		}
		zr, err := zip.NewReader(bytes.NewReader(body), m.Size())
		if err != nil || len(zr.File) != n {
			t.Fatalf("%d entries: %v, read %d", n, err, len(zr.File))
		}
		if m.Size() != int64(n)*92+22+map[bool]int64{true: 76}[n > 0xFFFF] {
			t.Errorf("%d entries in %d bytes", n, m.Size())
		}
	}
	s, _, b := newDownloadServer(t)
	s.InjectDownloadFault(DownloadFault{Layout: ManyEntries(70_000), Times: -1})
	f := get(t, b.DataLinks[0])
	if f.status != http.StatusOK || int64(len(f.body)) != newManyEntries(70_000).Size() {
		t.Fatalf("%d, %d bytes", f.status, len(f.body))
	}
	tag, _ := validators(t, f)
	if part := get(t, b.DataLinks[0], "Range", "bytes=100-", "If-Range", tag); part.status != http.StatusPartialContent || !bytes.Equal(part.body, f.body[100:]) {
		t.Fatalf("a range of the layout: %d, %d bytes", part.status, len(part.body))
	}
}

// adminCall sends method to the emulator's /_emulator/path with body.
func adminCall(t *testing.T, s *Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+"/_emulator/"+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func TestAdminDownloadFaults(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(100_000))
	link := b.DataLinks[0]
	for _, fault := range []string{`{"no_content_length":true,"truncate_after":40000}`, `{"layout":"many:5"}`, `{"error":"FORBIDDEN","file":"Data_001.zip"}`} {
		if status, raw := adminCall(t, s, http.MethodPost, "downloads/faults", fault); status != http.StatusNoContent {
			t.Fatalf("fault %s: %d %s", fault, status, raw)
		}
	}
	if f := get(t, link); f.length != -1 || len(f.body) != 40_000 {
		t.Errorf("the no_content_length fault: length %d, %d bytes", f.length, len(f.body))
	}
	if f := get(t, link); int64(len(f.body)) != newManyEntries(5).Size() {
		t.Errorf("the layout fault: %d bytes", len(f.body))
	}
	wantDownloadError(t, get(t, link), http.StatusForbidden, CodeForbidden, msgForbidden)
	for _, bad := range []string{`{"layout":"many:x"}`, `{"drop":1}`, `nope`} {
		if status, _ := adminCall(t, s, http.MethodPost, "downloads/faults", bad); status != http.StatusBadRequest {
			t.Errorf("fault %s: %d, want 400", bad, status)
		}
	}
	adminCall(t, s, http.MethodPost, "downloads/faults", `{"times":-1,"drop_after":10}`)
	if status, _ := adminCall(t, s, http.MethodDelete, "downloads/faults", ""); status != http.StatusNoContent {
		t.Fatalf("DELETE faults: %d", status)
	}
	wantFile(t, s, link, get(t, link))
	if status, _ := adminCall(t, s, http.MethodPut, "downloads/faults", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("PUT faults: %d", status)
	}
}

func TestAdminDownloadContentAndRequests(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(100_000))
	link := b.DataLinks[0]
	status, raw := adminCall(t, s, http.MethodGet, "downloads/sha256?link="+url.QueryEscape(link), "")
	var sum struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	if err := json.Unmarshal(raw, &sum); status != http.StatusOK || err != nil || sum.SHA256 != s.ExpectedSHA256(link) || sum.Size != 100_000 {
		t.Fatalf("sha256: %d %s", status, raw)
	}
	if status, _ := adminCall(t, s, http.MethodGet, "downloads/sha256?link=nope", ""); status != http.StatusBadRequest {
		t.Errorf("sha256 of no link: %d", status)
	}
	wantFile(t, s, link, get(t, link))
	if status, raw := adminCall(t, s, http.MethodPost, "downloads/change?file=Data_001.zip", ""); status != http.StatusOK || !bytes.Contains(raw, []byte(`"changed":1`)) {
		t.Fatalf("change: %d %s", status, raw)
	}
	if s.ExpectedSHA256(link) == sum.SHA256 {
		t.Fatal("the change endpoint left the file as it was")
	}
	wantFile(t, s, link, get(t, link))
	status, raw = adminCall(t, s, http.MethodGet, "downloads", "")
	var reqs []map[string]any
	if err := json.Unmarshal(raw, &reqs); status != http.StatusOK || err != nil || len(reqs) != 2 || reqs[0]["status"] != float64(200) {
		t.Fatalf("downloads: %d %s", status, raw)
	}
	if status, _ := adminCall(t, s, http.MethodDelete, "downloads", ""); status != http.StatusNoContent || len(s.DownloadRequests()) != 0 {
		t.Fatalf("DELETE downloads: %d, %d left", status, len(s.DownloadRequests()))
	}
}
