package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/internal/bug"
	"github.com/ibcmc/ibcmc/internal/outdir"
	"github.com/ibcmc/ibcmc/version"
)

type buildCmd struct {
	inputArgs
	Out     string `short:"o" help:"Output directory." default:"out" type:"path"`
	Strict  bool   `help:"Treat warnings as errors."`
	Force   bool   `help:"Build into a non-empty directory that has no ibcmc manifest (its files are kept)."`
	Check   bool   `help:"Write nothing; exit 1 and list the stale files when the output directory differs from what the design produces."`
	CertDir string `name:"cert-dir" help:"Where proxy configs expect certificates and keys." default:"/etc/ibcmc/pki"`
	LabPKI  bool   `name:"lab-pki" help:"Also write a throwaway lab PKI (with private keys) into DIR/lab-pki and point the proxy configs at it. LAB ONLY."`
}

func (c *buildCmd) Help() string {
	return "A build that fails writes nothing. A build that succeeds replaces the previous ibcmc output in one step and never deletes files ibcmc did not write, nor files written while it ran; it keeps the modes of existing directories. Builds into one directory take turns, and an interrupted build leaves no temporary files. -o may be a symbolic link to a directory; a directory that is, or contains, a mount point is refused."
}

func (c *buildCmd) Run(e *env) error {
	// The build swaps the output directory by rename, which would replace a symbolic link itself; it
	// builds into the directory the link leads to instead, and says so.
	out, viaLink, err := outdir.Resolve(c.Out)
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	if viaLink {
		fmt.Fprintf(e.stderr, "ibcmc: %s is a symbolic link; building into %s\n", c.Out, out)
		c.Out = out
	}
	// An interrupted build removes its temporary tree (it may hold lab private keys) and its lock before
	// the signal ends the process.
	stop := outdir.HandleSignals(func(sig os.Signal, replaced bool) {
		if replaced {
			fmt.Fprintf(e.stderr, "ibcmc: interrupted (%v) after the new tree was put in place in %s\n", sig, out)
		} else {
			fmt.Fprintf(e.stderr, "ibcmc: interrupted (%v); %s is unchanged and no temporary files are left\n", sig, out)
		}
	})
	defer stop()
	res, l, err := findings(e, c.Paths, c.Strict)
	if err != nil {
		return err
	}
	printText(e.stderr, l)
	if l.HasErrors(false) {
		fmt.Fprintf(e.stderr, "ibcmc: build failed; %s is unchanged\n", c.Out)
		return invalid()
	}
	opts := emit.Options{ToolVersion: version.Tool, CertDir: c.CertDir, LabPKI: c.LabPKI}
	if c.LabPKI {
		if c.Check {
			return &exitError{code: exitUsage, msg: "--check cannot be combined with --lab-pki: lab keys are random on every build"}
		}
		// nginx -t and haproxy -c resolve relative paths against their own prefix, so the configs name the
		// lab PKI by absolute path.
		abs, err := filepath.Abs(filepath.Join(c.Out, labpki.Dir))
		if err != nil {
			return err
		}
		opts.CertDir = abs
	}
	// The evaluator's garbage is still on the heap here; collecting it now lets the emitters reuse that
	// memory instead of growing the process (peak RSS 382 -> 321-340 MiB on a 5,000-system design).
	runtime.GC()
	files, err := registry.EmitAll(res.Plan, opts)
	if err != nil {
		return bug.Wrap(err) // two emitters writing one file, or one writing outside the tree: ibcmc's bug
	}
	if c.Check {
		stale, err := outdir.Diff(c.Out, files)
		if err != nil {
			return err
		}
		if len(stale) > 0 {
			for _, s := range stale {
				fmt.Fprintln(e.stdout, s)
			}
			return &exitError{code: exitInvalid, msg: fmt.Sprintf("%s is stale: %d file(s) differ from what the design produces; run ibcmc build", c.Out, len(stale))}
		}
		fmt.Fprintf(e.stderr, "%s is up to date (%d files)\n", c.Out, len(files))
		return nil
	}
	// Another build of the same directory is waited for, as long as --timeout allows (guard).
	e.stage.set("writing " + c.Out)
	notify := func(msg string) {
		if strings.HasPrefix(msg, "waiting for") {
			e.stage.set(msg)
		}
		fmt.Fprintf(e.stderr, "ibcmc: %s\n", msg)
	}
	if err := outdir.WriteWith(c.Out, files, outdir.Options{Force: c.Force, LockWait: -1, Notify: notify}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %d files to %s\n", len(files), c.Out)
	return nil
}
