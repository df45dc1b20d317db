package firewall

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// windowsFiles writes one script per Windows machine of the site: every site system, and the site server
// and database when a flow reaches them and they are not site systems entries.
func windowsFiles(p *plan.Plan, o emit.Options) []emit.File {
	var machines []string
	for _, s := range p.Systems {
		machines = append(machines, s.Name)
	}
	inbound := map[string][]*plan.Flow{}
	for _, f := range p.Flows {
		if !plan.Windows(f.ToKind) {
			continue
		}
		if !slices.Contains(machines, f.To) {
			machines = append(machines, f.To)
		}
		inbound[f.To] = append(inbound[f.To], f)
	}
	slices.Sort(machines)
	files := make([]emit.File, 0, len(machines))
	for _, m := range machines {
		files = append(files, emit.File{Path: "firewall/windows/" + m + ".ps1", Content: []byte(windowsScript(p, o, m, inbound[m]))})
	}
	return files
}

// windowsScript removes every rule of the site's group and creates one rule per inbound flow, so running it
// again gives the same rules and a flow removed from the design loses its rule.
func windowsScript(p *plan.Plan, o emit.Options, machine string, flows []*plan.Flow) string {
	var b strings.Builder
	c := func(format string, args ...any) {
		b.WriteString("# " + emit.SanitizeComment(fmt.Sprintf(format, args...)) + "\n")
	}
	group := "ibcmc " + p.Site.Code
	b.WriteString(emit.Provenance(emit.Hash, p, o))
	c("Inbound Windows Firewall rules of %s for site %s. Run it elevated on %s; running it again is safe:", machine, p.Site.Code, machine)
	c("it removes every rule of the group %q and creates the design's rules again.", group)
	b.WriteString("#Requires -RunAsAdministrator\n")
	b.WriteString("$ErrorActionPreference = 'Stop'\n")
	fmt.Fprintf(&b, "Get-NetFirewallRule -Group %s -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n", escape.PowerShell(group))
	if len(flows) == 0 {
		b.WriteString("\n")
		c("No flow of the design reaches %s from another machine: it needs no inbound rule from ibcmc.", machine)
	}
	for _, f := range flows {
		b.WriteString("\n")
		c("%s: %s (required by %s)", f.ID, f.Purpose, strings.Join(f.RequiredBy, ", "))
		remote, why := remoteAddresses(f)
		if remote == nil {
			c("not created: %s", why)
			continue
		}
		desc := f.Purpose
		if len(f.RequiredBy) > 0 {
			desc += ". Required by " + strings.Join(f.RequiredBy, ", ")
		}
		args := []string{
			"-Name " + escape.PowerShell("ibcmc-"+p.Site.Code+"-"+f.ID),
			"-DisplayName " + escape.PowerShell(fmt.Sprintf("ibcmc %s: %s to %s %s %s", p.Site.Code, f.From, f.To, strings.ToUpper(f.Protocol), portList(f, ","))),
			"-Description " + escape.PowerShell(desc),
			"-Group " + escape.PowerShell(group),
			"-Direction Inbound",
			"-Protocol " + escape.PowerShell(strings.ToUpper(f.Protocol)),
			"-LocalPort " + escape.PowerShellList(strings.Split(portList(f, ","), ",")),
			"-RemoteAddress " + escape.PowerShellList(remote),
			"-Action Allow",
			"-Profile Any",
			"-Enabled 'True'",
		}
		b.WriteString("New-NetFirewallRule " + strings.Join(args, " ") + " | Out-Null\n")
	}
	return b.String()
}

// remoteAddresses is -RemoteAddress of a flow: the source's addresses and ranges, or Any when the source is
// the whole internet. nil (with why) when the design gives no address to allow.
func remoteAddresses(f *plan.Flow) ([]string, string) {
	ps := prefixes(f.FromAddresses)
	if len(ps) == 0 {
		return nil, fmt.Sprintf("the design gives no address for %s and zone %s has no cidrs", f.From, f.FromZone)
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
