package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/ibcmc/ibcmc/internal/bug"
)

// TestExitStatusTable holds every command that reads a design to the one exit-status table: a design with
// errors exits 1 and shows its findings, a usage or I/O error exits 2. A command that reads a design and
// is missing here fails the test, so a new command cannot pick its own status.
func TestExitStatusTable(t *testing.T) {
	schemaErr := typoDesign(t) // IB000: no plan at all
	src, err := os.ReadFile("examples/fabrikam-perimeter/site.cue")
	if err != nil {
		t.Fatal(err)
	}
	ruleErr := writeDesign(t, strings.Replace(string(src), `keyLength: 2048`, `keyLength: 1024`, 1)) // IB303: a plan with errors
	good := "examples/fabrikam-perimeter/site.cue"
	_, certs := fabrikamCerts(t, nil)
	out := filepath.Join(t.TempDir(), "out")
	withCerts := func(args ...string) []string { return append(args, certs...) }

	type call struct {
		args []string
		code int
		show string // a diagnostic code the output must show; empty for a usage error
	}
	table := map[string][]call{
		"vet": {
			{[]string{"vet", schemaErr}, 1, "IB000"},
			{[]string{"vet", "--format", "json", schemaErr}, 1, "IB000"},
			{[]string{"vet", "--format", "sarif", ruleErr}, 1, "IB303"},
			{[]string{"vet", "--format", "github", ruleErr}, 1, "IB303"},
			{[]string{"vet", ruleErr}, 1, "IB303"},
			{[]string{"vet", "--format", "xml", good}, 2, ""},
			{[]string{"vet", "nosuch.cue"}, 2, ""},
		},
		"build": {
			{[]string{"build", schemaErr, "-o", out}, 1, "IB000"},
			{[]string{"build", ruleErr, "-o", out}, 1, "IB303"},
			{[]string{"build", "--check", ruleErr, "-o", out}, 1, "IB303"},
			{[]string{"build", "--nosuch", good, "-o", out}, 2, ""},
			{[]string{"build", "nosuch.cue", "-o", out}, 2, ""},
		},
		"query": {
			{[]string{"query", "internet", "ibcm01", "443", schemaErr}, 1, "IB000"},
			{[]string{"query", "internet", "edge", "443", ruleErr}, 1, "IB303"},
			{[]string{"query", "internet", "edge", "http", good}, 2, ""},
			{[]string{"query", "internet", "edge", "443", "nosuch.cue"}, 2, ""},
		},
		"certs check": {
			{withCerts("certs", "check", schemaErr), 1, "IB000"},
			{withCerts("certs", "check", ruleErr), 1, "IB303"},
			{[]string{"certs", "check", good}, 2, ""},
			{withCerts("certs", "check", "nosuch.cue"), 2, ""},
		},
		// diff compares the findings of two designs, so a design whose rules find errors is compared
		// (its errors are changes to review); one that fails the schema cannot be.
		"diff": {
			{[]string{"diff", good, schemaErr}, 1, "IB000"},
			{[]string{"diff", schemaErr, good}, 1, "IB000"},
			{[]string{"diff", "--format", "xml", good, good}, 2, ""},
			{[]string{"diff", good, "nosuch.cue"}, 2, ""},
		},
		"probe": {
			{[]string{"probe", schemaErr}, 1, "IB000"},
			{[]string{"probe", ruleErr}, 1, "IB303"},
			{[]string{"probe", "--wait", "0s", good}, 2, ""},
			{[]string{"probe", "nosuch.cue"}, 2, ""},
		},
	}
	for _, name := range designCommands(t) {
		runs, ok := table[name]
		if !ok {
			t.Errorf("%s reads a design but is not in the exit-status table", name)
			continue
		}
		delete(table, name)
		for _, r := range runs {
			code, stdout, stderr := run(t, r.args...)
			if code != r.code || r.show != "" && !strings.Contains(stdout+stderr, r.show) {
				t.Errorf("%s: exit %d, want %d showing %q\nstdout: %.400s\nstderr: %.400s", strings.Join(r.args, " "), code, r.code, r.show, stdout, stderr)
			}
		}
	}
	for name := range table {
		t.Errorf("the table has %q, which is not a command that reads a design", name)
	}
}

