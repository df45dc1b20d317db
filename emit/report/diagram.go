package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// diagram writes a Mermaid flowchart: one subgraph per zone, a node per system, proxy, gateway and flow
// peer, and one edge per (from, to) pair labelled with its ports. GitHub renders it in pull requests.
// Only a small subset of Mermaid is emitted (see diagram_test.go), with generated node IDs and escaped
// labels, so no design value can change the diagram's structure.
func diagram(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Diagram\n\n")
	g := newGraph(len(p.Zones), len(p.Systems)+len(p.Publishing)+len(p.CMGs))
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
	// The nodes of each zone, in the order they were made, found in one pass over the nodes.
	inZone := map[string][]int{}
	for i, n := range g.nodes {
		inZone[n.zone] = append(inZone[n.zone], i)
	}
	for _, z := range g.zones {
		b.WriteString("  subgraph ")
		b.WriteString(z.id)
		b.WriteString(`["`)
		escape.WriteMermaidLabel(b, z.name)
		b.WriteString(" (")
		escape.WriteMermaidLabel(b, z.kind)
		b.WriteString(")\"]\n")
		for _, i := range inZone[z.name] {
			b.WriteString("    ")
			g.nodes[i].decl(b)
			b.WriteString("\n")
		}
		b.WriteString("  end\n")
	}
	for _, n := range g.nodes {
		if _, ok := g.zoneIDs[n.zone]; !ok {
			b.WriteString("  ")
			n.decl(b)
			b.WriteString("\n")
		}
	}
	for _, k := range order {
		ls := labels[k]
		slices.Sort(ls)
		b.WriteString("  ")
		b.WriteString(k.from)
		b.WriteString(` -->|"`)
		escape.WriteMermaidLabel(b, strings.Join(slices.Compact(ls), ", "))
		b.WriteString(`"| `)
		b.WriteString(k.to)
		b.WriteString("\n")
	}
	b.WriteString("```\n")
}

func systemLabel(s *plan.System) string {
	var roles []string
	for _, r := range s.Roles.List() {
		roles = append(roles, r.Kind)
	}
	return s.Name + ": " + strings.Join(roles, ", ")
}

type graphZone struct{ id, name, kind string }

type graphNode struct {
	id, zone, label, shape string
}

// decl writes the node's declaration: its ID and its label in the shape's brackets.
func (n graphNode) decl(b out) {
	open, end := `["`, `"]`
	switch n.shape {
	case "cloud":
		open, end = `(["`, `"])`
	case "proxy":
		open, end = `{{"`, `"}}`
	}
	b.WriteString(n.id)
	b.WriteString(open)
	escape.WriteMermaidLabel(b, n.label)
	b.WriteString(end)
}

type graph struct {
	zones   []graphZone
	zoneIDs map[string]string
	nodes   []graphNode
	nodeIDs map[string]string
}

// newGraph makes a graph with room for about this many zones and nodes.
func newGraph(zones, nodes int) *graph {
	return &graph{zoneIDs: make(map[string]string, zones), nodes: make([]graphNode, 0, nodes),
		nodeIDs: make(map[string]string, nodes)}
}

func (g *graph) zone(name, kind string) {
	if _, ok := g.zoneIDs[name]; ok {
		return
	}
	id := "z" + strconv.Itoa(len(g.zones)+1)
	g.zoneIDs[name] = id
	g.zones = append(g.zones, graphZone{id: id, name: name, kind: kind})
}

// node returns the ID of the node for name in zone, creating it with label and shape the first time.
// Nodes are keyed by name: the same system seen in flows and in the design is one node.
func (g *graph) node(zone, name, label, shape string) string {
	if id, ok := g.nodeIDs[name]; ok {
		return id
	}
	id := "n" + strconv.Itoa(len(g.nodes)+1)
	g.nodeIDs[name] = id
	g.nodes = append(g.nodes, graphNode{id: id, zone: zone, label: label, shape: shape})
	return id
}
