package firewall

import (
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/plan"
)

// readme is firewall/README.md: what each firewall file is, how to load it, and what the flow matrix covers
// and leaves out. It carries the provenance of flows.csv, which has no comment syntax.
func readme(p *plan.Plan, o emit.Options) []byte {
	var w textbuf.Blocks
	t := w.Start("\n")
	t.B = append(t.B, emit.Provenance(emit.Markdown, p, o)...)
	t.Line("# Firewall artifacts of site ", escape.Markdown(p.Site.Code))
	t.Line()
	crossing := 0
	for _, f := range p.Flows {
		if f.Crosses() {
			crossing++
		}
	}
	t.Line("- `flows.csv`: the flow matrix, ", strconv.Itoa(len(p.Flows)), " flows (", strconv.Itoa(crossing),
		" cross a zone boundary). Plain CSV (RFC 4180, header row first, CRLF); the `source` column is the Microsoft page that documents each flow.")
	for _, fw := range p.Firewalls {
		if fw.Product != plan.FirewallNftables {
			t.Line("- firewall ", escape.MarkdownCode(fw.Name), " (product ", escape.Markdown(string(fw.Product)), "): no ruleset; configure it from the flows whose `firewalls` column names it.")
			continue
		}
		name := fw.Name + ".nft"
		t.Line("- ", escape.MarkdownCode("nftables/"+name), ": firewall ", escape.Markdown(fw.Name), " between zones ", escape.Markdown(strings.Join(fw.Zones, ", ")),
			". Load it on that firewall as root: ", escape.MarkdownCode("nft -c -f "+name+" && nft -f "+name), ". It replaces only its own table.")
	}
	t.Line("- `windows/<machine>.ps1`: Windows Firewall rules of each Windows machine of the design (site systems, site server, site database server): every inbound flow, from any zone. Run elevated on that machine; running it again is safe.")
	t.Line()
	t.Line("## What the flow matrix covers")
	t.Line()
	t.Line("Every connection the design's machines need between each other, in every zone, as Microsoft's ",
		"[Ports used in Configuration Manager](https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports) ",
		"and the [CMG data flow](https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/data-flow) list them: ",
		"clients to the roles that allow them, publishing entries to what they publish, the site server to and from every site system, ",
		"the site database, domain controllers, distribution points to management points, certificate revocation (CRL downloads), ",
		"software update synchronization, and the CMG and service connection points to Azure.")
	t.Line()
	t.Line("It leaves out, on purpose: the Configuration Manager console and SMS Provider, remote control, Wake on LAN, PXE and multicast, ",
		"client push installation, intersite replication, reporting, DHCP, and the internet endpoints of Microsoft's cloud services beyond ",
		"the ones named (Microsoft Entra ID sign-in, Windows Update for Business, Microsoft Store). A rule that allows more than a flow is ",
		"yours to add; the nftables rulesets drop only connections between the design's zones that no flow allows, so your own rules in ",
		"other tables are never overridden by ibcmc, but a connection between two zones of the design that no flow names is dropped.")
	return w.End(&t)
}
