package jsonschema_test

// autogold defines the -update flag. Importing it in every test package lets the documented
// `go test ./... -update` run everywhere instead of failing with "flag provided but not defined"
// (autogold issue #52); here it also rewrites design.schema.json.
import _ "github.com/hexops/autogold/v2"
