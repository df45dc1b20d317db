package report

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// flowMatrix lists every flow the design needs, in the order of firewall/flows.csv, and says which cross a
// zone boundary (those are the nftables rules).
func flowMatrix(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Flow matrix\n\n")
	if len(p.Flows) == 0 {
		b.WriteString("No flows: the design needs no connection through a firewall.\n")
		return
	}
	crossing := 0
	for _, f := range p.Flows {
		if f.FromZone != f.ToZone {
			crossing++
		}
	}
	fmt.Fprintf(b, "%d flow(s), %d crossing a zone boundary (firewall/nftables). Everything else is denied; "+
		"`ibcmc query FROM TO PORT/PROTO` says which flow allows a packet.\n\n", len(p.Flows), crossing)
	tableHeader(b, "Flow", "From", "To", "Ports", "Purpose", "Required by")
	for _, f := range p.Flows {
		// A row per flow, escaped straight into the report.
		startRow(b)
		writeCode(b, f.ID)
		nextCell(b)
		flowEnd(b, f.From, f.FromZone, f.FromAddresses)
		nextCell(b)
		flowEnd(b, f.To, f.ToZone, f.ToAddresses)
		nextCell(b)
		writeMD(b, f.Protocol+" "+plan.JoinPorts(f.Ports, ", "))
		nextCell(b)
		writeMD(b, f.Purpose)
		nextCell(b)
		writeMD(b, strings.Join(f.RequiredBy, "; "))
		endRow(b)
	}
}

// flowEnd writes "name (zone) `addresses`"; a flow end without an address is a name only.
func flowEnd(b out, name, zone string, addrs []string) {
	writeMD(b, name)
	b.WriteString(" (")
	writeMD(b, zone)
	b.WriteString(")")
	if len(addrs) > 0 {
		b.WriteString(" ")
		writeCode(b, strings.Join(addrs, " "))
	}
}
