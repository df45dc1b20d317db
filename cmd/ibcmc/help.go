package main

import (
	"fmt"
	"strings"

	"github.com/alecthomas/kong"
)

// helpCmd makes `ibcmc help build` print what `ibcmc build --help` prints, as people type it.
type helpCmd struct {
	Command []string `arg:"" optional:"" name:"command" help:"The command to describe, e.g. build, or certs check."`
}

func (c *helpCmd) Run(kctx *kong.Context) error {
	sub, err := kong.Trace(kctx.Kong, c.Command)
	if err == nil {
		err = sub.Error
	}
	if err != nil || sub.Selected() == nil && len(c.Command) > 0 {
		return &exitError{code: exitUsage, msg: fmt.Sprintf("no command %q; `ibcmc help` lists them", strings.Join(c.Command, " "))}
	}
	return sub.PrintUsage(false)
}
