package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/rules"
)

// updating reports `go test ./cmd/ibcmc -update` (the flag autogold defines).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// The committed rule catalog is exactly what `ibcmc explain --format markdown` prints, so the documentation
// cannot drift from the code.
func TestRulesDoc(t *testing.T) {
	code, out, errb := run(t, "explain", "--format", "markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	const path = "docs/rules.md"
	if updating() {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != out {
		t.Fatalf("%s is not what `ibcmc explain --format markdown` prints; regenerate it with `go test ./cmd/ibcmc -run TestRulesDoc -update`", path)
	}
}

func TestExplainMarkdown(t *testing.T) {
	_, out, _ := run(t, "explain", "--format", "markdown")
	for _, r := range rules.All() {
		heading := "\n## " + r.Code + " " + r.Name + "\n"
		if !strings.Contains(out, heading) {
			t.Errorf("no section %q", heading)
		}
		if !strings.Contains(out, "| ["+r.Code+"](#"+strings.ToLower(r.Code)+"-"+r.Name+") |") {
			t.Errorf("%s: no index row linking to its section", r.Code)
		}
		if r.Source != "" && !strings.Contains(out, "<"+r.Source+">") {
			t.Errorf("%s: source %s is not a link", r.Code, r.Source)
		}
	}
	code, one, _ := run(t, "explain", "--format", "markdown", "ib301")
	if code != 0 {
		t.Fatalf("explain --format markdown ib301: exit %d", code)
	}
	for _, want := range []string{
		"## IB301 crl-unreachable-from-internet\n\n**Severity:** error · **Source:** <https://learn.microsoft.com/mem/configmgr/core/plan-design/security/plan-for-certificates>\n\n",
		"\n\n**What:** site.communication.checkCRL is true, the design has IBCM internet clients",
		"\n\n**Why:** Microsoft: ",
		"\n\n**Fix:** add an HTTP CDP",
		"\n\n**Reading:** pki.issuer issues",
	} {
		if !strings.Contains(one, want) {
			t.Errorf("IB301 markdown lacks %q:\n%s", want, one)
		}
	}
	// Rule text is text: markup characters in it are escaped, `code` stays code.
	_, ib000, _ := run(t, "explain", "--format", "markdown", "IB000")
	if !strings.Contains(ib000, "(`ibcmc schema` prints it)") || !strings.Contains(ib000, "**Source:** ibcmc's own check") {
		t.Errorf("IB000 markdown:\n%s", ib000)
	}
	if regexp.MustCompile(`(?m)^(What|Why|Fix):`).MatchString(out) {
		t.Error("a paragraph label was not turned into a bold label")
	}
}

func TestExplainTextUnchanged(t *testing.T) {
	_, out, _ := run(t, "explain", "IB000")
	if !strings.HasPrefix(out, "IB000 schema (error)\n\nthe design does not satisfy #Design") || !strings.HasSuffix(out, "\n\nSource: ibcmc's own check (no Microsoft document states it)\n") {
		t.Errorf("explain IB000:\n%s", out)
	}
}

func TestHelpCommand(t *testing.T) {
	for _, args := range [][]string{{"vet"}, {"certs", "check"}, {"build"}} {
		code, out, errb := run(t, append([]string{"help"}, args...)...)
		_, flagOut, _ := run(t, append(args, "--help")...)
		if code != 0 || out == "" || out != flagOut {
			t.Errorf("help %v: exit %d, stderr %q; want what --help prints:\n%s\ngot:\n%s", args, code, errb, flagOut, out)
		}
	}
	code, out, _ := run(t, "help")
	if code != 0 || !strings.Contains(out, "Usage: ibcmc <command>") || !strings.Contains(out, "completion <shell>") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	code, _, errb := run(t, "help", "vett")
	if code != exitUsage || !strings.Contains(errb, `no command "vett"; `+"`ibcmc help`"+` lists them`) {
		t.Errorf("help vett: exit %d, %q", code, errb)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "complete -F _ibcmc ibcmc\n",
		"zsh":        "autoload -U +X bashcompinit && bashcompinit\n",
		"fish":       `complete -c ibcmc -n '__ibcmc_is \'\'' -a 'build' -d 'Validate a design and write every artifact into the output directory.'` + "\n",
		"powershell": "Register-ArgumentCompleter -Native -CommandName @('ibcmc', 'ibcmc.exe') -ScriptBlock {",
	} {
		code, out, errb := run(t, "completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, %s; lacks %q:\n%s", shell, code, errb, want, out)
		}
		for _, cmd := range []string{"build", "vet", "diff", "explain", "query", "certs", "check", "schema", "completion"} {
			if !strings.Contains(out, cmd) {
				t.Errorf("completion %s does not name %s", shell, cmd)
			}
		}
	}
	if code, _, _ := run(t, "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want %d", code, exitUsage)
	}
}

