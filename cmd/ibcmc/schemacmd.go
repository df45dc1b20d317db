package main

import (
	"io/fs"

	"github.com/ibcmc/ibcmc/schema"
)

type schemaCmd struct{}

func (schemaCmd) Help() string {
	return "Prints the CUE schema every design is unified with (#Design), for editors and reviewers."
}

func (schemaCmd) Run(e *env) error {
	data, err := fs.ReadFile(schema.FS, "design.cue")
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(data)
	return err
}
