package report

import (
	"fmt"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// clientInstallation lists each population's ccmsetup command line, so a reviewer sees in one table what
// every client is installed with. It is the canonical line (InstallProfile.Line with plan.CanonicalValue,
// kept as CommandLine); ccmsetup/<population>.cmd runs the same line with its values escaped for cmd.exe.
func clientInstallation(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Client installation\n\n")
	if len(p.Clients) == 0 {
		b.WriteString("No client populations.\n")
		return
	}
	b.WriteString("One command line per client population; `ccmsetup/<population>.cmd` explains each parameter and " +
		"property and the design field it came from.\n\n")
	profiles := map[string]*plan.InstallProfile{}
	for _, prof := range p.Installs {
		profiles[prof.Population] = prof
	}
	tableHeader(b, "Population", "Method", "Authentication", "Command line")
	type note struct{ population, text string }
	var notes []note
	for _, c := range p.Clients {
		method := string(c.Install.Method) + " from " + string(c.Install.From)
		if plan.GroupPolicyArguments(c.Install.Method) {
			// Nobody runs this line: say where it goes, next to the line itself.
			method += " (the arguments go into ConfigMgrInstallation.adm)"
		}
		method = md(method)
		auth := md(string(c.Auth) + " via " + string(c.Via))
		prof := profiles[c.Name]
		if prof == nil {
			row(b, md(c.Name), method, auth,
				md("none: ccmsetup installs Windows clients, and this population's platform is "+string(c.Platform)))
			continue
		}
		row(b, md(c.Name), method, auth, code(prof.CommandLine))
		for _, n := range prof.Notes {
			notes = append(notes, note{c.Name, n})
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(b, "- %s: %s\n", md(n.population), md(n.text))
		}
	}
}
