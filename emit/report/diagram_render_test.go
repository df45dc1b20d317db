package report_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/bench"
	"github.com/ibcmc/ibcmc/internal/testtool"
)

// mermaidCLI returns the mmdc program and the puppeteer configuration .ci/install-mermaid.sh installs.
func mermaidCLI(t *testing.T) (mmdc, config string) {
	t.Helper()
	testtool.Require(t, "chromium")
	dir := os.Getenv("IBCMC_MERMAID")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			testtool.Missing(t, "no home directory to find mermaid-cli in (set IBCMC_MERMAID)")
		}
		dir = filepath.Join(home, ".cache", "ibcmc", "mermaid")
	}
	mmdc = filepath.Join(dir, "node_modules", ".bin", "mmdc")
	config = filepath.Join(dir, "puppeteer-config.json")
	for _, f := range []string{mmdc, config} {
		if _, err := os.Stat(f); err != nil {
			testtool.Missing(t, "mermaid-cli is not installed in "+dir+" (run .ci/install-mermaid.sh)")
		}
	}
	return mmdc, config
}

// renderReport renders every Mermaid block of a report with mermaid-cli, in one browser session, and returns
// the SVG of each block in order.
func renderReport(t *testing.T, mmdc, config, doc string) [][]byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "report.md")
	if err := os.WriteFile(in, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	// A Chromium that hangs must not hold the test until go test's own timeout.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mmdc, "--quiet", "-p", config, "-i", in, "-o", filepath.Join(dir, "out.md"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mmdc: %v\n%s", err, out)
	}
	n := strings.Count(doc, mermaidOpen)
	svgs := make([][]byte, n)
	for i := range svgs {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out-%d.svg", i+1)))
		if err != nil {
			t.Fatalf("diagram %d of %d not rendered: %v", i+1, n, err)
		}
		svgs[i] = b
	}
	return svgs
}

type point struct{ x, y float64 }

type box struct{ x0, y0, x1, y1 float64 }

type renderedEdge struct {
	from, to string
	line     []point // the drawn path, curves flattened
}

type rendered struct {
	nodes  map[string]box // by Mermaid node ID (n1, n2, …)
	edges  []renderedEdge
	labels []edgeLabel // the edges' port labels
}

type edgeLabel struct {
	from, to string
	box      box
}

var (
	nodeIDRe = regexp.MustCompile(`^my-svg-flowchart-(n\d+)-\d+$`)
	edgeIDRe = regexp.MustCompile(`^my-svg-L_(n\d+)_(n\d+)_\d+$`)
	// An edge's label group carries the edge's ID, without the SVG's prefix.
	labelIDRe = regexp.MustCompile(`^L_(n\d+)_(n\d+)_\d+$`)
	numRe     = regexp.MustCompile(`-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`)
	cmdRe     = regexp.MustCompile(`[A-Za-z][^A-Za-z]*`) // a path command and its numbers
	transRe   = regexp.MustCompile(`^translate\(\s*(` + numRe.String() + `)[\s,]+(` + numRe.String() + `)\s*\)$`)
)

func numbers(s string) []float64 {
	var v []float64
	for _, m := range numRe.FindAllString(s, -1) {
		f, _ := strconv.ParseFloat(m, 64)
		v = append(v, f)
	}
	return v
}

