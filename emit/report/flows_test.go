package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

func TestFlowMatrix(t *testing.T) {
	res := testdesign.Example(t, "../..", "fabrikam-perimeter")
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	var b strings.Builder
	flowMatrix(&b, res.Plan, emit.Options{})
	lines := strings.Split(b.String(), "\n")
	summary := "46 flow(s), 19 crossing a zone boundary. They are every connection the design's machines need between each other as " +
		"Microsoft's [Ports used in Configuration Manager](https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports) and the " +
		"[CMG data flow](https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/data-flow) list them, in every zone: the Windows " +
		"Firewall scripts allow each one into its machine, and the nftables rulesets allow those that cross a firewall and drop other " +
		"connections between the design's zones. Not covered, on purpose: the console and SMS Provider, remote control, Wake on LAN, PXE " +
		"and multicast, client push, intersite replication, reporting, and cloud endpoints beyond the ones named (firewall/README.md). " +
		"`ibcmc query FROM TO PORT/PROTO` says which flow allows a packet."
	firewalls := "Firewalls: `internet-intranet` (internet, intranet, one per zone boundary); `internet-perimeter` (internet, perimeter, " +
		"one per zone boundary); `intranet-perimeter` (intranet, perimeter, one per zone boundary)."
	if lines[0] != "## Flow matrix" || lines[2] != summary || lines[4] != firewalls {
		t.Errorf("heading and summary:\n%s", strings.Join(lines[:5], "\n"))
	}
	// The report never claims that everything else is denied: it says what the matrix leaves out.
	if strings.Contains(b.String(), "Everything else is denied") {
		t.Error("the report claims more than the flow matrix covers")
	}
	published := "| `any-to-edge-tcp-8530` | any (internet) `0.0.0.0/0 ::/0` | edge (perimeter) `172.16.50.10`, public `203.0.113.10` | tcp 8530 | internet clients to HTTP ibcm.fabrikam.com (softwareUpdatePoint) published by edge | cmibcm01 softwareUpdatePoint |"
	if !slices.Contains(lines, published) {
		t.Errorf("no row %s", published)
	}
	want := "| `cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433` | cmibcm01 (perimeter) `172.16.50.21` | sql01.corp.fabrikam.com (intranet) `10.20.0.20` | tcp 1433 | management point to the site database (SQL Server) | cmibcm01 managementPoint |"
	rows := 0
	found := false
	for _, l := range lines {
		if strings.HasPrefix(l, "| `") {
			rows++
		}
		found = found || l == want
	}
	if !found || rows != len(res.Plan.Flows) {
		t.Errorf("%d rows for %d flows; row found: %v\n%s", rows, len(res.Plan.Flows), found, b.String())
	}
}

func TestFlowMatrixEscapesValues(t *testing.T) {
	p := &plan.Plan{Flows: []*plan.Flow{{
		ID: "x|y", From: "a|b\n## injected", FromZone: "z", To: "<script>", ToZone: "z", Protocol: "tcp",
		Ports: []plan.PortRange{{From: 1, To: 1}}, Purpose: "p | q", RequiredBy: []string{"r"},
	}}}
	var b strings.Builder
	flowMatrix(&b, p, emit.Options{})
	last := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	row := last[len(last)-1]
	want := "| `x\\|y` | a\\|b \\#\\# injected (z) | &lt;script&gt; (z) | tcp 1 | p \\| q | r |"
	if row != want {
		t.Errorf("row %q, want %q", row, want)
	}
	if strings.Contains(b.String(), "\n## injected") {
		t.Error("a value started a heading")
	}
}
