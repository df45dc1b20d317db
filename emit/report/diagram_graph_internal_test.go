package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/bench"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// Every flow of the plan is drawn, in the diagram of its zone boundary (or the one diagram of a small
// design): an arrow between the nodes drawn for its two ends, in its direction, labelled with its ports.
// Grouping machines and merging both directions lose no flow.
func TestDiagramDrawsEveryFlow(t *testing.T) {
	plans := map[string]*plan.Plan{}
	for _, name := range testdesign.Examples {
		plans[name] = testdesign.ExamplePlan(t, "../..", name)
	}
	res := testdesign.CompileOne(t, bench.Design(50))
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	plans["generated-50"] = res.Plan
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			g := buildGraph(p)
			// The view each zone pair's flows are drawn in.
			views := map[[2]int]view{}
			if len(g.links) <= maxOverviewLinks {
				v := g.view(g.links)
				for a := range g.zones {
					for b := range g.zones {
						views[[2]int{a, b}] = v
					}
				}
			} else {
				for _, bd := range g.boundaries() {
					v := g.view(bd.links)
					views[[2]int{bd.a, bd.b}], views[[2]int{bd.b, bd.a}] = v, v
				}
			}
			// The examples with more than a few links, and the generated design, are split.
			split := name == "fabrikam-perimeter" || name == "woodgrove-cmg" || name == "generated-50"
			if got := len(g.links) > maxOverviewLinks; got != split {
				t.Errorf("%d links: split into zone boundaries is %v, want %v", len(g.links), got, split)
			}
			for _, f := range p.Flows {
				from, to := g.nodeOf[f.From], g.nodeOf[f.To]
				v := views[[2]int{g.nodes[from].zone, g.nodes[to].zone}]
				found := false
				for _, l := range v.links {
					forward := l.from == v.rep[from] && l.to == v.rep[to]
					backward := l.both && l.from == v.rep[to] && l.to == v.rep[from]
					if (forward || backward) && labelCovers(t, l.ports, f) {
						found = true
					}
				}
				if !found {
					t.Errorf("flow %s is not drawn", f.ID)
				}
			}
		})
	}
}

// labelCovers reports whether a link's label ("53,88,135/tcp, 53,88,123/udp") names every port of the flow.
func labelCovers(t *testing.T, label string, f *plan.Flow) bool {
	t.Helper()
	for _, part := range strings.Split(label, ", ") {
		list, proto, ok := strings.Cut(part, "/")
		if !ok {
			t.Fatalf("label %q: %q has no protocol", label, part)
		}
		if proto != f.Protocol {
			continue
		}
		var have []plan.PortRange
		for _, r := range strings.Split(list, ",") {
			lo, hi, _ := strings.Cut(r, "-")
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(cmp.Or(hi, lo))
			if err1 != nil || err2 != nil {
				t.Fatalf("label %q: port range %q", label, r)
			}
			have = append(have, plan.PortRange{From: a, To: b})
		}
		return !slices.ContainsFunc(f.Ports, func(p plan.PortRange) bool {
			return !slices.ContainsFunc(have, func(h plan.PortRange) bool { return h.From <= p.From && p.To <= h.To })
		})
	}
	return false
}

func TestPortsLabel(t *testing.T) {
	ranges := func(pairs ...int) []plan.PortRange {
		var rs []plan.PortRange
		for i := 0; i < len(pairs); i += 2 {
			rs = append(rs, plan.PortRange{From: pairs[i], To: pairs[i+1]})
		}
		return rs
	}
	// Overlapping, repeated and adjacent ranges, out of order: the flows of a domain member to its domain
	// controller, and a software update point's two ports.
	got := portsLabel(map[string][]plan.PortRange{
		"udp": ranges(53, 53, 88, 88, 123, 123, 389, 389, 389, 389, 636, 636),
		"tcp": ranges(135, 135, 49152, 65535, 53, 53, 445, 445, 8530, 8530, 8531, 8531, 50000, 50010),
	})
	if want := "53,135,445,8530-8531,49152-65535/tcp, 53,88,123,389,636/udp"; got != want {
		t.Errorf("portsLabel = %q, want %q", got, want)
	}
}

// A node drawn for several machines names them, up to three and a count, and the machines are the same
// kind in the same zone with the same links.
func TestDiagramGroupsMachines(t *testing.T) {
	res := testdesign.CompileOne(t, bench.Design(50))
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	g := buildGraph(res.Plan)
	var names []string
	for _, bd := range g.boundaries() {
		v := g.view(bd.links)
		for rep, name := range v.names {
			names = append(names, name)
			for i, r := range v.rep {
				if r == rep && (g.nodes[i].zone != g.nodes[rep].zone || g.nodes[i].kind != g.nodes[rep].kind) {
					t.Errorf("%s grouped with %s", g.nodes[i].name, g.nodes[rep].name)
				}
			}
		}
	}
	want := "cm00001, cm00002, cm00004 and 29 more"
	if !strings.Contains(strings.Join(names, "\n"), want) {
		t.Errorf("no node named %q among %q", want, names)
	}
}
