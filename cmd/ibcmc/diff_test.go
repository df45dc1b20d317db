package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func exampleSource(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("examples/" + name + "/site.cue")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type diffJSON struct {
	Changes []struct {
		Kind, ID, Action, Summary string
	}
	Files []struct {
		Path, Action, Diff string
	}
	Summary struct{ Add, Change, Remove int }
}

func runDiffJSON(t *testing.T, args ...string) (int, diffJSON) {
	t.Helper()
	code, out, errb := run(t, append([]string{"diff", "--format", "json"}, args...)...)
	var r diffJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errb)
	}
	return code, r
}

func TestDiffIdenticalDesigns(t *testing.T) {
	p := "examples/woodgrove-cmg/site.cue"
	code, r := runDiffJSON(t, "--exit-code", p, writeDesign(t, exampleSource(t, "woodgrove-cmg")))
	if code != 0 || len(r.Changes) != 0 || len(r.Files) != 0 {
		t.Fatalf("exit %d, %+v", code, r)
	}
	code, out, _ := run(t, "diff", p, p)
	if code != 0 || !strings.Contains(out, "No changes") {
		t.Errorf("text: exit %d %q", code, out)
	}
}

// Adding an internet-facing distribution point shows its flows, endpoint and certificate requests as
// additions and nothing as removed.
func TestDiffAddingDistributionPoint(t *testing.T) {
	src := exampleSource(t, "fabrikam-perimeter")
	added := strings.Replace(src, `	"cmmp01": {`, `	"cmdp02": {
		fqdn: {intranet: "cmdp02.dmz.fabrikam.com", internet: "dp2.fabrikam.com"}
		zone:                "perimeter"
		address:             "172.16.50.23"
		forest:              "dmz.fabrikam.com"
		siteServerInitiates: true
		installAccount:      "CORP\\svc-cm-install"
		roles: distributionPoint: {connections: "https", allow: "internet"}
	}
	"cmmp01": {`, 1)
	added = strings.Replace(added, `systems: ["cmibcm01", "cmfsp01"]`, `systems: ["cmibcm01", "cmfsp01", "cmdp02"]`, 1)
	code, r := runDiffJSON(t, "--exit-code", "examples/fabrikam-perimeter/site.cue", writeDesign(t, added))
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	kinds := map[string]int{}
	for _, c := range r.Changes {
		if c.Action == "remove" && c.Kind != "finding" {
			t.Errorf("unexpected removal: %+v", c)
		}
		if c.Action == "add" && strings.Contains(c.ID+c.Summary, "dp2.fabrikam.com") || strings.Contains(c.ID, "cmdp02") {
			kinds[c.Kind]++
		}
	}
	if kinds["endpoint"] != 1 {
		t.Errorf("endpoint additions for dp2: %d (%+v)", kinds["endpoint"], r.Changes)
	}
	for _, k := range []string{"flow", "certificate"} {
		if kinds[k] == 0 {
			t.Errorf("no %s additions for the new DP: %+v", k, r.Changes)
		}
	}
}

func TestDiffFaultAppearsAsFinding(t *testing.T) {
	src := exampleSource(t, "contoso-ibcm")
	faulty := strings.Replace(src, "checkCRL:          false", "checkCRL:          true", 1)
	code, r := runDiffJSON(t, "examples/contoso-ibcm/site.cue", writeDesign(t, faulty))
	if code != 0 {
		t.Fatalf("exit %d (without --exit-code a difference is not a failure)", code)
	}
	found := false
	for _, c := range r.Changes {
		if c.Kind == "finding" && c.Action == "add" && strings.HasPrefix(c.ID, "IB301 ") {
			found = true
		}
	}
	if !found {
		t.Errorf("IB301 not among the changes: %+v", r.Changes)
	}
}

func TestDiffRenamedPopulationIsRemoveAndAdd(t *testing.T) {
	src := exampleSource(t, "contoso-ibcm")
	renamed := strings.Replace(src, `clients: "domain-laptops":`, `clients: "corp-laptops":`, 1)
	_, r := runDiffJSON(t, "examples/contoso-ibcm/site.cue", writeDesign(t, renamed))
	var got []string
	for _, c := range r.Changes {
		if c.Kind == "install" {
			got = append(got, c.Action+" "+c.ID)
		}
	}
	if strings.Join(got, ",") != "add corp-laptops,remove domain-laptops" {
		t.Errorf("install changes: %v", got)
	}
}

