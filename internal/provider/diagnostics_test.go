package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// errorReferenceTemplate is the source of docs/guides/errors.md.
const errorReferenceTemplate = "../../templates/guides/errors.md.tmpl"

// TestErrorReferenceQuotesEveryRemedy: a user who searches the text of a
// diagnostic lands on the error reference, so the page must quote every
// remedy the provider prints, word for word, under its code's heading.
func TestErrorReferenceQuotesEveryRemedy(t *testing.T) {
	raw, err := os.ReadFile(errorReferenceTemplate)
	if err != nil {
		t.Fatal(err)
	}
	page := foldSpace(string(raw))
	for code, remedy := range remedies {
		if !strings.Contains(page, "### "+code+" "+foldSpace(remedy)) {
			t.Errorf("the error reference has no section %q quoting its remedy %q", code, remedy)
		}
		if !strings.Contains(page, "[`"+code+"`](#"+headingAnchor(code)+")") {
			t.Errorf("the error reference's table does not link %s", code)
		}
	}
	for code, remedy := range tokenRemedies {
		if !strings.Contains(page, "### "+code+" "+foldSpace(remedy)) {
			t.Errorf("the error reference has no token-error section %q quoting its remedy %q", code, remedy)
		}
	}
	for _, text := range []string{
		unknownAnswerRemedy,
		unknownTokenAnswerRemedy,
		"with a body that is not a Zoho API response",
		"the Zoho API never redirects; check api_domain",
		"not read further",
		"no complete answer within request_timeout",
		"Zoho still failed after N attempts",
		"did not finish within timeouts.create",
		"The operation was cancelled",
		"The request did not get an answer from Zoho",
		"Invalid provider setting in the environment",
		"was found already cancelled after a retry",
		zoho.ErrMayHaveActed.Error(),
	} {
		if !strings.Contains(page, foldSpace(text)) {
			t.Errorf("the error reference does not explain %q", text)
		}
	}
	for _, summary := range downloadSummaries {
		if !strings.Contains(page, "### "+summary) {
			t.Errorf("the error reference has no section on the download's %q", summary)
		}
	}
}

// downloadSummaries are zohocrm_backup_download's diagnostic summaries, up
// to the first name or number they show.
var downloadSummaries = []string{
	"Zoho reports no backup to download",
	"The backup's download links have expired",
	"Refused to send the access token to",
	"Refused the file name of a download link Zoho reported",
	"Refused a download link Zoho reported",
	"The access token may not download backup files",
	"Failed to download",
	"The download of",
	"Downloaded",
	"Cannot use the local files of",
	"Not enough free disk space for the backup",
	"The download was interrupted",
	"The download did not finish within timeout",
}

// headingAnchor is the anchor Markdown renderers give the heading "### code":
// lower case, spaces as hyphens ("Not Modified" is #not-modified).
func headingAnchor(code string) string {
	return strings.ReplaceAll(strings.ToLower(code), " ", "-")
}

// TestEveryErrorCodeHasARemedy: each error code the client knows has a
// remedy (and so a section in the error reference). The codes are read from
// the client's own declarations (the Code* constants of internal/zoho), so a
// code added there without a remedy fails here.
func TestEveryErrorCodeHasARemedy(t *testing.T) {
	codes := zohoCodes(t)
	if len(codes) < 10 {
		t.Fatalf("found only %d Code* constants in %s: %v", len(codes), zohoErrorsFile, codes)
	}
	for name, code := range codes {
		switch code {
		case zoho.CodeSuccess, zoho.CodeAlreadyCancelled:
			continue // outcomes the cancellation records, not errors
		}
		if remedies[code] == "" {
			t.Errorf("no remedy for zoho.%s (%s)", name, code)
		}
	}
}

// zohoErrorsFile declares the Zoho codes the client knows.
const zohoErrorsFile = "../zoho/errors.go"

// zohoCodes returns the Code* string constants of zohoErrorsFile, by name.
func zohoCodes(t *testing.T) map[string]string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), zohoErrorsFile, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if !strings.HasPrefix(name.Name, "Code") || i >= len(spec.Values) {
				continue
			}
			if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				codes[name.Name], _ = strconv.Unquote(lit.Value)
			}
		}
		return true
	})
	return codes
}

// resourcePages are the templates whose error tables list the Zoho codes a
// resource meets.
var resourcePages = []string{
	"../../templates/resources/backup_cancellation.md.tmpl",
	"../../templates/resources/backup_schedule.md.tmpl",
}

// errorTableRow is a row of a resource page's error table: code, an optional
// note such as "(destroy)", HTTP status, meaning and the link to what to do.
var errorTableRow = regexp.MustCompile("^\\| `([A-Z_]+)`( \\([a-z]+\\))? \\| (\\d{3}) \\| (.+) \\| \\[What to do\\]\\(\\.\\./guides/errors\\.md#([a-z_]+)\\) \\|$")

// TestResourcePagesErrorTablesFollowTheCode: the error tables of the resource
// pages say each fact once. Meaning is the first sentence of the remedy the
// diagnostic prints, the HTTP status is the error reference's, and what to do
// is a link to the reference's section, which quotes the whole remedy.
func TestResourcePagesErrorTablesFollowTheCode(t *testing.T) {
	guide, err := os.ReadFile(errorReferenceTemplate)
	if err != nil {
		t.Fatal(err)
	}
	guideStatus := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| \\[`([A-Z_]+)`\\]\\(#[a-z_]+\\) \\| (\\d{3}) \\|").FindAllStringSubmatch(string(guide), -1) {
		guideStatus[m[1]] = m[2]
	}
	for _, page := range resourcePages {
		raw, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, line := range strings.Split(string(raw), "\n") {
			if !strings.HasPrefix(line, "| `") {
				continue
			}
			rows++
			checkErrorTableRow(t, page, line, guideStatus)
		}
		if rows == 0 {
			t.Errorf("%s has no error table", page)
		}
	}
}

func checkErrorTableRow(t *testing.T, page, line string, guideStatus map[string]string) {
	t.Helper()
	m := errorTableRow.FindStringSubmatch(line)
	if m == nil {
		t.Errorf("%s: the row %q is not | `CODE` | HTTP | meaning | [What to do](../guides/errors.md#code) |", page, line)
		return
	}
	code, status, meaning, anchor := m[1], m[3], m[4], m[5]
	remedy, known := remedies[code]
	switch {
	case !known:
		t.Errorf("%s: %s has no remedy in the provider", page, code)
	case meaning != firstSentence(remedy):
		t.Errorf("%s: the meaning of %s is %q, want the remedy's first sentence %q", page, code, meaning, firstSentence(remedy))
	}
	if status != guideStatus[code] {
		t.Errorf("%s: %s is HTTP %s, the error reference says %q", page, code, status, guideStatus[code])
	}
	if anchor != strings.ToLower(code) {
		t.Errorf("%s: %s links to #%s, want #%s", page, code, anchor, strings.ToLower(code))
	}
}

// firstSentence is text up to its first full stop followed by a space.
func firstSentence(text string) string {
	if i := strings.Index(text, ". "); i >= 0 {
		return text[:i+1]
	}
	return text
}
