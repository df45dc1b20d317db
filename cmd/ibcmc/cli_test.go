package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// run executes the CLI in-process from the repository root, so design paths read examples/<name>/site.cue.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestMain(m *testing.M) {
	if err := os.Chdir("../.."); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

var exampleNames = testdesign.Examples

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := run(t, args...)
		if code != 0 || !strings.HasPrefix(out, "ibcmc 0.1.0 (design language v1") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

type jsonDiag struct {
	Diagnostics []struct {
		Code, Name, Severity, Message, Path string
		Pos                                 struct {
			File         string
			Line, Column int
		}
	}
	Errors, Warnings int
}

func TestVetExamplesJSON(t *testing.T) {
	for _, name := range exampleNames {
		code, out, errb := run(t, "vet", "--format", "json", "examples/"+name+"/site.cue")
		var r jsonDiag
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v\n%s%s", name, err, out, errb)
		}
		if code != 0 || r.Errors != 0 {
			t.Errorf("%s: exit %d, %d errors: %s", name, code, r.Errors, out)
		}
	}
}

func writeDesign(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "site.cue")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func typoDesign(t *testing.T) string {
	src, err := os.ReadFile("examples/contoso-ibcm/site.cue")
	if err != nil {
		t.Fatal(err)
	}
	return writeDesign(t, strings.Replace(string(src), "distributionPoint:", "distributionPiont:", 1))
}

func TestVetTypoIsIB000WithPosition(t *testing.T) {
	p := typoDesign(t)
	code, out, _ := run(t, "vet", "--format", "json", p)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var r jsonDiag
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Errors != 1 || len(r.Diagnostics) != 1 {
		t.Fatalf("want one error: %s", out)
	}
	d := r.Diagnostics[0]
	if d.Code != "IB000" || d.Severity != "error" || d.Path != "systems.ibcm01.roles.distributionPiont" ||
		d.Pos.Line != 46 || d.Pos.Column != 3 || !strings.HasSuffix(d.Pos.File, "site.cue") {
		t.Errorf("diagnostic: %+v", d)
	}

	code, _, errb := run(t, "vet", p)
	if code != 1 || !strings.Contains(errb, "site.cue:46:3: error IB000 schema: systems.ibcm01.roles.distributionPiont: field not allowed") {
		t.Errorf("text: exit %d\n%s", code, errb)
	}
}

func TestVetSARIF(t *testing.T) {
	code, out, _ := run(t, "vet", "--format", "sarif", typoDesign(t))
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "ibcmc" {
		t.Fatalf("sarif header: %s", out)
	}
	run0 := log.Runs[0]
	if len(run0.Tool.Driver.Rules) == 0 {
		t.Error("no rules in tool.driver.rules")
	}
	if len(run0.Results) != 1 {
		t.Fatalf("results: %d", len(run0.Results))
	}
	r := run0.Results[0]
	loc := r.Locations[0].PhysicalLocation
	if r.RuleID != "IB000" || r.Level != "error" || r.Message.Text == "" || !strings.HasSuffix(loc.ArtifactLocation.URI, "site.cue") || loc.Region.StartLine != 46 {
		t.Errorf("result: %+v", r)
	}
}

func TestMissingFileExits2(t *testing.T) {
	for _, cmd := range []string{"vet", "build"} {
		code, _, errb := run(t, cmd, filepath.Join(t.TempDir(), "nope.cue"))
		if code != 2 || !strings.Contains(errb, "nope.cue: no such file or directory") {
			t.Errorf("%s: exit %d %q", cmd, code, errb)
		}
	}
}

func TestUsageExits2(t *testing.T) {
	for _, args := range [][]string{{}, {"vet"}, {"vet", "--format", "xml", "examples/homelab/site.cue"}, {"frobnicate"}, {"explain", "IB999"}} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if code, out, _ := run(t, "--help"); code != 0 || !strings.Contains(out, "build") {
		t.Errorf("--help: exit %d", code)
	}
}

func TestExplain(t *testing.T) {
	code, out, _ := run(t, "explain")
	if code != 0 || !strings.Contains(out, "IB211  E    unknown-reference") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "explain", "ib212")
	if code != 0 || !strings.HasPrefix(out, "IB212 invalid-or-duplicate-fqdn (error)") || !strings.Contains(out, "Source: ibcmc's own check (no Microsoft document states it)") {
		t.Errorf("IB212: exit %d\n%s", code, out)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			data, _ := os.ReadFile(p)
			out[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	return out
}

func TestBuildWritesReportAndIsDeterministic(t *testing.T) {
	out1, out2 := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "out")
	for _, out := range []string{out1, out2} {
		if code, _, errb := run(t, "build", "examples/fabrikam-perimeter/site.cue", "-o", out); code != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
	}
	a, b := readTree(t, out1), readTree(t, out2)
	if _, ok := a["report.md"]; !ok {
		t.Fatalf("no report.md in %v", a)
	}
	if !strings.Contains(a["report.md"], "from examples/fabrikam-perimeter/site.cue.") {
		t.Errorf("provenance header: %q", strings.SplitN(a["report.md"], "\n", 2)[0])
	}
	if len(a) != len(b) {
		t.Fatalf("trees differ in size")
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s differs between builds", k)
		}
	}
	if !strings.Contains(a[".ibcmc-manifest"], "\nreport.md\n") {
		t.Errorf("manifest: %q", a[".ibcmc-manifest"])
	}
}

