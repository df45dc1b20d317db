package report

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// flowMatrix lists every flow the design needs, in the order of firewall/flows.csv, and says which cross a
// zone boundary (those are the nftables rules).
func flowMatrix(b *strings.Builder, p *plan.Plan, _ emit.Options) {
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
	var rows [][]string
	for _, f := range p.Flows {
		rows = append(rows, []string{
			code(f.ID),
			flowEnd(f.From, f.FromZone, f.FromAddresses),
			flowEnd(f.To, f.ToZone, f.ToAddresses),
			md(f.Protocol + " " + plan.JoinPorts(f.Ports, ", ")),
			md(f.Purpose),
			md(strings.Join(f.RequiredBy, "; ")),
		})
	}
	table(b, []string{"Flow", "From", "To", "Ports", "Purpose", "Required by"}, rows)
}

// flowEnd is "name (zone) `addresses`"; a flow end without an address is a name only.
func flowEnd(name, zone string, addrs []string) string {
	s := md(name) + " (" + md(zone) + ")"
	if len(addrs) > 0 {
		s += " " + code(strings.Join(addrs, " "))
	}
	return s
}
