package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/internal/bug"
	"github.com/ibcmc/ibcmc/plan"
	"github.com/ibcmc/ibcmc/schema"
	"github.com/ibcmc/ibcmc/version"
)

// Exit statuses: the one table every command uses (docs/outputs.md documents it). A design with errors
// exits exitInvalid whatever the command, through invalid and designErrors; no command picks its own
// status for it.
const (
	exitOK = 0
	// exitInvalid: the design has errors (or warnings with --strict), or what the command checks failed:
	// build --check found stale files, query no flow, certs check a missing or wrong certificate, probe a
	// failed check.
	exitInvalid = 1
	exitUsage   = 2 // usage, I/O or internal error, or a --timeout or --max-memory limit
	exitDiffers = 3 // diff --exit-code: the designs differ
)

// env is what every command receives: where to write, and where to say what it is doing (for the message
// when a limit stops it).
type env struct {
	stdout, stderr io.Writer
	stage          *stage
}

// exitError carries an exit status up from a command with its message already printed (or none).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func invalid() error { return &exitError{code: exitInvalid} }

// designErrors prints a design's errors and warnings and ends the command with exit 1, saying why it
// cannot go on.
func designErrors(e *env, l diag.List, why string) error {
	printText(e.stderr, l)
	return &exitError{code: exitInvalid, msg: why}
}

type cli struct {
	Version   kong.VersionFlag `help:"Print the version of ibcmc and its design language."`
	Timeout   time.Duration    `help:"Give up (exit 2) when the command takes longer than this." default:"2m"`
	MaxMemory byteSize         `name:"max-memory" help:"Give up (exit 2) when the process's heap grows past this size (e.g. 512MiB, 4GiB)." default:"2GiB"`

	Build   buildCmd   `cmd:"" help:"Validate a design and write every artifact into the output directory."`
	Vet     vetCmd     `cmd:"" help:"Validate a design and print its diagnostics."`
	Diff    diffCmd    `cmd:"" help:"Compare two designs: what breaks, what opens, what clients must change."`
	Explain explainCmd `cmd:"" help:"Explain a rule, or list every rule."`
	Query   queryCmd   `cmd:"" help:"Is a packet allowed by the design's flows, and by which flow and why."`
	Certs   certsCmd   `cmd:"" help:"Check issued certificates against what the design needs."`
	Probe   probeCmd   `cmd:"" help:"Check a deployed site against its design, from where a client stands."`
	Schema  schemaCmd  `cmd:"" help:"Print the embedded CUE schema of the design language."`
	Ver     versionCmd `cmd:"" name:"version" help:"Print the version of ibcmc and its design language."`

	Help       helpCmd       `cmd:"" help:"Show help for a command, e.g. ibcmc help build."`
	Completion completionCmd `cmd:"" help:"Print a shell completion script (bash, zsh, fish, powershell)."`
}

// inputArgs are the design files every compiling command takes.
type inputArgs struct {
	Paths []string `arg:"" name:"path" help:"Design files (.cue, .json, .yaml) or one directory holding a CUE package."`
}

func versionString() string {
	return fmt.Sprintf("ibcmc %s (design language %s, cuelang.org/go v0.17.1)", version.Tool, schema.Version)
}

// Run is the whole program behind main, with its streams injected so tests run every command in-process.
func Run(args []string, stdout, stderr io.Writer) (code int) {
	exited := false
	grammar := &cli{}
	parser, err := kong.New(grammar,
		kong.Name("ibcmc"),
		kong.Description("Compile a Configuration Manager IBCM / cloud management gateway design into validated artifacts."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { code, exited = c, true; panic(exitPanic{}) }),
		kong.Vars{"version": versionString()},
		kong.UsageOnError(),
	)
	if err != nil {
		fmt.Fprintf(stderr, "ibcmc: internal error: %v\n", err)
		return exitUsage
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); ok && exited {
				if code != 0 {
					code = exitUsage
				}
				return
			}
			code = reportError(stderr, bug.Recovered(r))
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "ibcmc: %v\n", err)
		return exitUsage
	}
	st := &stage{}
	err = guard(grammar.Timeout, grammar.MaxMemory, st, func() error {
		return kctx.Run(&env{stdout: stdout, stderr: stderr, stage: st})
	})
	if err == nil {
		return exitOK
	}
	return reportError(stderr, err)
}

// reportError prints a command's error in one line and returns its exit status: the one it carries, or 2.
// An internal error is ibcmc's bug; with IBCMC_DEBUG=1 its stack follows, for the bug report.
func reportError(stderr io.Writer, err error) int {
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "ibcmc: %s\n", msg)
	}
	if stack := bug.StackOf(err); stack != nil && os.Getenv("IBCMC_DEBUG") == "1" {
		fmt.Fprintf(stderr, "%s", stack)
	}
	return code
}

type exitPanic struct{}

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintln(e.stdout, versionString())
	return nil
}

// compile runs the compiler and maps its usage errors to exit 2. Time and memory are bounded for the whole
// command (guard).
func compile(e *env, paths []string) (*compiler.Result, error) {
	e.stage.set("evaluating " + strings.Join(paths, " "))
	return compileFiles(paths)
}

// compileFiles runs the compiler and maps its usage errors to exit 2.
func compileFiles(paths []string) (*compiler.Result, error) {
	res, err := compiler.Compile(paths, compiler.Options{})
	if err != nil {
		var ue *compiler.UsageError
		if errors.As(err, &ue) {
			return nil, &exitError{code: exitUsage, msg: ue.Error()}
		}
		return nil, err
	}
	return res, nil
}

// errorFreePlan compiles the design for a command that needs an error-free plan; with errors it prints
// them and fails with exit 1 and why.
func errorFreePlan(e *env, paths []string, why string) (*plan.Plan, error) {
	res, err := compile(e, paths)
	if err != nil {
		return nil, err
	}
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		return nil, designErrors(e, res.Diagnostics, why)
	}
	return res.Plan, nil
}

// findings compiles the design and returns its diagnostics, warnings promoted to errors with --strict.
func findings(e *env, paths []string, strict bool) (*compiler.Result, diag.List, error) {
	res, err := compile(e, paths)
	if err != nil {
		return nil, nil, err
	}
	if strict {
		return res, res.Diagnostics.Strict(), nil
	}
	return res, res.Diagnostics, nil
}

// printText prints errors and warnings to stderr; infos belong to the report.
func printText(w io.Writer, l diag.List) {
	var shown diag.List
	infos := 0
	for _, d := range l {
		if d.Severity == diag.Info {
			infos++
			continue
		}
		shown = append(shown, d)
	}
	diag.WriteText(w, shown)
	if infos > 0 {
		fmt.Fprintf(w, "%d info finding(s): see report.md or --format json\n", infos)
	}
}
