package diag

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var sample = List{
	{Code: "IB702", Name: "distribution-point-load", Severity: Warning, Path: "systems.dp1.roles.distributionPoint",
		Message: "18,600 internet clients over 1 internet-facing distribution point(s) is 18,600 per distribution point; one supports 4,000",
		Hint:    "add internet-facing distribution points: 18,600 clients need at least 5",
		Pos:     Pos{File: "designs/a,b:c.cue", Line: 64, Column: 4}},
	{Code: "IB403", Name: "port-forwarding", Severity: Error, Path: "publishing.router.mode",
		Message: "100% of traffic\r\nforwarded", Pos: Pos{File: "designs/site.cue", Line: 36, Column: 2},
		Waived: &Waiver{Reason: "lab only", Expires: "2027-06-30", Path: "waivers[0]"}},
	{Code: "IB405", Name: "third-party-bridging", Severity: Info, Message: "review the proxy configuration."},
}

// Message and hint are separate sentences in the single-text outputs.
func TestTextSentences(t *testing.T) {
	got := Text(sample[0])
	want := "18,600 internet clients over 1 internet-facing distribution point(s) is 18,600 per distribution point; one supports 4,000. Fix: add internet-facing distribution points: 18,600 clients need at least 5."
	if got != want {
		t.Errorf("Text:\n got %q\nwant %q", got, want)
	}
	if got := Text(sample[2]); got != "review the proxy configuration." {
		t.Errorf("a message ending a sentence got a second full stop: %q", got)
	}
}

// One workflow command per finding, with the runner's escaping: %, CR and LF everywhere, and ':' and ','
// in property values, which would otherwise end them.
func TestWriteGitHub(t *testing.T) {
	var b bytes.Buffer
	files := &FileNames{Root: filepath.FromSlash("/repo"), Cwd: filepath.FromSlash("/repo")}
	if err := WriteGitHub(&b, sample, files); err != nil {
		t.Fatal(err)
	}
	want := "::warning file=designs/a%2Cb%3Ac.cue,line=64,col=4,title=IB702 distribution-point-load::systems.dp1.roles.distributionPoint: 18,600 internet clients over 1 internet-facing distribution point(s) is 18,600 per distribution point; one supports 4,000. Fix: add internet-facing distribution points: 18,600 clients need at least 5.\n" +
		"::notice file=designs/site.cue,line=36,col=2,title=IB403 port-forwarding (waived)::publishing.router.mode: 100%25 of traffic forwarded. Waived: lab only (waivers[0], until 2027-06-30).\n" +
		"::notice title=IB405 third-party-bridging::review the proxy configuration.\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("github (-want +got):\n%s", d)
	}
}

func TestEscapeWorkflowCommand(t *testing.T) {
	if got := escapeData("50%\r\nnext: a, b"); got != "50%25%0D%0Anext: a, b" {
		t.Errorf("data: %q", got)
	}
	if got := escapeProperty("50%\r\nnext: a, b"); got != "50%25%0D%0Anext%3A a%2C b" {
		t.Errorf("property: %q", got)
	}
}

func TestFileNamesRelativeToRoot(t *testing.T) {
	f := &FileNames{Root: filepath.FromSlash("/repo"), Cwd: filepath.FromSlash("/repo/sub")}
	for _, c := range []struct {
		name, want string
		inside     bool
	}{
		{"site.cue", "sub/site.cue", true},
		{"../examples/x.cue", "examples/x.cue", true},
		{"../../elsewhere/y.cue", "/elsewhere/y.cue", false},
		{filepath.FromSlash("/repo2/z.cue"), "/repo2/z.cue", false}, // a sibling that shares the root's prefix
	} {
		got, inside := f.Relative(filepath.FromSlash(c.name))
		if got != c.want || inside != c.inside {
			t.Errorf("%s: got %q %v, want %q %v", c.name, got, inside, c.want, c.inside)
		}
	}
}

func TestWriteTextAndJSONShowWaivers(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sample[:2]); err != nil {
		t.Fatal(err)
	}
	want := "designs/a,b:c.cue:64:4: warning IB702 distribution-point-load: systems.dp1.roles.distributionPoint: 18,600 internet clients over 1 internet-facing distribution point(s) is 18,600 per distribution point; one supports 4,000\n" +
		"    hint: add internet-facing distribution points: 18,600 clients need at least 5\n" +
		"designs/site.cue:36:2: error IB403 port-forwarding: publishing.router.mode: 100% of traffic forwarded\n" +
		"    waived: lab only (waivers[0], until 2027-06-30)\n" +
		"0 error(s), 1 warning(s), 1 waived\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("text (-want +got):\n%s", d)
	}

	b.Reset()
	if err := WriteJSON(&b, sample); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Diagnostics []struct {
			Code   string
			Waived *struct{ Reason, Expires, Path string }
		}
		Errors, Warnings, Waived int
	}
	if err := json.Unmarshal(b.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Warnings != 1 || r.Waived != 1 || r.Diagnostics[1].Waived == nil ||
		*r.Diagnostics[1].Waived != (struct{ Reason, Expires, Path string }{"lab only", "2027-06-30", "waivers[0]"}) {
		t.Errorf("json: %s", b.String())
	}
	if strings.Contains(b.String(), `"waived": null`) {
		t.Errorf("an unwaived finding carries a waived member: %s", b.String())
	}
}
