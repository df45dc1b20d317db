package firewall

import (
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/plan"
)

var csvHeader = []string{"id", "from_zone", "from", "from_address", "to_zone", "to", "to_address", "protocol", "ports", "purpose", "required_by"}

// flowsCSV is the neutral flow matrix: one row per flow in the plan's order. Addresses and ports are
// space-separated; requirements are separated by "; ".
func flowsCSV(p *plan.Plan, prov string) []byte {
	var w textbuf.Blocks
	t := w.Start("\n")
	t.B = append(t.B, prov...)
	t.B = escape.AppendCSVRecord(t.B, csvHeader...)
	for _, f := range p.Flows {
		t.B = escape.AppendCSVRecord(t.B, f.ID, f.FromZone, f.From, strings.Join(f.FromAddresses, " "), f.ToZone, f.To,
			strings.Join(f.ToAddresses, " "), f.Protocol, portList(f, " "), f.Purpose, strings.Join(f.RequiredBy, "; "))
	}
	return w.End(&t)
}
