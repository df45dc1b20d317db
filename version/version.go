// Package version names this build of ibcmc. It is a constant, not a build stamp, so that generated files
// (which carry it in their provenance header) stay byte-identical across builds of the same release.
package version

// Tool is the ibcmc release.
const Tool = "0.1.0"