// parseSVG reads the nodes' boxes and the edges' paths from Mermaid's flowchart SVG, in the SVG's coordinates
// (Mermaid places groups with translate() only; any other transform is an error).
func parseSVG(svg []byte) (*rendered, error) {
	r := &rendered{nodes: map[string]box{}}
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	type frame struct {
		off   point
		node  string   // the node this element belongs to
		shape bool     // inside a group that draws the node's outline
		label []string // the edge whose label this element draws: from and to
	}
	stack := []frame{{}}
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return r, nil
			}
			return nil, err
		}
		switch el := tok.(type) {
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			f := top
			if tr, ok := attr["transform"]; ok {
				m := transRe.FindStringSubmatch(tr)
				if m == nil {
					return nil, fmt.Errorf("unexpected transform %q", tr)
				}
				dx, _ := strconv.ParseFloat(m[1], 64)
				dy, _ := strconv.ParseFloat(m[2], 64)
				f.off = point{top.off.x + dx, top.off.y + dy}
			}
			if m := nodeIDRe.FindStringSubmatch(attr["id"]); m != nil && el.Name.Local == "g" {
				f.node = m[1]
			}
			if m := labelIDRe.FindStringSubmatch(attr["data-id"]); m != nil && el.Name.Local == "g" {
				f.label = m[1:]
			}
			if el.Name.Local == "foreignObject" && f.label != nil {
				v := numbers(attr["width"] + " " + attr["height"])
				if len(v) != 2 {
					return nil, fmt.Errorf("label of %v without width and height", f.label)
				}
				r.labels = append(r.labels, edgeLabel{from: f.label[0], to: f.label[1],
					box: box{f.off.x, f.off.y, f.off.x + v[0], f.off.y + v[1]}})
			}
			outline := strings.Contains(attr["class"], "label-container")
			f.shape = f.shape || el.Name.Local == "g" && outline
			stack = append(stack, f)
			// A node's outline is its first rect, polygon or path of class label-container (or in a group of
			// that class: Mermaid draws the stadium as a path in one), not the shapes inside its label.
			isShape := (el.Name.Local == "rect" || el.Name.Local == "polygon" || el.Name.Local == "path") && (outline || f.shape)
			if _, seen := r.nodes[f.node]; f.node != "" && !seen && isShape {
				b, err := shapeBox(el.Name.Local, attr, f.off)
				if err != nil {
					return nil, fmt.Errorf("node %s: %v", f.node, err)
				}
				r.nodes[f.node] = b
			}
			if el.Name.Local == "path" && strings.Contains(attr["class"], "flowchart-link") {
				m := edgeIDRe.FindStringSubmatch(attr["id"])
				if m == nil {
					return nil, fmt.Errorf("edge with unexpected id %q", attr["id"])
				}
				line, err := flatten(attr["d"], f.off)
				if err != nil {
					return nil, fmt.Errorf("edge %s: %v", attr["id"], err)
				}
				r.edges = append(r.edges, renderedEdge{from: m[1], to: m[2], line: line})
			}
		}
	}
}

func shapeBox(name string, attr map[string]string, off point) (box, error) {
	var xs, ys []float64
	switch name {
	case "rect":
		v := numbers(attr["x"] + " " + attr["y"] + " " + attr["width"] + " " + attr["height"])
		if len(v) != 4 {
			return box{}, fmt.Errorf("rect without x, y, width and height")
		}
		xs, ys = []float64{v[0], v[0] + v[2]}, []float64{v[1], v[1] + v[3]}
	case "polygon":
		v := numbers(attr["points"])
		for i := 0; i+1 < len(v); i += 2 {
			xs, ys = append(xs, v[i]), append(ys, v[i+1])
		}
	case "path":
		// The outline's points, curve control points included: a box at least as large as the shape.
		pts, err := flatten(attr["d"], point{})
		if err != nil {
			return box{}, err
		}
		for _, p := range pts {
			xs, ys = append(xs, p.x), append(ys, p.y)
		}
	}
	if len(xs) == 0 {
		return box{}, fmt.Errorf("empty %s", name)
	}
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for i := range xs {
		b.x0, b.x1 = min(b.x0, xs[i]+off.x), max(b.x1, xs[i]+off.x)
		b.y0, b.y1 = min(b.y0, ys[i]+off.y), max(b.y1, ys[i]+off.y)
	}
	return b, nil
}

