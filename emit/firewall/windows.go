package firewall

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// windowsFiles writes one script per Windows machine of the site: every site system, and the site server
// and database when a flow reaches them and they are not site systems entries.
func windowsFiles(p *plan.Plan, prov string) []emit.File {
	machines := make([]string, 0, len(p.Systems))
	known := make(map[string]bool, len(p.Systems))
	for _, s := range p.Systems {
		machines = append(machines, s.Name)
		known[s.Name] = true
	}
	inbound := map[string][]*plan.Flow{}
	for _, f := range p.Flows {
		if !plan.Windows(f.ToKind) {
			continue
		}
		if !known[f.To] {
			machines = append(machines, f.To)
			known[f.To] = true
		}
		inbound[f.To] = append(inbound[f.To], f)
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
	w     writer
	p     *plan.Plan
	prov  string
	group string // the rule group of the site, quoted
	// header is the rest of the script's header after its first comment, the same in every script.
	header string
}

func newWindowsWriter(p *plan.Plan, prov string) *windowsWriter {
	group := "ibcmc " + p.Site.Code
	var h text
	h.comment("it removes every rule of the group ", strconv.Quote(group), " and creates the design's rules again.")
	h.line("#Requires -RunAsAdministrator")
	h.line("$ErrorActionPreference = 'Stop'")
	h.line("Get-NetFirewallRule -Group ", escape.PowerShell(group), " -ErrorAction SilentlyContinue | Remove-NetFirewallRule")
	return &windowsWriter{w: writer{block: blockSize}, p: p, prov: prov, group: escape.PowerShell(group), header: string(h.b)}
}

// script removes every rule of the site's group and creates one rule per inbound flow, so running it
// again gives the same rules and a flow removed from the design loses its rule.
func (ws *windowsWriter) script(machine string, flows []*plan.Flow) []byte {
	code := ws.p.Site.Code
	t := ws.w.start()
	t.b = append(t.b, ws.prov...)
	t.comment("Inbound Windows Firewall rules of ", machine, " for site ", code, ". Run it elevated on ", machine, "; running it again is safe:")
	t.b = append(t.b, ws.header...)
	if len(flows) == 0 {
		t.line()
		t.comment("No flow of the design reaches ", machine, " from another machine: it needs no inbound rule from ibcmc.")
	}
	for _, f := range flows {
		t.line()
		t.comment(f.ID, ": ", f.Purpose, " (required by ", strings.Join(f.RequiredBy, ", "), ")")
		remote, why := remoteAddresses(f)
		if remote == nil {
			t.comment("not created: ", why)
			continue
		}
		desc := f.Purpose
		if len(f.RequiredBy) > 0 {
			desc += ". Required by " + strings.Join(f.RequiredBy, ", ")
		}
		ports := portList(f, ",")
		proto := strings.ToUpper(f.Protocol)
		// The rule is written straight into the script, each value quoted on the way.
		t.b = append(t.b, "New-NetFirewallRule -Name "...)
		t.b = escape.AppendPowerShell(t.b, "ibcmc-"+code+"-"+f.ID)
		t.b = append(t.b, " -DisplayName "...)
		t.b = escape.AppendPowerShell(t.b, "ibcmc "+code+": "+f.From+" to "+f.To+" "+proto+" "+ports)
		t.b = append(t.b, " -Description "...)
		t.b = escape.AppendPowerShell(t.b, desc)
		t.b = append(t.b, " -Group "...)
		t.b = append(t.b, ws.group...)
		t.b = append(t.b, " -Direction Inbound -Protocol "...)
		t.b = escape.AppendPowerShell(t.b, proto)
		t.b = append(t.b, " -LocalPort "...)
		t.b = escape.AppendPowerShellList(t.b, strings.Split(ports, ","))
		t.b = append(t.b, " -RemoteAddress "...)
		t.b = escape.AppendPowerShellList(t.b, remote)
		t.line(" -Action Allow -Profile Any -Enabled 'True' | Out-Null")
	}
	return ws.w.end(&t)
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
