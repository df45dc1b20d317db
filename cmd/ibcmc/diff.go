package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
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
	Files    bool   `help:"Also show the changed artifact files as unified diffs."`
	CertDir  string `name:"cert-dir" help:"Where proxy configs expect certificates (as for build)." default:"/etc/ibcmc/pki"`
}

func (c *diffCmd) Help() string {
	return `Compiles both designs and compares what they produce by stable ID: findings (what breaks), flows,
internet endpoints and proxy routes (what opens), install lines and certificate requests (what clients and
PKI must change). Exit status: 0 (or 3 with --exit-code when they differ), 1 when a design does not get
past the schema, 2 usage or I/O error.`
}

func (c *diffCmd) Run(e *env) error {
	oldPlan, err := c.load(e, c.Old)
	if err != nil {
		return err
	}
	newPlan, err := c.load(e, c.New)
	if err != nil {
		return err
	}
	res := &review.Result{Old: c.Old, New: c.New, Entities: review.Plans(oldPlan, newPlan)}

	// Both trees are emitted as if built from the new design's file, so provenance headers do not show
	// up as a change in every file.
	sources := newPlan.Sources
	oldPlan.Sources = sources
	opts := emit.Options{ToolVersion: version.Tool, CertDir: c.CertDir}
	// A design with errors may not be emittable (a build would refuse it); its findings are still compared.
	oldFiles, oldErr := registry.EmitAll(oldPlan, opts)
	newFiles, newErr := registry.EmitAll(newPlan, opts)
	if oldErr == nil && newErr == nil {
		res.Files = review.Files(oldFiles, newFiles)
	} else {
		fmt.Fprintf(e.stderr, "ibcmc: artifact files not compared: %v\n", errors.Join(oldErr, newErr))
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

// load compiles one side of the diff. A design with rule errors still compiles to a plan (its findings are
// part of the diff); a design that fails the schema cannot be compared.
func (c *diffCmd) load(e *env, arg string) (*plan.Plan, error) {
	path, cleanup, err := resolveDesign(arg)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res, err := compile(e, []string{path})
	if err != nil {
		return nil, err
	}
	if res.Plan == nil {
		printText(e.stderr, res.Diagnostics)
		return nil, &exitError{code: exitInvalid, msg: fmt.Sprintf("%s does not satisfy the schema; fix it before comparing", arg)}
	}
	res.Plan.Sources = []string{arg}
	return res.Plan, nil
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
