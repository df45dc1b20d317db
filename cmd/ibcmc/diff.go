package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/plan"
	"github.com/ibcmc/ibcmc/review"
	"github.com/ibcmc/ibcmc/version"
)

type diffCmd struct {
	Old      string `arg:"" help:"The design before the change: a path, or REV:PATH to read it from a git revision (e.g. main:site.cue)."`
	New      string `arg:"" help:"The design after the change: a path or REV:PATH."`
	Format   string `help:"Output format: text, markdown (for pull-request comments) or json." enum:"text,markdown,json" default:"text"`
	ExitCode bool   `name:"exit-code" help:"Exit 3 when the designs differ."`
	Files    bool   `help:"Also compare the artifact files both designs produce and show those that differ as unified diffs."`
	CertDir  string `name:"cert-dir" help:"Where proxy configs expect certificates (as for build)." default:"/etc/ibcmc/pki"`
}

func (c *diffCmd) Help() string {
	return `Compiles both designs and compares what they produce by stable ID: findings (what breaks), flows,
internet endpoints and proxy routes (what opens), install lines and certificate requests (what clients and
PKI must change). Each change reads in the design's terms: a flow as "from (addresses) → to (addresses)
ports/protocol", an install line by its parameters (SMSSITECODE=FAB → SMSSITECODE=FAC), a certificate by
its request and names, a finding by rule, design path and message.

--format markdown is a pull-request comment: the counts first, then each kind folded, identical changes of
many entities on one row; it stays under 60,000 characters (a GitHub comment holds 65,536) and says how
many changes it leaves out. text lists every change.

--format json prints {"old", "new", "summary": {"add", "change", "remove"}, "changes": [...], "files":
[...]}. Each change has "kind" (finding, flow, endpoint, proxy-route, install, certificate), "id",
"action" (add, change, remove) and "summary"; an added or removed entity lists its attributes in "fields"
({"name", "value"}, or {"name", "items"} for a list such as addresses or DNS names); a changed one lists
"changes" ({"name", "before", "after"}, or {"name", "added", "removed"} for a list, and "before" and
"after" when only the order of its items changed; an empty side is left out). An install line's
parameters are named as ccmsetup names them (SMSSITECODE, /mp) and their values written as on the
command line (SMSSITECODE=FAB). "files" ({"path", "action", "diff"}) is there only with --files.

Artifact files are emitted and compared only with --files (for a large site that costs more than the
comparison itself); --exit-code then also counts a changed file. Exit status: 0 (or 3 with --exit-code
when they differ), 1 when a design does not get past the schema, 2 usage or I/O error.`
}

func (c *diffCmd) Run(e *env) error {
	oldPlan, newPlan, err := c.loadBoth(e)
	if err != nil {
		return err
	}
	e.stage.set("comparing the designs")
	res := &review.Result{Old: c.Old, New: c.New, Entities: review.Plans(oldPlan, newPlan)}
	if c.Files {
		// Emitting and diffing every artifact twice costs far more than the comparison above (tens of
		// thousands of files for a large site), so it is done only when asked for.
		e.stage.set("comparing the artifact files")
		res.Files = c.files(e, oldPlan, newPlan)
	}

	switch c.Format {
	case "json":
		err = review.WriteJSON(e.stdout, res)
	case "markdown":
		err = review.WriteMarkdown(e.stdout, res, c.Files)
	default:
		err = review.WriteText(e.stdout, res, c.Files)
	}
	if err != nil {
		return err
	}
	if c.ExitCode && !res.Empty() {
		return &exitError{code: exitDiffers}
	}
	return nil
}

