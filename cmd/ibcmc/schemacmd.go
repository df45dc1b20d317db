package main

import (
	"fmt"
	"io/fs"

	"github.com/ibcmc/ibcmc/schema"
	"github.com/ibcmc/ibcmc/schema/jsonschema"
)

type schemaCmd struct {
	Format string `help:"cue: the CUE schema every design is unified with; jsonschema: the same as JSON Schema (draft 2020-12) for editors and validators of JSON and YAML designs." enum:"cue,jsonschema" default:"cue"`
}

func (schemaCmd) Help() string {
	return `Prints the schema of the design language: by default the CUE schema every design is unified with
(#Design), for reviewers and CUE users; with --format jsonschema, a JSON Schema generated from it, so
that editors complete and check designs written in JSON or YAML:

  ibcmc schema --format jsonschema > design.schema.json

then start a YAML design with

  # yaml-language-server: $schema=./design.schema.json

or map the file to your JSON designs in the editor's settings (VS Code: json.schemas). The JSON Schema
checks fields, types, enumerations, ranges and the form of names, addresses and URLs; ibcmc vet also
checks what it cannot (references between names, and the rules ibcmc explain lists).
Every field is described in docs/design-language.md in the ibcmc repository.`
}

func (c schemaCmd) Run(e *env) error {
	var data []byte
	var err error
	switch c.Format {
	case "jsonschema":
		data, err = jsonschema.Generate()
	case "cue":
		data, err = fs.ReadFile(schema.FS, "design.cue")
	default:
		return fmt.Errorf("unknown format %q", c.Format) // kong's enum refuses it first
	}
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(data)
	return err
}
