package fwlab_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/bench"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/firewall"
	"github.com/ibcmc/ibcmc/internal/fwlab"
	"github.com/ibcmc/ibcmc/internal/netlab"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

func TestMain(m *testing.M) {
	netlab.RunHelper()
	os.Exit(m.Run())
}

// requireLab skips where namespaces cannot be built, and fails instead under IBCMC_REQUIRE_TOOLS=1 (CI).
func requireLab(t *testing.T) {
	t.Helper()
	if ok, why := netlab.Available(); !ok {
		if os.Getenv("IBCMC_REQUIRE_TOOLS") == "1" {
			t.Fatalf("the network lab cannot run: %s", why)
		}
		t.Skipf("the network lab cannot run: %s", why)
	}
}

// adminTable is an unrelated table of the firewall's own admin: it must keep working beside ibcmc's.
const adminTable = `table inet lab_admin {
	chain forward {
		type filter hook forward priority filter - 5; policy accept;
		tcp dport 9 drop comment "the admin's own rule"
	}
}
`

// probeTimeout bounds each probe: a dropped connection is one that gets no answer within it.
const probeTimeout = 1500 * time.Millisecond

// rulesets emits the design's nftables files.
func rulesets(t *testing.T, p *plan.Plan) map[string][]byte {
	t.Helper()
	files, err := firewall.Emit(p, emit.Options{ToolVersion: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		if strings.HasPrefix(f.Path, "firewall/nftables/") {
			out[f.Path] = f.Content
		}
	}
	return out
}

// runLab builds the topology of p, loads the admin table and the rulesets (twice, to prove reloading), and
// probes. It returns one line per failed expectation.
func runLab(t *testing.T, p *plan.Plan, sets map[string][]byte) []string {
	t.Helper()
	l, err := fwlab.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	lab, err := netlab.Start(l.Spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Close(); err != nil {
			t.Errorf("closing the lab: %v", err)
		}
	})
	if err := lab.Load([]byte(adminTable)); err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range sets {
			if !yield(k) {
				return
			}
		}
	})
	for round := 0; round < 2; round++ {
		for _, name := range names {
			if err := lab.Load(sets[name]); err != nil {
				t.Fatalf("loading %s: %v", name, err)
			}
		}
	}
	tables, err := lab.Nft("list", "tables")
	if err != nil {
		t.Fatal(err)
	}
	var fails []string
	want := []string{"table inet lab_admin"}
	for _, fw := range p.Firewalls {
		if fw.Product == "nftables" && sets["firewall/nftables/"+fw.Name+".nft"] != nil {
			want = append(want, "table inet ibcmc_"+p.Site.Code+"_"+strings.NewReplacer("-", "_", ".", "_").Replace(fw.Name))
		}
	}
	got := strings.Split(strings.TrimSpace(tables), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		fails = append(fails, fmt.Sprintf("tables after loading every ruleset twice: %q, want %q", got, want))
	}

	open, dropped := l.AdminProbes()
	var probes []netlab.Probe
	for _, e := range l.Required {
		probes = append(probes, e.Probe)
	}
	for _, e := range l.Forbidden {
		probes = append(probes, e.Probe)
	}
	probes = append(probes, open, dropped)
	res, err := lab.Probe(probes, probeTimeout)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range l.Required {
		if r := res[i]; !r.OK {
			fails = append(fails, fmt.Sprintf("flow %s: %s %s:%d from %s: %s", e.Why, r.Proto, r.To, r.Port, r.From, r.Detail))
		}
	}
	for i, e := range l.Forbidden {
		if r := res[len(l.Required)+i]; r.OK || r.Detail != netlab.DetailTimeout {
			fails = append(fails, fmt.Sprintf("forbidden %s: %s %s:%d from %s was not dropped: %s", e.Why, r.Proto, r.To, r.Port, r.From, r.Detail))
		}
	}
	if r := res[len(res)-2]; !r.OK {
		fails = append(fails, "unrelated traffic between two internet hosts was blocked: "+r.Detail)
	}
	if r := res[len(res)-1]; r.OK || r.Detail != netlab.DetailTimeout {
		fails = append(fails, "the admin table's own drop rule stopped working: "+r.Detail)
	}
	t.Logf("%d hosts, %d rulesets, %d flow probes, %d forbidden probes", len(l.Spec.Hosts), len(sets), len(l.Required), len(l.Forbidden))
	return fails
}

func checkLab(t *testing.T, p *plan.Plan) {
	t.Helper()
	sets := rulesets(t, p)
	if len(sets) == 0 {
		t.Fatal("no nftables ruleset")
	}
	for _, f := range runLab(t, p, sets) {
		t.Error(f)
	}
}

func TestLabExamples(t *testing.T) {
	requireLab(t)
	for _, name := range testdesign.Examples {
		t.Run(name, func(t *testing.T) {
			checkLab(t, testdesign.ExamplePlan(t, filepath.Join("..", ".."), name))
		})
	}
}

// A three-legged firewall that translates the proxy's public address: one ruleset, interface-scoped.
func TestLabDeclaredFirewallWithDNAT(t *testing.T) {
	requireLab(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "fabrikam-perimeter", "site.cue"))
	if err != nil {
		t.Fatal(err)
	}
	design := string(src) + `
firewalls: edge: {interfaces: {internet: "wan0", perimeter: "dmz0", intranet: "lan0"}, dnat: true}
`
	res := testdesign.CompileOne(t, design)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	if sets := rulesets(t, res.Plan); len(sets) != 1 || sets["firewall/nftables/edge.nft"] == nil {
		t.Fatalf("rulesets %v, want only edge.nft", sets)
	}
	checkLab(t, res.Plan)
}

func TestLabGeneratedDesigns(t *testing.T) {
	requireLab(t)
	for _, n := range []int{12, 30} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			res := testdesign.CompileOne(t, bench.Design(n))
			if res.Plan == nil {
				t.Fatal(res.Diagnostics)
			}
			checkLab(t, res.Plan)
		})
	}
}

// The lab must notice a missing flow: without the perimeter MP's SQL flow in the rulesets, its probe times
// out while everything else still passes.
func TestLabCatchesAMissingFlow(t *testing.T) {
	requireLab(t)
	p := testdesign.ExamplePlan(t, filepath.Join("..", ".."), "fabrikam-perimeter")
	const removed = "cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433"
	cut := *p
	cut.Flows = slices.DeleteFunc(slices.Clone(p.Flows), func(f *plan.Flow) bool { return f.ID == removed })
	if len(cut.Flows) != len(p.Flows)-1 {
		t.Fatalf("no flow %s", removed)
	}
	fails := runLab(t, p, rulesets(t, &cut))
	want := "flow " + removed + ": tcp 10.20.0.20:1433 from "
	if len(fails) != 1 || !strings.HasPrefix(fails[0], want) || !strings.HasSuffix(fails[0], ": timeout") {
		t.Errorf("failures:\n%s\nwant exactly one, starting %q and ending in a timeout", strings.Join(fails, "\n"), want)
	}
}