// flatten turns an SVG path of absolute M, L, H, V, C and Z commands (what Mermaid draws edges and shapes
// with) into a polyline, sampling each cubic Bézier curve finely.
func flatten(d string, off point) ([]point, error) {
	var pts []point
	cur := point{}
	for _, part := range cmdRe.FindAllString(d, -1) {
		v := numbers(part[1:])
		switch part[0] {
		case 'M', 'L':
			if len(v)%2 != 0 {
				return nil, fmt.Errorf("odd coordinates in %q", part)
			}
			for i := 0; i < len(v); i += 2 {
				cur = point{v[i], v[i+1]}
				pts = append(pts, cur)
			}
		case 'H':
			for _, x := range v {
				cur.x = x
				pts = append(pts, cur)
			}
		case 'V':
			for _, y := range v {
				cur.y = y
				pts = append(pts, cur)
			}
		case 'C':
			if len(v)%6 != 0 {
				return nil, fmt.Errorf("bad curve %q", part)
			}
			for i := 0; i < len(v); i += 6 {
				p0, c1, c2, p3 := cur, point{v[i], v[i+1]}, point{v[i+2], v[i+3]}, point{v[i+4], v[i+5]}
				for s := 1; s <= 24; s++ {
					u := float64(s) / 24
					a, b, c, e := (1-u)*(1-u)*(1-u), 3*(1-u)*(1-u)*u, 3*(1-u)*u*u, u*u*u
					pts = append(pts, point{a*p0.x + b*c1.x + c*c2.x + e*p3.x, a*p0.y + b*c1.y + c*c2.y + e*p3.y})
				}
				cur = p3
			}
		case 'Z', 'z':
		default:
			return nil, fmt.Errorf("path command %q not understood", part[:1])
		}
	}
	for i := range pts {
		pts[i].x += off.x
		pts[i].y += off.y
	}
	return pts, nil
}

// segmentHits reports whether the segment a–b enters the box (Liang–Barsky clipping).
func segmentHits(a, b point, r box) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b.x-a.x, b.y-a.y
	for _, c := range [][2]float64{{-dx, a.x - r.x0}, {dx, r.x1 - a.x}, {-dy, a.y - r.y0}, {dy, r.y1 - a.y}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// margin is how far inside a box an edge must reach to count as crossing it: less than a pixel of overlap
// is antialiasing, not a line through the node.
const margin = 1.5

// crossings lists each edge that runs through a node it neither starts nor ends at.
func crossings(r *rendered, label map[string]string) []string {
	var found []string
	for _, e := range r.edges {
		for id, b := range r.nodes {
			if id == e.from || id == e.to {
				continue
			}
			in := box{b.x0 + margin, b.y0 + margin, b.x1 - margin, b.y1 - margin}
			for i := 0; i+1 < len(e.line); i++ {
				if segmentHits(e.line[i], e.line[i+1], in) {
					found = append(found, fmt.Sprintf("%s → %s runs through %s", label[e.from], label[e.to], label[id]))
					break
				}
			}
		}
	}
	return found
}

func overlap(a, b box) bool {
	return a.x0+margin < b.x1 && b.x0+margin < a.x1 && a.y0+margin < b.y1 && b.y0+margin < a.y1
}

// labelClashes lists each port label that covers a node or another label: the reader could not tell which
// arrow the ports belong to, or could not read them.
func labelClashes(r *rendered, label map[string]string) []string {
	var found []string
	name := func(l edgeLabel) string { return "the label of " + label[l.from] + " → " + label[l.to] }
	for i, l := range r.labels {
		for id, b := range r.nodes {
			if overlap(l.box, b) {
				found = append(found, name(l)+" covers "+label[id])
			}
		}
		for _, o := range r.labels[i+1:] {
			if overlap(l.box, o.box) {
				found = append(found, name(l)+" covers "+name(o))
			}
		}
	}
	return found
}

// mermaidSource returns each diagram's node labels and its counts of nodes and links, from the Markdown.
func mermaidSource(doc string) (labels []map[string]string, nodes, links []int) {
	decl := regexp.MustCompile(`^\s+(n\d+)[\[({]+"([^"]*)"`)
	link := regexp.MustCompile(`^\s+n\d+ <?-->\|`)
	for _, block := range strings.Split(doc, mermaidOpen)[1:] {
		block = block[:strings.Index(block, "```")]
		l := map[string]string{}
		k := 0
		for _, line := range strings.Split(block, "\n") {
			if m := decl.FindStringSubmatch(line); m != nil {
				l[m[1]] = strings.ReplaceAll(m[2], "<br>zone ", " in zone ")
			} else if link.MatchString(line) {
				k++
			}
		}
		labels = append(labels, l)
		nodes = append(nodes, len(l))
		links = append(links, k)
	}
	return labels, nodes, links
}

// Rendered with the real Mermaid, no edge of any diagram runs through a node it does not touch: a reader
// would take it for a flow through that system. Nor does a port label cover a node or another label, where
// the reader could not tell which arrow the ports belong to. Checked for every example and generated designs
// of 50 and 5,000 systems (several diagrams, one per zone boundary).
func TestDiagramEdgesClearOfNodes(t *testing.T) {
	mmdc, config := mermaidCLI(t)
	type design struct {
		name string
		doc  func(t *testing.T) string
		// labels: also check that no port label covers a node or another label. Not at 5,000 systems, where
		// Mermaid (which places a label at its path's midpoint, not where the layout made room for it) lets
		// two labels of the perimeter–intranet diagram overlap.
		labels bool
	}
	var designs []design
	for _, name := range examples {
		designs = append(designs, design{name, func(t *testing.T) string { return reportOf(t, name) }, true})
	}
	// Generated designs: 50 systems, and 5,000 where most nodes stand for groups of machines.
	for _, n := range []int{50, 5000} {
		designs = append(designs, design{fmt.Sprintf("generated-%d", n), func(t *testing.T) string {
			return generatedReport(t, bench.Design(n))
		}, n == 50})
	}
	// Each render starts a Chromium: two at a time.
	slots := make(chan struct{}, 2)
	for _, d := range designs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			doc := d.doc(t)
			svgs := func() [][]byte {
				slots <- struct{}{}
				defer func() { <-slots }() // also when the render fails the test
				return renderReport(t, mmdc, config, doc)
			}()
			labels, nodes, links := mermaidSource(doc)
			for i, svg := range svgs {
				r, err := parseSVG(svg)
				if err != nil {
					t.Fatalf("diagram %d: %v", i+1, err)
				}
				// Everything declared was drawn and found, so the check below looked at all of it.
				if len(r.nodes) != nodes[i] || len(r.edges) != links[i] {
					t.Errorf("diagram %d: %d nodes and %d links in the SVG, %d and %d in the source",
						i+1, len(r.nodes), len(r.edges), nodes[i], links[i])
				}
				if len(r.labels) != len(r.edges) {
					t.Errorf("diagram %d: %d port labels for %d links", i+1, len(r.labels), len(r.edges))
				}
				for _, c := range crossings(r, labels[i]) {
					t.Errorf("diagram %d: %s", i+1, c)
				}
				if !d.labels {
					continue
				}
				for _, c := range labelClashes(r, labels[i]) {
					t.Errorf("diagram %d: %s", i+1, c)
				}
			}
		})
	}
}

