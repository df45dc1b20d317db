package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/rules"
)

type waivedDiag struct {
	Diagnostics []struct {
		Code, Severity, Path string
		Waived               *struct{ Reason, Expires, Path string }
	}
	Errors, Warnings, Waived int
}

func vetJSON(t *testing.T, args ...string) (int, waivedDiag) {
	t.Helper()
	code, out, errb := run(t, append([]string{"vet", "--format", "json"}, args...)...)
	var r waivedDiag
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, out, errb)
	}
	return code, r
}

// homelabWithWaivers writes the homelab example with one waiver per finding of the codes given (taken from
// vet's own output, so the waivers name the code and path ibcmc prints), then the extra waivers (CUE list
// elements).
func homelabWithWaivers(t *testing.T, dir string, codes map[string]bool, extra string) string {
	t.Helper()
	_, lax := vetJSON(t, "examples/homelab/site.cue")
	src, err := os.ReadFile("examples/homelab/site.cue")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.Write(src)
	b.WriteString("\nwaivers: [\n")
	for _, d := range lax.Diagnostics {
		if codes[d.Code] {
			fmt.Fprintf(&b, "\t{code: %q, path: %q, reason: \"lab only: the router is the lab's\", expires: \"2999-12-31\"},\n", d.Code, d.Path)
		}
	}
	b.WriteString(extra + "]\n")
	p := filepath.Join(dir, "site.cue")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// homelab's port forwarding (IB403) is a warning a lab lives with, so `vet --strict` fails forever; a waiver
// accepts it (and the other lab warnings): vet --strict then passes, and the findings stay visible, marked
// waived with the reason.
func TestWaiverLetsHomelabPassStrict(t *testing.T) {
	code, lax := vetJSON(t, "--strict", "examples/homelab/site.cue")
	if code != 1 {
		t.Fatalf("homelab without waivers: vet --strict exit %d, %+v", code, lax)
	}
	warned := map[string]bool{}
	for _, d := range lax.Diagnostics {
		warned[d.Code] = true
	}
	if !warned["IB403"] {
		t.Fatalf("homelab no longer reports IB403: %+v", lax)
	}
	p := homelabWithWaivers(t, t.TempDir(), warned, "")
	code, r := vetJSON(t, "--strict", p)
	if code != 0 || r.Errors != 0 || r.Warnings != 0 || r.Waived != len(lax.Diagnostics) {
		t.Fatalf("waived homelab: vet --strict exit %d, %+v", code, r)
	}
	for _, d := range r.Diagnostics {
		if d.Waived == nil || d.Waived.Reason != "lab only: the router is the lab's" || d.Waived.Expires != "2999-12-31" || d.Severity != "warning" {
			t.Errorf("%s at %s: %s, waived %+v", d.Code, d.Path, d.Severity, d.Waived)
		}
	}
	code, _, errb := run(t, "vet", "--strict", p)
	if code != 0 || !strings.Contains(errb, "    waived: lab only: the router is the lab's (waivers[") ||
		!strings.HasSuffix(errb, fmt.Sprintf("ok: 0 error(s), 0 warning(s), %d waived\n", len(lax.Diagnostics))) {
		t.Errorf("text: exit %d\n%s", code, errb)
	}
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errb := run(t, "build", "--strict", p, "-o", out); code != 0 {
		t.Fatalf("build --strict of the waived design: exit %d\n%s", code, errb)
	}
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "- **warning, waived** `IB403` port-forwarding at `publishing.router.mode`") ||
		!strings.Contains(string(report), "**Waived:** lab only: the router is the lab's (waivers\\[") {
		t.Errorf("report.md does not show the waived finding:\n%s", report)
	}
}

// An expired waiver or one that accepts nothing is a warning of its own (IB001), so --strict catches it;
// an expired waiver accepts nothing, so its finding counts again.
func TestStaleWaiversFailStrict(t *testing.T) {
	p := homelabWithWaivers(t, t.TempDir(), map[string]bool{"IB403": true},
		"\t{code: \"IB403\", path: \"publishing.gone.mode\", reason: \"left over\"},\n")
	code, r := vetJSON(t, "--strict", p)
	var got []string
	for _, d := range r.Diagnostics {
		if d.Code == "IB001" || d.Code == "IB403" {
			got = append(got, fmt.Sprintf("%s %s %s waived=%v", d.Code, d.Severity, d.Path, d.Waived != nil))
		}
	}
	want := []string{"IB403 warning publishing.router.mode waived=true", "IB001 error waivers[1] waived=false"}
	if code != 1 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exit %d:\n got %q\nwant %q", code, got, want)
	}

	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	expired := strings.Replace(strings.Replace(string(src), "2999-12-31", "2001-01-01", 1), "\t{code: \"IB403\", path: \"publishing.gone.mode\", reason: \"left over\"},\n", "", 1)
	if err := os.WriteFile(p, []byte(expired), 0o644); err != nil {
		t.Fatal(err)
	}
	code, r = vetJSON(t, p)
	got = nil
	for _, d := range r.Diagnostics {
		if d.Code == "IB001" || d.Code == "IB403" {
			got = append(got, fmt.Sprintf("%s %s %s waived=%v", d.Code, d.Severity, d.Path, d.Waived != nil))
		}
	}
	want = []string{"IB403 warning publishing.router.mode waived=false", "IB001 warning waivers[0].expires waived=false"}
	if code != 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("expired: exit %d:\n got %q\nwant %q", code, got, want)
	}
}

