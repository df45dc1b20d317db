// Package registry is the ordered table of emitters `ibcmc build` runs. Adding an artifact family is one
// package under emit/ and one line here.
package registry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/ccmsetup"
	"github.com/ibcmc/ibcmc/emit/certs"
	"github.com/ibcmc/ibcmc/emit/firewall"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/emit/proxy"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/plan"
)

// Emitters in the order they run.
var Emitters = []emit.Emitter{
	{Name: "report", Emit: report.Emit},
	{Name: "proxy", Emit: proxy.Emit},
	{Name: "labpki", Emit: labpki.Emit},
	{Name: "firewall", Emit: firewall.Emit},
	{Name: "certs", Emit: certs.Emit},
	{Name: "ccmsetup", Emit: ccmsetup.Emit},
}

// EmitAll runs every emitter and returns the files sorted by path. Two emitters writing one path, or a path
// that could leave the output directory, is an internal error.
func EmitAll(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	var files []emit.File
	owner := map[string]string{}
	for _, e := range Emitters {
		out, err := e.Emit(p, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		for _, f := range out {
			if err := emit.CheckPath(f.Path); err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name, err)
			}
			if prev, dup := owner[strings.ToLower(f.Path)]; dup {
				return nil, fmt.Errorf("%s and %s both write %s", prev, e.Name, f.Path)
			}
			owner[strings.ToLower(f.Path)] = e.Name
			files = append(files, f)
		}
	}
	slices.SortFunc(files, func(a, b emit.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}
