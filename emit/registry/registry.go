// Package registry is the ordered table of emitters `ibcmc build` runs. Adding an artifact family is one
// package under emit/ and one line here.
package registry

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/ccmsetup"
	"github.com/ibcmc/ibcmc/emit/certs"
	"github.com/ibcmc/ibcmc/emit/firewall"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/emit/proxy"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/internal/bug"
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

// maxOutputBytes bounds the artifacts of one design: a 5,000-system site writes about 130 MiB. A variable so
// a test can lower it.
var maxOutputBytes = 1 << 30

// EmitAll runs every emitter and returns the files sorted by path. Two emitters writing one path, or a path
// that could leave the output directory, is an internal error.
func EmitAll(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	// Emitters are pure functions of an immutable plan, so they run concurrently; their results are
	// merged in registry order and sorted, so the output does not depend on scheduling.
	results := make([][]emit.File, len(Emitters))
	errs := make([]error, len(Emitters))
	var wg sync.WaitGroup
	for i, e := range Emitters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = bug.Recovered(r)
				}
			}()
			results[i], errs[i] = e.Emit(p, o)
		}()
	}
	wg.Wait()
	var files []emit.File
	total := 0
	owner := map[string]string{}
	for i, e := range Emitters {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, errs[i])
		}
		for _, f := range results[i] {
			if err := emit.CheckPath(f.Path); err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name, err)
			}
			key := strings.ToLower(f.Path) // Windows file systems do not tell report.md from Report.md
			if prev, dup := owner[key]; dup {
				return nil, fmt.Errorf("%s and %s both write %s", prev, e.Name, f.Path)
			}
			owner[key] = e.Name
			files = append(files, f)
			total += len(f.Content)
		}
	}
	if total > maxOutputBytes {
		return nil, fmt.Errorf("the artifacts add up to %d MiB, over the %d MiB ibcmc writes for one design; the design repeats something into every artifact (see the largest files' sources), or is far larger than a site", total>>20, maxOutputBytes>>20)
	}
	slices.SortFunc(files, func(a, b emit.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}
