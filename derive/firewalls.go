package derive

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/ibcmc/ibcmc/plan"
)

// boundary returns the derived firewall between two zones, adding it to the plan the first time.
func boundary(p *plan.Plan, byBoundary map[[2]string]*plan.Firewall, names map[string]bool, a, b string) *plan.Firewall {
	k := [2]string{min(a, b), max(a, b)}
	if fw := byBoundary[k]; fw != nil {
		return fw
	}
	name := k[0] + "-" + k[1]
	for n, base := 2, name; names[name]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	names[name] = true
	fw := &plan.Firewall{Name: name, Path: plan.Path("zones"), Product: plan.FirewallNftables, Zones: []string{k[0], k[1]}}
	byBoundary[k] = fw
	p.Firewalls = append(p.Firewalls, fw)
	return fw
}

// placeOnFirewalls places every flow that leaves its zone on the network firewalls it passes. A declared
// firewall is passed by every flow between two zones it has an interface in. Without a firewalls section,
// each pair of zones is one firewall, named after its two zones ("internet-perimeter"), also when no flow
// crosses it: then it drops everything between them.
func placeOnFirewalls(p *plan.Plan) {
	declared := len(p.Firewalls) > 0
	byBoundary := map[[2]string]*plan.Firewall{}
	names := map[string]bool{}
	for _, fw := range p.Firewalls {
		names[fw.Name] = true
	}
	if !declared {
		// Every pair of zones is a boundary, also one no flow crosses: its firewall drops everything between
		// the two zones.
		for i, a := range p.Zones {
			for _, b := range p.Zones[i+1:] {
				boundary(p, byBoundary, names, a.Name, b.Name)
			}
		}
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
		fw := boundary(p, byBoundary, names, f.FromZone, f.ToZone)
		f.Firewalls = []string{fw.Name}
	}
	slices.SortFunc(p.Firewalls, func(a, b *plan.Firewall) int { return cmp.Compare(a.Name, b.Name) })
	p.Reindex()
}
