package firewall

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/plan"
)

// windowsFiles writes one script per Windows machine of the design: every site system, the site server and
// the site database server (the same machine may be all three), whether or not a flow reaches it.
func windowsFiles(p *plan.Plan, prov string) []emit.File {
	machines := make([]string, 0, len(p.Systems)+2)
	known := make(map[string]bool, len(p.Systems)+2)
	for _, m := range []string{p.SiteServerName(), p.DatabaseName()} {
		if !known[m] {
			machines = append(machines, m)
			known[m] = true
		}
	}
	for _, s := range p.Systems {
		if !known[s.Name] {
			machines = append(machines, s.Name)
			known[s.Name] = true
		}
	}
	inbound := map[string][]*plan.Flow{}
	for _, f := range p.Flows {
		if plan.Windows(f.ToKind) && known[f.To] {
			inbound[f.To] = append(inbound[f.To], f)
		}
	}
	slices.Sort(machines)
	ws := newWindowsWriter(p, prov)
	files := make([]emit.File, 0, len(machines))
	for _, m := range machines {
		files = append(files, emit.File{Path: "firewall/windows/" + m + ".ps1", Content: ws.script(m, inbound[m])})
	}
	return files
}

// windowsWriter writes the scripts of one build. What every script has in common is made once.
type windowsWriter struct {
	w     textbuf.Blocks
	p     *plan.Plan
	prov  string
	group string // the rule group of the site, quoted
	// header is the rest of the script's header after its first comment, the same in every script.
	header string
}

func newWindowsWriter(p *plan.Plan, prov string) *windowsWriter {
	group := "ibcmc " + p.Site.Code
	h := textbuf.Text{EOL: "\n"}
	h.Comment("# ", "it removes every rule of the group ", strconv.Quote(group), " and creates the design's rules again.")
	h.Comment("# ", "It leaves every other rule alone: it does not enable, disable or change Windows' built-in rules (File and Printer")
	h.Comment("# ", "Sharing, Windows Management Instrumentation, Remote Event Log Management, World Wide Web Services, SQL Server's")
	h.Comment("# ", "own rules) or rules of other groups; the rules below allow each flow of the design on their own.")
	h.Line("#Requires -RunAsAdministrator")
	h.Line("$ErrorActionPreference = 'Stop'")
	h.Line("Get-NetFirewallRule -Group ", escape.PowerShell(group), " -ErrorAction SilentlyContinue | Remove-NetFirewallRule")
	return &windowsWriter{w: textbuf.Blocks{Size: blockSize}, p: p, prov: prov, group: escape.PowerShell(group), header: string(h.B)}
}

// script removes every rule of the site's group and creates one rule per inbound flow, so running it
// again gives the same rules and a flow removed from the design loses its rule.
func (ws *windowsWriter) script(machine string, flows []*plan.Flow) []byte {
	code := ws.p.Site.Code
	t := ws.w.Start("\n")
	t.B = append(t.B, ws.prov...)
	t.Comment("# ", "Inbound Windows Firewall rules of ", machine, " for site ", code, ". Run it elevated on ", machine, "; running it again is safe:")
	t.B = append(t.B, ws.header...)
	if len(flows) == 0 {
		t.Line()
		t.Comment("# ", "No flow of the design reaches ", machine, " from another machine: it needs no inbound rule from ibcmc.")
		t.Comment("# ", "Running the script still removes rules an earlier version of the design created.")
	}
	for _, f := range flows {
		t.Line()
		t.Comment("# ", f.ID, ": ", f.Purpose, " (required by ", strings.Join(f.RequiredBy, ", "), ")")
		remote, why := remoteAddresses(f)
		if remote == nil {
			t.Comment("# ", "not created: ", why)
			continue
		}
		desc := f.Purpose
		if len(f.RequiredBy) > 0 {
			desc += ". Required by " + strings.Join(f.RequiredBy, ", ")
		}
		ports := portList(f, ",")
		proto := strings.ToUpper(f.Protocol)
		// The rule is written straight into the script, each value quoted on the way.
		t.B = append(t.B, "New-NetFirewallRule -Name "...)
		t.B = escape.AppendPowerShell(t.B, "ibcmc-"+code+"-"+f.ID)
		t.B = append(t.B, " -DisplayName "...)
		t.B = escape.AppendPowerShell(t.B, "ibcmc "+code+": "+f.From+" to "+f.To+" "+proto+" "+ports)
		t.B = append(t.B, " -Description "...)
		t.B = escape.AppendPowerShell(t.B, desc)
		t.B = append(t.B, " -Group "...)
		t.B = append(t.B, ws.group...)
		t.B = append(t.B, " -Direction Inbound -Protocol "...)
		t.B = escape.AppendPowerShell(t.B, proto)
		t.B = append(t.B, " -LocalPort "...)
		t.B = escape.AppendPowerShellList(t.B, strings.Split(ports, ","))
		t.B = append(t.B, " -RemoteAddress "...)
		t.B = escape.AppendPowerShellList(t.B, remote)
		t.Line(" -Action Allow -Profile Any -Enabled 'True' | Out-Null")
	}
	return ws.w.End(&t)
}

// remoteAddresses is -RemoteAddress of a flow: the source's addresses and ranges, or Any when the source is
// the whole internet. nil (with why) when the design gives no address to allow.
func remoteAddresses(f *plan.Flow) ([]string, string) {
	ps := prefixes(f.FromAddresses)
	if len(ps) == 0 {
		return nil, "the design gives no address for " + f.From + " and zone " + f.FromZone + " has no cidrs"
	}
	v4, v6 := family(ps)
	if everything(v4) && everything(v6) {
		return []string{"Any"}, ""
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = spell(p)
	}
	return out, ""
}