// --format github: one workflow command per finding, file names relative to the repository root.
func TestVetGitHub(t *testing.T) {
	code, out, _ := run(t, "vet", "--format", "github", "examples/homelab/site.cue")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := `::warning file=examples/homelab/site.cue,line=36,col=2,title=IB403 port-forwarding::publishing.router.mode: publishing entry "router" forwards ports straight to site systems: the least secure way to publish, acceptable in a lab only. Fix: use mode "sslBridging" or "sslTunneling" through a reverse proxy in a perimeter zone.`
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	found := false
	for _, l := range lines {
		if !strings.HasPrefix(l, "::warning ") && !strings.HasPrefix(l, "::error ") && !strings.HasPrefix(l, "::notice ") {
			t.Errorf("not a workflow command: %q", l)
		}
		found = found || l == want
	}
	if !found {
		t.Errorf("no line\n%s\nin\n%s", want, out)
	}

	code, out, _ = run(t, "vet", "--format", "github", typoDesign(t))
	if code != 1 || !strings.HasPrefix(out, "::error file=") || !strings.Contains(out, ",title=IB000 schema::") {
		t.Errorf("typo: exit %d\n%s", code, out)
	}
}

type sarifURIs struct {
	Runs []struct {
		Results []struct {
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI, URIBaseID string }
				}
			}
		}
	}
}

func sarifURI(t *testing.T, args ...string) (uri, base string) {
	t.Helper()
	_, out, errb := run(t, append([]string{"vet", "--format", "sarif"}, args...)...)
	var log sarifURIs
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errb)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("%v: no results\n%s", args, out)
	}
	a := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation
	return a.URI, a.URIBaseID
}

// SARIF names files relative to the repository root (the git work tree of the design, or --sarif-root),
// which is how GitHub finds them in the checkout.
func TestSARIFURIsRelativeToRepositoryRoot(t *testing.T) {
	if uri, base := sarifURI(t, "examples/homelab/site.cue"); uri != "examples/homelab/site.cue" || base != "%SRCROOT%" {
		t.Errorf("repository design: %s %s", uri, base)
	}
	if uri, base := sarifURI(t, "--sarif-root", "examples", "examples/homelab/site.cue"); uri != "homelab/site.cue" || base != "%SRCROOT%" {
		t.Errorf("--sarif-root: %s %s", uri, base)
	}
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repo, "infra", "config manager")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := homelabWithWaivers(t, dir, nil, "")
	if uri, base := sarifURI(t, p); uri != "infra/config%20manager/site.cue" || base != "%SRCROOT%" {
		t.Errorf("design in another work tree: %s %s", uri, base)
	}
	if uri, base := sarifURI(t, "--sarif-root", "examples", p); uri != "file://"+strings.ReplaceAll(filepath.ToSlash(p), " ", "%20") || base != "" {
		t.Errorf("design outside --sarif-root: %s %s", uri, base)
	}
}

// The SARIF rule table: every reported rule with a full description, help as text and Markdown, and a
// help URI: the rule's Microsoft Learn source, or for ibcmc's own checks the anchor of the rule's section in
// docs/rules.md (the catalog `explain --format markdown` writes), which must exist.
func TestSARIFRuleTable(t *testing.T) {
	var catalog strings.Builder
	writeCatalogMarkdown(&catalog, rules.All())
	infos := sarifRules()
	if len(infos) == 0 {
		t.Fatal("no rules")
	}
	for _, r := range infos {
		rule := rules.Lookup(r.Code)
		if r.Full == "" || r.Help == "" || r.HelpMD == "" || strings.HasPrefix(r.HelpMD, "## ") {
			t.Errorf("%s: full %q, help %q, markdown %q", r.Code, r.Full, r.Help, r.HelpMD)
		}
		if !strings.Contains(r.Help, rule.Summary) || !strings.Contains(r.Help, "Source: ") {
			t.Errorf("%s: help text is not the explain text: %q", r.Code, r.Help)
		}
		switch {
		case rule.Source != "":
			if r.HelpURI != rule.Source {
				t.Errorf("%s: helpUri %q, want the rule's source %q", r.Code, r.HelpURI, rule.Source)
			}
		default:
			heading := "## " + r.Code + " " + r.Name
			slug := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(heading, "## "), " ", "-"))
			if r.HelpURI != repositoryURL+"/blob/main/docs/rules.md#"+slug || !strings.Contains(catalog.String(), "\n"+heading+"\n") {
				t.Errorf("%s: helpUri %q does not name the heading %q of docs/rules.md", r.Code, r.HelpURI, heading)
			}
		}
	}
	ib001 := infos[slices.IndexFunc(infos, func(r diag.RuleInfo) bool { return r.Code == "IB001" })]
	if want := "an entry of waivers that accepts nothing: its expires day has passed (compared with today's date in UTC) or is not a calendar day; no finding of its code lies at its path or below it; or its code is one whose findings cannot be waived. A waiver accepts the findings of one rule at one place of the design: they stay in every output (the report, JSON, SARIF as suppressed results), marked waived with the reason, but no longer count as errors or warnings for the exit status and --strict."; ib001.Full != want {
		t.Errorf("IB001 full description is not its What paragraph:\n got %q\nwant %q", ib001.Full, want)
	}
}