func TestDiffMarkdownAndFiles(t *testing.T) {
	src := exampleSource(t, "homelab")
	changed := strings.Replace(src, `public:  "198.51.100.7"`, `public:  "198.51.100.8"`, 1)
	newPath := writeDesign(t, changed)
	code, out, _ := run(t, "diff", "--format", "markdown", "--files", "examples/homelab/site.cue", newPath)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"## ibcmc diff: ",
		"**0 to add, 6 to change, 0 to remove.**\n\n| | to add | to change | to remove |\n",
		"| Internet endpoints | 0 | 3 | 0 |\n",
		"### What opens",
		"<details open><summary><b>Internet endpoints</b>: 3 to change</summary>",
		"| `~` | `cm.example.org:443@router`, `cm.example.org:8530@router`, `cm.example.org:8531@router` | 3 internet endpoints: public address: `198.51.100.7` → `198.51.100.8` |",
		"<details><summary><b>Changed files</b>: ",
		"```diff\n--- a/report.md\n+++ b/report.md\n",
		"-| `cm.example.org` | 443/https",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}

	// Without --files the artifacts are not compared at all: no files in any format.
	code, out, _ = run(t, "diff", "--format", "markdown", "examples/homelab/site.cue", newPath)
	if code != 0 || strings.Contains(out, "Changed files") || strings.Contains(out, "report.md") {
		t.Errorf("exit %d, markdown without --files shows files:\n%s", code, out)
	}
	_, r := runDiffJSON(t, "examples/homelab/site.cue", newPath)
	if len(r.Files) != 0 || len(r.Changes) != 6 {
		t.Errorf("json without --files: %d files, %d changes", len(r.Files), len(r.Changes))
	}
	_, r = runDiffJSON(t, "--files", "examples/homelab/site.cue", newPath)
	if len(r.Files) == 0 {
		t.Error("json with --files has no files")
	}
}

// A property change reads as on the command line in every format, and JSON names it as ccmsetup does.
func TestDiffInstallPropertyInUserWords(t *testing.T) {
	src := exampleSource(t, "fabrikam-perimeter")
	changed := writeDesign(t, strings.Replace(src, `code:    "FAB"`, `code:    "FAC"`, 1))
	code, out, _ := run(t, "diff", "--exit-code", "examples/fabrikam-perimeter/site.cue", changed)
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	for _, want := range []string{"  ~ install line roaming-laptops\n", "      SMSSITECODE=FAB → SMSSITECODE=FAC\n", "Install lines: 2 to change\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	_, js, _ := run(t, "diff", "--format", "json", "examples/fabrikam-perimeter/site.cue", changed)
	var r struct {
		Changes []struct {
			Kind, ID string
			Changes  []map[string]any
		}
	}
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Changes {
		if c.ID == "roaming-laptops" {
			want := map[string]any{"name": "SMSSITECODE", "before": "SMSSITECODE=FAB", "after": "SMSSITECODE=FAC"}
			if len(c.Changes) != 1 || !reflect.DeepEqual(c.Changes[0], want) {
				t.Errorf("json change of roaming-laptops: %v, want %v", c.Changes, want)
			}
			return
		}
	}
	t.Errorf("no change of roaming-laptops in %s", js)
}

// REV:PATH reads the old design from git, as `ibcmc diff main:site.cue site.cue` does in CI.
func TestDiffGitRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	gitRun := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun("init", "-q", "-b", "main")
	src := exampleSource(t, "contoso-ibcm")
	os.WriteFile(filepath.Join(repo, "site.cue"), []byte(src), 0o644)
	gitRun("add", "site.cue")
	gitRun("commit", "-q", "-m", "v1")
	os.WriteFile(filepath.Join(repo, "site.cue"), []byte(strings.Replace(src, "count:      1200", "count:      30000", 1)), 0o644)

	wd, _ := os.Getwd()
	if err := os.Chdir(repo); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code, r := runDiffJSON(t, "--exit-code", "main:site.cue", "site.cue")
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	found := false
	for _, c := range r.Changes {
		if c.Kind == "finding" && c.Action == "add" && strings.HasPrefix(c.ID, "IB701 ") {
			found = true
		}
	}
	if !found {
		t.Errorf("the management point load warning is not among the changes: %+v", r.Changes)
	}
	if code, _, errb := run(t, "diff", "nosuchrev:site.cue", "site.cue"); code != 2 || !strings.Contains(errb, "git show") {
		t.Errorf("bad revision: exit %d %s", code, errb)
	}
	// An option in the revision's place never reaches git as an option (git show --output writes a file).
	if err := os.MkdirAll(filepath.Join(repo, "x:."), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"--output=x:../written.txt", "--output=x:../../written.txt"} {
		code, _, errb := run(t, "diff", "--", arg, "site.cue")
		if code != 2 || !strings.Contains(errb, `a revision cannot start with "-"`) {
			t.Errorf("diff %s: exit %d, stderr %q", arg, code, errb)
		}
		for _, written := range []string{filepath.Join(repo, "written.txt"), filepath.Join(filepath.Dir(repo), "written.txt")} {
			if _, err := os.Stat(written); err == nil {
				os.Remove(written)
				t.Errorf("diff %s made git write %s", arg, written)
			}
		}
	}
}
