package firewall

import (
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/plan"
)

var csvHeader = []string{"id", "from_zone", "from", "from_address", "to_zone", "to", "to_address", "to_public_address",
	"protocol", "ports", "purpose", "required_by", "firewalls", "source"}

// flowsCSV is the neutral flow matrix: plain RFC 4180 CSV (header row first, CRLF line endings), one row
// per flow in the plan's order, so Excel, Python's csv and Go's encoding/csv read it without options.
// Addresses, ports and firewalls are space-separated; requirements are separated by "; ". The provenance
// that other files carry in a comment is in firewall/README.md: CSV has no comments.
func flowsCSV(p *plan.Plan) []byte {
	var w textbuf.Blocks
	t := w.Start("\r\n")
	t.B = escape.AppendCSVRecord(t.B, csvHeader...)
	for _, f := range p.Flows {
		t.B = escape.AppendCSVRecord(t.B, f.ID, f.FromZone, f.From, strings.Join(f.FromAddresses, " "), f.ToZone, f.To,
			strings.Join(f.ToAddresses, " "), strings.Join(f.ToPublic, " "), f.Protocol, portList(f, " "), f.Purpose,
			strings.Join(f.RequiredBy, "; "), strings.Join(f.Firewalls, " "), f.Source)
	}
	return w.End(&t)
}
