package compiler

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/ibcmc/ibcmc/plan"
)

// deriveFirewalls places every flow that leaves its zone on the network firewalls it passes. A declared
// firewall is passed by every flow between two zones it has an interface in. Without a firewalls section,
// each zone boundary a flow crosses is one firewall, named after its two zones ("internet-perimeter").
func deriveFirewalls(p *plan.Plan) {
	declared := len(p.Firewalls) > 0
	byBoundary := map[[2]string]*plan.Firewall{}
	names := map[string]bool{}
	for _, fw := range p.Firewalls {
		names[fw.Name] = true
	}
	for _, f := range p.Flows {
		f.Firewalls = nil
		if !f.Crosses() {
			continue
		}
		if declared {
			for _, fw := range p.Firewalls {
				if fw.Between(f.FromZone, f.ToZone) {
					f.Firewalls = append(f.Firewalls, fw.Name)
				}
			}
			continue
		}
		k := [2]string{min(f.FromZone, f.ToZone), max(f.FromZone, f.ToZone)}
		fw := byBoundary[k]
		if fw == nil {
			name := k[0] + "-" + k[1]
			for n, base := 2, name; names[name]; n++ {
				name = base + "-" + strconv.Itoa(n)
			}
			names[name] = true
			fw = &plan.Firewall{Name: name, Path: plan.Path("zones"), Product: "nftables", Zones: []string{k[0], k[1]}}
			byBoundary[k] = fw
			p.Firewalls = append(p.Firewalls, fw)
		}
		f.Firewalls = []string{fw.Name}
	}
	slices.SortFunc(p.Firewalls, func(a, b *plan.Firewall) int { return cmp.Compare(a.Name, b.Name) })
	p.Reindex()
}
