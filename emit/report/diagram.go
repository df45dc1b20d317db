package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// diagram writes a Mermaid flowchart: one subgraph per zone, a node per system, proxy, gateway and flow
// peer, and one edge per (from, to) pair labelled with its ports. GitHub renders it in pull requests.
// Only a small subset of Mermaid is emitted (see diagram_test.go), with generated node IDs and escaped
// labels, so no design value can change the diagram's structure.
func diagram(b *strings.Builder, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Diagram\n\n")
	g := newGraph()
	for _, z := range p.Zones {
		g.zone(z.Name, z.Kind)
	}
	for _, s := range p.Systems {
		g.node(s.Zone, s.Name, systemLabel(s), "box")
	}
	for _, x := range p.Publishing {
		g.node(x.Zone, x.Name, fmt.Sprintf("%s proxy %s (%s)", x.Product, x.Name, x.Mode), "proxy")
	}
	for _, c := range p.CMGs {
		g.node("internet", c.Name, fmt.Sprintf("CMG %s (%s)", c.ServiceName, c.Deployment), "cloud")
	}
	type pair struct{ from, to string }
	labels := map[pair][]string{}
	var order []pair
	for _, f := range p.Flows {
		from := g.node(f.FromZone, f.From, f.From, "box")
		to := g.node(f.ToZone, f.To, f.To, "box")
		k := pair{from, to}
		if _, ok := labels[k]; !ok {
			order = append(order, k)
		}
		labels[k] = append(labels[k], plan.JoinPorts(f.Ports, ",")+"/"+f.Protocol)
	}

	b.WriteString("```mermaid\nflowchart LR\n")
	for _, z := range g.zones {
		fmt.Fprintf(b, "  subgraph %s[\"%s (%s)\"]\n", z.id, escape.MermaidLabel(z.name), escape.MermaidLabel(z.kind))
		for _, n := range g.nodes {
			if n.zone == z.name {
				fmt.Fprintf(b, "    %s\n", n.decl())
			}
		}
		b.WriteString("  end\n")
	}
	for _, n := range g.nodes {
		if _, ok := g.zoneIDs[n.zone]; !ok {
			fmt.Fprintf(b, "  %s\n", n.decl())
		}
	}
	for _, k := range order {
		ls := labels[k]
		slices.Sort(ls)
		fmt.Fprintf(b, "  %s -->|\"%s\"| %s\n", k.from, escape.MermaidLabel(strings.Join(slices.Compact(ls), ", ")), k.to)
	}
	b.WriteString("```\n")
}

func systemLabel(s *plan.System) string {
	var roles []string
	for _, r := range s.Roles.List() {
		roles = append(roles, r.Kind)
	}
	return fmt.Sprintf("%s: %s", s.Name, strings.Join(roles, ", "))
}

type graphZone struct{ id, name, kind string }

type graphNode struct {
	id, zone, label, shape string
}

func (n graphNode) decl() string {
	l := escape.MermaidLabel(n.label)
	switch n.shape {
	case "cloud":
		return fmt.Sprintf("%s([\"%s\"])", n.id, l)
	case "proxy":
		return fmt.Sprintf("%s{{\"%s\"}}", n.id, l)
	default:
		return fmt.Sprintf("%s[\"%s\"]", n.id, l)
	}
}

type graph struct {
	zones   []graphZone
	zoneIDs map[string]string
	nodes   []graphNode
	nodeIDs map[string]string
}

func newGraph() *graph {
	return &graph{zoneIDs: map[string]string{}, nodeIDs: map[string]string{}}
}

func (g *graph) zone(name, kind string) {
	if _, ok := g.zoneIDs[name]; ok {
		return
	}
	id := fmt.Sprintf("z%d", len(g.zones)+1)
	g.zoneIDs[name] = id
	g.zones = append(g.zones, graphZone{id: id, name: name, kind: kind})
}

// node returns the ID of the node for name in zone, creating it with label and shape the first time.
// Nodes are keyed by name: the same system seen in flows and in the design is one node.
func (g *graph) node(zone, name, label, shape string) string {
	if id, ok := g.nodeIDs[name]; ok {
		return id
	}
	id := fmt.Sprintf("n%d", len(g.nodes)+1)
	g.nodeIDs[name] = id
	g.nodes = append(g.nodes, graphNode{id: id, zone: zone, label: label, shape: shape})
	return id
}