// designCommands lists the commands that read a design (a PATH argument, or diff's OLD and NEW), as kong
// sees the grammar.
func designCommands(t *testing.T) []string {
	parser, err := kong.New(&cli{}, kong.Vars{"version": "test"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range parser.Model.Leaves(true) {
		typ := n.Target.Type()
		if _, paths := typ.FieldByName("Paths"); paths || typ == reflect.TypeOf(diffCmd{}) {
			out = append(out, n.Path())
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %q", out)
	}
	return out
}

// An internal error is one line; IBCMC_DEBUG=1 adds the stack where it happened, for a bug report. Other
// errors never carry a stack.
func TestDebugPrintsTheStackOfAnInternalError(t *testing.T) {
	stackLine := regexp.MustCompile(`(?m)^goroutine \d+ \[running\]:$`)
	// A nil stdout makes the version command panic inside the command: a genuine panic, recovered by
	// guard, through the whole of Run.
	runPanicking := func() (int, string) {
		var errb bytes.Buffer
		code := Run([]string{"version"}, nil, &errb)
		return code, errb.String()
	}
	const oneLine = "ibcmc: internal error: runtime error: invalid memory address or nil pointer dereference\n"
	for _, v := range []string{"", "0"} {
		t.Setenv("IBCMC_DEBUG", v)
		if code, stderr := runPanicking(); code != 2 || stderr != oneLine {
			t.Errorf("IBCMC_DEBUG=%q: exit %d, stderr %q; want 2 and %q", v, code, stderr, oneLine)
		}
	}
	t.Setenv("IBCMC_DEBUG", "1")
	code, stderr := runPanicking()
	first, stack, _ := strings.Cut(stderr, "\n")
	if code != 2 || first+"\n" != oneLine || !stackLine.MatchString(stack) || !strings.Contains(stack, "versionCmd.Run(") {
		t.Errorf("IBCMC_DEBUG=1: exit %d, stderr:\n%s\nwant the line %q and the stack through versionCmd.Run", code, stderr, oneLine)
	}

	// A command's own errors are not bugs: no stack, even under IBCMC_DEBUG=1.
	code, _, stderr = run(t, "vet", "nosuch.cue")
	if code != 2 || strings.Count(stderr, "\n") != 1 || stackLine.MatchString(stderr) {
		t.Errorf("vet nosuch.cue under IBCMC_DEBUG=1: exit %d, stderr %q", code, stderr)
	}
}

// An internal error a command returns (the compiler's, an emitter's), even wrapped, gets the same
// treatment as a panic: one line, and the stack where it was made under IBCMC_DEBUG=1.
func TestReportErrorOfAReturnedInternalError(t *testing.T) {
	decode := func() error { return bug.Errorf("decoding %s", "x") }
	err := guard(time.Minute, 0, &stage{}, func() error { return fmt.Errorf("compiling: %w", decode()) })
	for _, debug := range []string{"", "1"} {
		t.Setenv("IBCMC_DEBUG", debug)
		var errb bytes.Buffer
		code := reportError(&errb, err)
		first, stack, _ := strings.Cut(errb.String(), "\n")
		if code != 2 || first != "ibcmc: compiling: internal error: decoding x" {
			t.Errorf("IBCMC_DEBUG=%q: exit %d, first line %q", debug, code, first)
		}
		if want := debug == "1"; want != strings.Contains(stack, "TestReportErrorOfAReturnedInternalError.func1(") {
			t.Errorf("IBCMC_DEBUG=%q: stack %q; want the stack where the error was made: %v", debug, stack, want)
		}
	}
}
