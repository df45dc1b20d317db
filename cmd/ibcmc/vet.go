package main

import (
	"fmt"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/rules"
	"github.com/ibcmc/ibcmc/version"
)

type vetCmd struct {
	inputArgs
	Format string `help:"Output format: text (stderr), json or sarif (stdout)." enum:"text,json,sarif" default:"text"`
	Strict bool   `help:"Treat warnings as errors."`
}

func (c *vetCmd) Help() string {
	return "Exit status: 0 no errors, 1 the design has errors (or warnings with --strict), 2 usage or I/O error."
}

func (c *vetCmd) Run(e *env) error {
	_, l, err := findings(e, c.Paths, c.Strict)
	if err != nil {
		return err
	}
	switch c.Format {
	case "json":
		if err := diag.WriteJSON(e.stdout, l); err != nil {
			return err
		}
	case "sarif":
		if err := diag.WriteSARIF(e.stdout, l, version.Tool, rules.Infos()); err != nil {
			return err
		}
	default:
		printText(e.stderr, l)
		if !l.HasErrors(false) {
			errs, warns := l.Count()
			fmt.Fprintf(e.stderr, "ok: %d error(s), %d warning(s)\n", errs, warns)
		}
	}
	if l.HasErrors(false) {
		return invalid()
	}
	return nil
}
