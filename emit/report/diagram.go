package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Diagram size limits, in links (a link is every flow from one node to another, or both ways when both
// directions carry the same ports).
const (
	// maxOverviewLinks: a design with more links gets a diagram per zone boundary instead of one diagram.
	// Mermaid's layered layout keeps a dozen links and their port labels apart, but drawn as one diagram the
	// fabrikam-perimeter example (24 links) has port labels covering a machine and each other; 12 keeps a
	// margin below that. A reviewer of a firewall change reads one boundary at a time anyway.
	maxOverviewLinks = 12
	// maxDiagramLinks: a diagram with more links, after grouping machines, is not drawn. Mermaid refuses
	// diagrams over 500 links or 50,000 characters (its maxEdges and maxTextSize defaults), and one with
	// more than a hundred or so links is unreadable anyway; the flow matrix lists every flow.
	maxDiagramLinks = 150
)

// diagram writes Mermaid flowcharts of the design's machines and flows: a node per system, proxy, gateway
// and flow peer, its label naming its zone, and a link per pair of them labelled with its ports. GitHub
// renders them in pull requests. A small design is one diagram; a larger one gets a diagram per zone
// boundary and one per zone for the flows inside it, so that each stays readable and Mermaid lays it out
// without links running through machines they do not touch (diagram_render_test.go renders them with
// Mermaid and checks).
// Only a small subset of Mermaid is emitted (see diagram_test.go), with generated node IDs and escaped
// labels, so no design value can change a diagram's structure.
func diagram(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Diagram\n\n")
	g := buildGraph(p)
	if len(g.links) <= maxOverviewLinks {
		v := g.view(g.links)
		legend(b, []view{v})
		b.WriteString("\n")
		g.write(b, v, labelled)
		return
	}
	bounds := g.boundaries()
	views := make([]view, len(bounds))
	for i, bd := range bounds {
		views[i] = g.view(bd.links)
	}
	fmt.Fprintf(&fmtWriter{b}, "This design is drawn as one diagram per zone boundary, then one per zone for the flows inside it: as one diagram its %d arrows would be unreadable. ", len(g.links))
	legend(b, views)
	for i, bd := range bounds {
		b.WriteString("\n### ")
		if bd.a == bd.b {
			b.WriteString("Inside ")
			writeMD(b, g.zones[bd.a].name)
		} else {
			writeMD(b, g.zones[bd.a].name)
			b.WriteString(" – ")
			writeMD(b, g.zones[bd.b].name)
		}
		b.WriteString("\n\n")
		if n := len(views[i].links); n > maxDiagramLinks {
			fmt.Fprintf(&fmtWriter{b}, "%d arrows, too many to draw; the flow matrix lists every flow.\n", n)
			continue
		}
		if bd.a == bd.b {
			g.write(b, views[i], inside)
		} else {
			g.write(b, views[i], labelled)
		}
	}
}

// legend explains the arrows, and the double arrows and grouped nodes when the diagrams have any.
func legend(b out, views []view) {
	both, groups := false, false
	for _, v := range views {
		groups = groups || len(v.names) > 0
		for _, l := range v.links {
			both = both || l.both
		}
	}
	b.WriteString("Each arrow is one or more flows of the flow matrix, labelled with their ports")
	if both {
		b.WriteString("; a double arrow carries the same ports both ways")
	}
	b.WriteString(".")
	if groups {
		b.WriteString(" A node that names several machines stands for each of them: they have the same flows in that diagram.")
	}
	b.WriteString("\n")
}

// fmtWriter lets fmt write into an out.
type fmtWriter struct{ b out }

func (w *fmtWriter) Write(p []byte) (int, error) { return w.b.WriteString(string(p)) }

type graphZone struct {
	name string
	kind plan.ZoneKind
}

type graphNode struct {
	id    string
	zone  int    // index into graph.zones
	name  string // the machine's name in the design or flow matrix
	kind  string // what it is: a system's roles, a proxy's product and mode; empty for a flow peer
	shape string
}

// graphLink is every flow from one node to another, or both ways when both directions carry the same ports.
type graphLink struct {
	from, to int // indexes into graph.nodes
	ports    string
	both     bool
}

type graph struct {
	zones  []graphZone
	zoneOf map[string]int
	nodes  []graphNode
	nodeOf map[string]int
	links  []graphLink
}

// zoneRank orders zones, and so the diagrams of their boundaries, from the outside in.
func zoneRank(kind plan.ZoneKind) int {
	switch kind {
	case plan.ZoneInternet:
		return 0
	case plan.ZonePerimeter:
		return 1
	}
	return 2
}

func buildGraph(p *plan.Plan) *graph {
	g := &graph{zoneOf: make(map[string]int, len(p.Zones)), nodeOf: make(map[string]int, len(p.Systems)+len(p.Publishing)+len(p.CMGs))}
	for _, z := range p.Zones {
		g.zone(z.Name, z.Kind)
	}
	for _, s := range p.Systems {
		g.node(s.Zone, s.Name, systemRoles(s), "box")
	}
	for _, x := range p.Publishing {
		g.node(x.Zone, x.Name, fmt.Sprintf("%s proxy (%s)", x.Product, x.Mode), "proxy")
	}
	for _, c := range p.CMGs {
		g.node("internet", c.Name, fmt.Sprintf("CMG %s (%s)", c.ServiceName, c.Deployment), "cloud")
	}
	type pair struct{ from, to int }
	ports := map[pair]map[string][]plan.PortRange{}
	var order []pair
	for _, f := range p.Flows {
		k := pair{g.node(f.FromZone, f.From, "", "box"), g.node(f.ToZone, f.To, "", "box")}
		if _, ok := ports[k]; !ok {
			order = append(order, k)
			ports[k] = map[string][]plan.PortRange{}
		}
		ports[k][f.Protocol] = append(ports[k][f.Protocol], f.Ports...)
	}
	label := func(k pair) string { return portsLabel(ports[k]) }
	done := map[pair]bool{}
	for _, k := range order {
		if done[k] {
			continue
		}
		done[k] = true
		l := graphLink{from: k.from, to: k.to, ports: label(k)}
		// The same ports both ways (a site server and its site systems): one double arrow, so the layout has no
		// cycle to break and the diagram half the arrows.
		if back := (pair{k.to, k.from}); !done[back] && ports[back] != nil && label(back) == l.ports {
			done[back] = true
			l.both = true
		}
		g.links = append(g.links, l)
	}
	return g
}

// portsLabel spells a link's ports per protocol, tcp first, each protocol's ranges merged: the flows of a
// domain member to its domain controller overlap, and a label that repeats ports is only harder to read.
func portsLabel(byProto map[string][]plan.PortRange) string {
	protos := make([]string, 0, len(byProto))
	for p := range byProto {
		protos = append(protos, p)
	}
	slices.Sort(protos) // tcp before udp
	parts := make([]string, 0, len(protos))
	for _, p := range protos {
		rs := slices.Clone(byProto[p])
		slices.SortFunc(rs, func(a, b plan.PortRange) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
		merged := rs[:0:0]
		for _, r := range rs {
			if n := len(merged); n > 0 && r.From <= merged[n-1].To+1 {
				merged[n-1].To = max(merged[n-1].To, r.To)
				continue
			}
			merged = append(merged, r)
		}
		parts = append(parts, plan.JoinPorts(merged, ",")+"/"+p)
	}
	return strings.Join(parts, ", ")
}

func (g *graph) zone(name string, kind plan.ZoneKind) int {
	if i, ok := g.zoneOf[name]; ok {
		return i
	}
	g.zoneOf[name] = len(g.zones)
	g.zones = append(g.zones, graphZone{name: name, kind: kind})
	return len(g.zones) - 1
}

// node returns the index of the node for name, creating it in zone with kind and shape the first time.
// Nodes are keyed by name: the same system seen in flows and in the design is one node.
func (g *graph) node(zone, name, kind, shape string) int {
	if i, ok := g.nodeOf[name]; ok {
		return i
	}
	z, ok := g.zoneOf[zone]
	if !ok {
		z = g.zone(zone, "")
	}
	g.nodeOf[name] = len(g.nodes)
	g.nodes = append(g.nodes, graphNode{id: "n" + strconv.Itoa(len(g.nodes)+1), zone: z, name: name, kind: kind, shape: shape})
	return len(g.nodes) - 1
}

type boundary struct {
	a, b  int // zone indexes, a <= b in drawing order; a == b for the flows inside a zone
	links []graphLink
}

// boundaries groups the links by the pair of zones they join: boundaries between zones first, from the outside
// in, then the flows inside each zone.
func (g *graph) boundaries() []boundary {
	idx := map[[2]int]int{}
	var bs []boundary
	for _, l := range g.links {
		a, b := g.nodes[l.from].zone, g.nodes[l.to].zone
		if g.zoneLess(b, a) {
			a, b = b, a
		}
		k := [2]int{a, b}
		i, ok := idx[k]
		if !ok {
			i = len(bs)
			idx[k] = i
			bs = append(bs, boundary{a: a, b: b})
		}
		bs[i].links = append(bs[i].links, l)
	}
	slices.SortStableFunc(bs, func(x, y boundary) int {
		return cmp.Or(cmp.Compare(b2i(x.a == x.b), b2i(y.a == y.b)), g.zoneCmp(x.a, y.a), g.zoneCmp(x.b, y.b))
	})
	return bs
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// zoneCmp orders zones from the outside in, then as the design lists them.
func (g *graph) zoneCmp(a, b int) int {
	return cmp.Or(cmp.Compare(zoneRank(g.zones[a].kind), zoneRank(g.zones[b].kind)), cmp.Compare(a, b))
}

func (g *graph) zoneLess(a, b int) bool { return g.zoneCmp(a, b) < 0 }

// minGroup is the fewest machines drawn as one node: a pair still reads better by name.
const minGroup = 3

// groupNames is how many of a group's machines its node names before "and N more".
const groupNames = 3

// view is what one diagram draws: nodes, by index into graph.nodes, with their labels' names, and links.
type view struct {
	nodes []int
	names map[int]string // a grouped node's name: its machines'
	rep   map[int]int    // each node of the links → the node drawn for it
	links []graphLink
}

// view picks the nodes the links join. Machines of the same kind in the same zone with the same links among
// these (the distribution points of a large site) become one node that names them: drawn one by one they
// would only multiply identical arrows.
func (g *graph) view(links []graphLink) view {
	// Each node's links, as text: equal text, same links.
	sig := map[int][]string{}
	for _, l := range links {
		out, in := ">", "<"
		if l.both {
			out, in = "=", "="
		}
		sig[l.from] = append(sig[l.from], out+g.nodes[l.to].id+" "+l.ports)
		sig[l.to] = append(sig[l.to], in+g.nodes[l.from].id+" "+l.ports)
	}
	used := make([]int, 0, len(sig))
	for i := range sig {
		used = append(used, i)
	}
	slices.Sort(used)
	members := map[string][]int{}
	var keys []string
	for _, i := range used {
		s := sig[i]
		slices.Sort(s)
		n := g.nodes[i]
		k := strconv.Itoa(n.zone) + "\x00" + n.shape + "\x00" + n.kind + "\x00" + strings.Join(s, "\x00")
		if members[k] == nil {
			keys = append(keys, k)
		}
		members[k] = append(members[k], i)
	}
	v := view{names: make(map[int]string, len(keys)), rep: make(map[int]int, len(used))}
	rep := v.rep
	for _, k := range keys {
		m := members[k]
		v.nodes = append(v.nodes, m[0])
		for _, i := range m {
			rep[i] = m[0]
		}
		if len(m) < minGroup {
			for _, i := range m[1:] {
				v.nodes = append(v.nodes, i)
				rep[i] = i
			}
			continue
		}
		shown := m
		if len(m) > groupNames+1 { // "and 1 more" would take the room of the name
			shown = m[:groupNames]
		}
		names := make([]string, 0, len(shown))
		for _, i := range shown {
			names = append(names, g.nodes[i].name)
		}
		v.names[m[0]] = strings.Join(names, ", ")
		if len(shown) < len(m) {
			v.names[m[0]] += " and " + strconv.Itoa(len(m)-len(shown)) + " more"
		}
	}
	slices.Sort(v.nodes)
	drawn := map[graphLink]bool{}
	for _, l := range links {
		l.from, l.to = rep[l.from], rep[l.to]
		if !drawn[l] {
			drawn[l] = true
			v.links = append(v.links, l)
		}
	}
	return v
}

// How a diagram shows zones. Not as subgraphs: Mermaid lays out a subgraph with links to the outside as one
// compound node, then routes those links across the machines inside it and stacks their port labels.
type zoning int

const (
	// labelled: each node's label names its zone (one diagram of a small design, or a zone boundary).
	labelled zoning = iota
	// inside one zone: the heading names it.
	inside
)

// write writes one flowchart of a view.
func (g *graph) write(b out, v view, zoning zoning) {
	b.WriteString("```mermaid\nflowchart LR\n")
	for _, i := range v.nodes {
		n := g.nodes[i]
		if name, ok := v.names[i]; ok {
			n.name = name
		}
		zone := ""
		if zoning == labelled {
			zone = g.zones[n.zone].name
		}
		b.WriteString("  ")
		n.decl(b, zone)
		b.WriteString("\n")
	}
	for _, l := range v.links {
		b.WriteString("  ")
		b.WriteString(g.nodes[l.from].id)
		if l.both {
			b.WriteString(` <-->|"`)
		} else {
			b.WriteString(` -->|"`)
		}
		escape.WriteMermaidLabel(b, l.ports)
		b.WriteString(`"| `)
		b.WriteString(g.nodes[l.to].id)
		b.WriteString("\n")
	}
	b.WriteString("```\n")
}

func systemRoles(s *plan.System) string {
	var roles []string
	for _, r := range s.Roles.List() {
		roles = append(roles, r.Kind)
	}
	return strings.Join(roles, ", ")
}

// decl writes the node's declaration: its ID and its label in the shape's brackets, with a second line
// naming its zone when zone is not empty.
func (n graphNode) decl(b out, zone string) {
	open, end := `["`, `"]`
	switch n.shape {
	case "cloud":
		open, end = `(["`, `"])`
	case "proxy":
		open, end = `{{"`, `"}}`
	}
	b.WriteString(n.id)
	b.WriteString(open)
	escape.WriteMermaidLabel(b, n.name)
	if n.kind != "" {
		b.WriteString(": ")
		escape.WriteMermaidLabel(b, n.kind)
	}
	if zone != "" {
		b.WriteString("<br>zone ")
		escape.WriteMermaidLabel(b, zone)
	}
	b.WriteString(end)
}
