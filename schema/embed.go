// Package schema holds the ibcmc design language as a CUE module, embedded into the binary so users never
// need it on disk.
package schema

import "embed"

// FS is the CUE module: cue.mod/module.cue and the schema package files.
//
//go:embed cue.mod/module.cue *.cue
var FS embed.FS

// DesignSelector names the root definition every design is unified with.
const DesignSelector = "#Design"

// Version is the version of the design language this schema implements.
const Version = "v1"