// files emits both designs' artifacts and returns the files that differ. Both trees are emitted as if built
// from the new design's file, so provenance headers do not show up as a change in every file. A design
// with errors may not be emittable (a build would refuse it); its entities are still compared.
func (c *diffCmd) files(e *env, oldPlan, newPlan *plan.Plan) []review.FileChange {
	oldPlan.Sources = newPlan.Sources
	opts := emit.Options{ToolVersion: version.Tool, CertDir: c.CertDir}
	oldFiles, oldErr := registry.EmitAll(oldPlan, opts)
	newFiles, newErr := registry.EmitAll(newPlan, opts)
	if oldErr != nil || newErr != nil {
		fmt.Fprintf(e.stderr, "ibcmc: artifact files not compared: %v\n", errors.Join(oldErr, newErr))
		return nil
	}
	return review.Files(oldFiles, newFiles)
}

// loadBoth compiles the two designs one after the other. (Side by side they would take half the time on
// two cores but hold both evaluations in memory at once: nearly twice what a build needs.)
func (c *diffCmd) loadBoth(e *env) (*plan.Plan, *plan.Plan, error) {
	if os.Getenv("GOGC") == "" {
		// A fifth of a compile's processor time is garbage collection. Collecting less often brings two
		// compiles from about 1.4 builds' time to 1.25, for about 1.3x a build's peak memory instead of
		// 1.05x (5,000 systems, bench/run): both within the 1.5x a diff may cost.
		defer debug.SetGCPercent(debug.SetGCPercent(150))
	}
	var plans [2]*plan.Plan
	for i, arg := range []string{c.Old, c.New} {
		e.stage.set("evaluating " + arg)
		res, err := compileSide(arg)
		if err != nil {
			return nil, nil, err
		}
		// A design with rule errors still compiles to a plan (its findings are part of the diff); a design
		// that fails the schema cannot be compared.
		if res.Plan == nil {
			printText(e.stderr, res.Diagnostics)
			return nil, nil, &exitError{code: exitInvalid, msg: fmt.Sprintf("%s does not satisfy the schema; fix it before comparing", arg)}
		}
		res.Plan.Sources = []string{arg}
		plans[i] = res.Plan
		if i == 0 {
			// The first evaluation's garbage is still on the heap; collecting it now lets the second reuse
			// that memory instead of growing the process (as build does before it emits).
			runtime.GC()
		}
	}
	return plans[0], plans[1], nil
}

// compileSide compiles one side of the diff, from a file or REV:PATH.
func compileSide(arg string) (*compiler.Result, error) {
	path, cleanup, err := resolveDesign(arg)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	return compileFiles([]string{path})
}

// resolveDesign returns a file to compile: the argument itself when it exists, or, for REV:PATH, the file
// as git stores it at that revision, written to a temporary directory under its own base name.
func resolveDesign(arg string) (string, func(), error) {
	noop := func() {}
	if _, err := os.Stat(arg); err == nil {
		return arg, noop, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", noop, &exitError{code: exitUsage, msg: err.Error()}
	}
	rev, path, ok := strings.Cut(arg, ":")
	if !ok || rev == "" || path == "" {
		return "", noop, &exitError{code: exitUsage, msg: fmt.Sprintf("%s: no such file or directory", arg)}
	}
	// A revision is never an option: "--output=x:../f" would make git write a file wherever it says.
	if strings.HasPrefix(rev, "-") {
		return "", noop, &exitError{code: exitUsage, msg: fmt.Sprintf("%s: a revision cannot start with \"-\"", arg)}
	}
	spec := rev + ":" + path
	if !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "./") {
		spec = rev + ":./" + path // relative to the working directory, as the user sees it
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("git", "show", "--end-of-options", spec)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", noop, &exitError{code: exitUsage, msg: fmt.Sprintf("git show %s: %s", spec, strings.TrimSpace(stderr.String()+" "+err.Error()))}
	}
	if stdout.Len() > compiler.MaxInputBytes {
		return "", noop, &exitError{code: exitUsage, msg: fmt.Sprintf("%s: over the %d-byte limit for a design file", arg, compiler.MaxInputBytes)}
	}
	dir, err := os.MkdirTemp("", "ibcmc-diff-*")
	if err != nil {
		return "", noop, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	file := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(file, stdout.Bytes(), 0o600); err != nil {
		cleanup()
		return "", noop, err
	}
	return file, cleanup, nil
}