func TestFailedBuildLeavesOutputUnchanged(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errb := run(t, "build", "examples/homelab/site.cue", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	before := readTree(t, out)
	code, _, errb := run(t, "build", typoDesign(t), "-o", out)
	if code != 1 || !strings.Contains(errb, "build failed") {
		t.Fatalf("exit %d: %s", code, errb)
	}
	after := readTree(t, out)
	if len(before) != len(after) {
		t.Fatalf("file set changed")
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed", k)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("temporary directories left behind: %v", entries)
	}
}

func TestBuildKeepsForeignFilesAndRefusesUnmanagedDir(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	code, _, errb := run(t, "build", "examples/homelab/site.cue", "-o", out)
	if code != 2 || !strings.Contains(errb, "no ibcmc manifest") {
		t.Fatalf("unmanaged dir: exit %d %s", code, errb)
	}
	if code, _, errb := run(t, "build", "--force", "examples/homelab/site.cue", "-o", out); code != 0 {
		t.Fatalf("--force: exit %d %s", code, errb)
	}
	// A second, unforced build is now allowed (the manifest exists) and keeps the user's file.
	os.WriteFile(filepath.Join(out, "later.txt"), []byte("also mine"), 0o644)
	if code, _, errb := run(t, "build", "examples/homelab/site.cue", "-o", out); code != 0 {
		t.Fatalf("rebuild: exit %d %s", code, errb)
	}
	tree := readTree(t, out)
	if tree["notes.txt"] != "mine" || tree["later.txt"] != "also mine" || tree["report.md"] == "" {
		t.Errorf("tree: %v", keys(tree))
	}
	if strings.Contains(tree[".ibcmc-manifest"], "notes.txt") {
		t.Error("manifest claims a file ibcmc did not write")
	}
}

func TestBuildCheckDetectsDrift(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, _ := run(t, "build", "examples/homelab/site.cue", "-o", out); code != 0 {
		t.Fatal("build failed")
	}
	if code, _, errb := run(t, "build", "--check", "examples/homelab/site.cue", "-o", out); code != 0 {
		t.Fatalf("clean check: exit %d %s", code, errb)
	}
	os.WriteFile(filepath.Join(out, "report.md"), []byte("edited by hand\n"), 0o644)
	code, stdout, _ := run(t, "build", "--check", "examples/homelab/site.cue", "-o", out)
	if code != 1 || !strings.Contains(stdout, "changed: report.md") {
		t.Fatalf("drift: exit %d %q", code, stdout)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "report.md")); string(got) != "edited by hand\n" {
		t.Error("--check wrote to the output directory")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSlowDesignTimesOut runs the real program in a child process (the abandoned evaluation must not keep
// running inside the test binary): a design whose evaluation takes minutes ends with exit 2 at --timeout.
func TestSlowDesignTimesOut(t *testing.T) {
	if os.Getenv("IBCMC_CHILD_ARGS") != "" {
		os.Exit(Run(strings.Split(os.Getenv("IBCMC_CHILD_ARGS"), "\x1f"), os.Stdout, os.Stderr))
	}
	slow := writeDesign(t, "package site\nimport \"list\"\n_x: [for i in list.Range(0, 100000000, 1) {i}]\nsite: code: \"P\\(len(_x))\"\n")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSlowDesignTimesOut$")
	cmd.Env = append(os.Environ(), "IBCMC_CHILD_ARGS="+strings.Join([]string{"--timeout", "300ms", "vet", slow}, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "took longer than --timeout 300ms") {
		t.Errorf("stderr: %s", stderr.String())
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s", d)
	}
}

// --strict turns warnings into errors: homelab's port-forwarding warning (IB403) then fails vet and build,
// and the build writes nothing.
func TestStrictMakesWarningsErrors(t *testing.T) {
	code, out, _ := run(t, "vet", "--format", "json", "examples/homelab/site.cue")
	var lax jsonDiag
	if err := json.Unmarshal([]byte(out), &lax); err != nil {
		t.Fatal(err)
	}
	if code != 0 || lax.Errors != 0 || lax.Warnings == 0 {
		t.Fatalf("vet without --strict: exit %d, %+v", code, lax)
	}
	code, out, _ = run(t, "vet", "--strict", "--format", "json", "examples/homelab/site.cue")
	var r jsonDiag
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	sawIB403 := false
	for _, d := range r.Diagnostics {
		if d.Severity != "error" {
			t.Errorf("vet --strict left %s as %s", d.Code, d.Severity)
		}
		sawIB403 = sawIB403 || d.Code == "IB403"
	}
	if code != 1 || r.Errors != lax.Warnings || r.Warnings != 0 || !sawIB403 {
		t.Errorf("vet --strict: exit %d, %+v", code, r)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, _ := run(t, "build", "--strict", "examples/homelab/site.cue", "-o", dir); code != 1 {
		t.Errorf("build --strict: exit %d", code)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a failed strict build wrote the output directory")
	}
}
