package report

import (
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
	if lines[0] != "## Flow matrix" || lines[2] != "15 flow(s), 11 crossing a zone boundary (firewall/nftables). Everything else is denied; `ibcmc query FROM TO PORT/PROTO` says which flow allows a packet." {
		t.Errorf("heading and summary:\n%s", strings.Join(lines[:3], "\n"))
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