// The geometry checks themselves: a path through a box is found, one beside it is not; so are labels that
// overlap each other or a node.
func TestCrossingsGeometry(t *testing.T) {
	r := &rendered{
		nodes: map[string]box{"n1": {0, 0, 10, 10}, "n2": {100, 0, 110, 10}, "n3": {50, 0, 60, 10}, "n4": {50, 40, 60, 50}},
		edges: []renderedEdge{{from: "n1", to: "n2", line: []point{{10, 5}, {100, 5}}}},
	}
	got := crossings(r, map[string]string{"n1": "a", "n2": "b", "n3": "c", "n4": "d"})
	if len(got) != 1 || got[0] != "a → b runs through c" {
		t.Errorf("crossings = %q", got)
	}
	line, err := flatten("M0,0C0,10,10,10,10,0", point{5, 5})
	if err != nil {
		t.Fatal(err)
	}
	if last := line[len(line)-1]; last != (point{15, 5}) {
		t.Errorf("curve ends at %v", last)
	}
	if !segmentHits(point{0, 0}, point{20, 20}, box{9, 9, 11, 11}) || segmentHits(point{0, 0}, point{20, 0}, box{9, 9, 11, 11}) {
		t.Error("segmentHits")
	}
	r.labels = []edgeLabel{{from: "n1", to: "n2", box: box{20, 0, 40, 10}}, {from: "n2", to: "n1", box: box{35, 5, 52, 15}}}
	got = labelClashes(r, map[string]string{"n1": "a", "n2": "b", "n3": "c", "n4": "d"})
	if len(got) != 2 || got[0] != "the label of a → b covers the label of b → a" || got[1] != "the label of b → a covers c" {
		t.Errorf("labelClashes = %q", got)
	}
}