// The bash script is valid bash and completes what users type: commands, subcommands, flags, enum values,
// rule codes and design files.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is not installed") // every CI image and developer machine this project runs on has bash
	}
	_, script, _ := run(t, "completion", "bash")
	dir := t.TempDir()
	file := filepath.Join(dir, "ibcmc.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	// A directory with a design, a non-design file and a subdirectory.
	work := filepath.Join(dir, "work")
	for _, f := range []string{"site.cue", "site.yaml", "notes.txt", "more/x.cue"} {
		p := filepath.Join(work, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		words []string
		want  string
	}{
		{[]string{"ibcmc", ""}, "build vet diff explain query certs probe schema version help completion"},
		{[]string{"ibcmc", "b"}, "build"},
		{[]string{"ibcmc", "--timeout", "5m", "v"}, "vet version"},
		{[]string{"ibcmc", "certs", ""}, "check"},
		{[]string{"ibcmc", "certs", "check", "--ce"}, "--cert"},
		{[]string{"ibcmc", "explain", "--format", ""}, "text markdown"},
		{[]string{"ibcmc", "explain", "--format", "=", "m"}, "markdown"},
		{[]string{"ibcmc", "build", "--st"}, "--strict"},
		{[]string{"ibcmc", "build", "s"}, "site.cue site.yaml"},
		{[]string{"ibcmc", "vet", "--strict", ""}, "more site.cue site.yaml"},
		{[]string{"ibcmc", "query", "a", "b", "443", "s"}, "site.cue site.yaml"},
		{[]string{"ibcmc", "query", "s"}, ""},
		{[]string{"ibcmc", "explain", "ib30"}, "IB301 IB302 IB303 IB304 IB305 IB306 IB307 IB308 IB309"},
		{[]string{"ibcmc", "help", "certs", "c"}, "check"},
		{[]string{"ibcmc", "help", "c"}, "certs completion"},
		{[]string{"ibcmc", "completion", "p"}, "powershell"},
	}
	for _, c := range cases {
		var quoted []string
		for _, w := range c.words {
			quoted = append(quoted, "'"+w+"'")
		}
		prog := `source "$1"; COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ibcmc; printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '`
		cmd := exec.Command(bash, "-c", prog, "bash", file)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", c.words, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != sortedWords(c.want) {
			t.Errorf("completing %q: got %q, want %q", c.words, got, sortedWords(c.want))
		}
	}
}

// A file name with a space completes as one word.
func TestBashCompletionKeepsSpacedNames(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is not installed")
	}
	_, script, _ := run(t, "completion", "bash")
	dir := t.TempDir()
	file := filepath.Join(dir, "ibcmc.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "my site.cue"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "-c", `source "$1"; COMP_WORDS=(ibcmc vet my); COMP_CWORD=2; _ibcmc; printf '[%s]' "${COMPREPLY[@]}"`, "bash", file)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "[my site.cue]" {
		t.Fatalf("completing \"my\": %v %q, want [my site.cue]", err, out)
	}
}

func sortedWords(s string) string {
	out, _ := exec.Command("sh", "-c", `printf '%s\n' $1 | sort | tr '\n' ' '`, "sh", s).Output()
	return strings.TrimSpace(string(out))
}

// The zsh script loads in zsh and registers the completion (its behaviour is the bash script's, through
// zsh's bashcompinit).
func TestZshCompletionLoads(t *testing.T) {
	zsh := testtool.Require(t, "zsh")
	_, script, _ := run(t, "completion", "zsh")
	file := filepath.Join(t.TempDir(), "ibcmc.zsh")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zsh, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	out, err := exec.Command(zsh, "-f", "-c", `source "$1" && print -r -- "$_comps[ibcmc]"`, "zsh", file).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_bash_complete -F _ibcmc" {
		t.Fatalf("zsh did not register the completion: %v\n%s", err, out)
	}
}

// The fish script completes commands, subcommands, flag values, rule codes and design files.
func TestFishCompletionCompletes(t *testing.T) {
	fish := testtool.Require(t, "fish")
	_, script, _ := run(t, "completion", "fish")
	dir := t.TempDir()
	file := filepath.Join(dir, "ibcmc.fish")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(fish, "--no-execute", file).CombinedOutput(); err != nil {
		t.Fatalf("fish --no-execute: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "work")
	for _, f := range []string{"site.cue", "site.yaml", "notes.txt", "more/x.cue"} {
		p := filepath.Join(work, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for line, want := range map[string]string{
		"ibcmc b":                     "build",
		"ibcmc certs ":                "check",
		"ibcmc explain --format ":     "markdown text",
		"ibcmc build s":               "site.cue site.yaml",
		"ibcmc vet --strict ":         "more/ site.cue site.yaml",
		"ibcmc build more/":           "more/x.cue",
		"ibcmc explain IB30":          "IB301 IB302 IB303 IB304 IB305 IB306 IB307 IB308 IB309",
		"ibcmc completion ":           "bash fish powershell zsh",
		"ibcmc --timeout 5m certs ch": "check",
	} {
		cmd := exec.Command(fish, "--no-config", "-c", `source $argv[1]; complete -C $argv[2] | string replace -r '\t.*' '' | sort`, file, line)
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", line, err, out)
		}
		if got := strings.Join(strings.Fields(string(out)), " "); got != sortedWords(want) {
			t.Errorf("completing %q: got %q, want %q", line, got, sortedWords(want))
		}
	}
}
