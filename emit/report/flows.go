package report

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/learn"
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
		if f.Crosses() {
			crossing++
		}
	}
	fmt.Fprintf(b, "%d flow(s), %d crossing a zone boundary. They are every connection the design's machines need "+
		"between each other as Microsoft's [Ports used in Configuration Manager]("+learn.Ports+") "+
		"and the [CMG data flow]("+learn.CMGDataFlow+") list them, "+
		"in every zone: the Windows Firewall scripts allow each one into its machine, and the nftables rulesets allow those "+
		"that cross a firewall and drop other connections between the design's zones. Not covered, on purpose: the console "+
		"and SMS Provider, remote control, Wake on LAN, PXE and multicast, client push, intersite replication, reporting, "+
		"and cloud endpoints beyond the ones named (firewall/README.md). "+
		"`ibcmc query FROM TO PORT/PROTO` says which flow allows a packet.\n\n", len(p.Flows), crossing)
	if len(p.Firewalls) > 0 {
		b.WriteString("Firewalls: ")
		for i, fw := range p.Firewalls {
			if i > 0 {
				b.WriteString("; ")
			}
			writeCode(b, fw.Name)
			b.WriteString(" (")
			writeMD(b, strings.Join(fw.Zones, ", "))
			if fw.DNAT {
				b.WriteString(", translates public addresses")
			}
			if !fw.Declared {
				b.WriteString(", one per zone boundary")
			}
			b.WriteString(")")
		}
		b.WriteString(".\n\n")
	}
	tableHeader(b, "Flow", "From", "To", "Ports", "Purpose", "Required by")
	for _, f := range p.Flows {
		// A row per flow, escaped straight into the report.
		startRow(b)
		writeCode(b, f.ID)
		nextCell(b)
		flowEnd(b, f.From, f.FromZone, f.FromAddresses)
		nextCell(b)
		flowEnd(b, f.To, f.ToZone, f.ToAddresses)
		if len(f.ToPublic) > 0 {
			b.WriteString(", public ")
			writeCode(b, strings.Join(f.ToPublic, " "))
		}
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
