package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// Rule IB211: names that refer to nothing the design declares.
var referenceRules = []*Rule{
	{
		Code: "IB211", Name: "unknown-reference", Severities: "E",
		Summary: "a field documented as a name refers to a zone, forest, authority, system or gateway that does not exist",
		Explain: `What: every field documented as a name must name an entry of the design: zones (site.zone,
site.database.zone, systems, publishing, domain controllers, and the zones a firewall's interfaces are
on: the keys of firewalls.<name>.interfaces), forests (site.forest, trusts, systems, clients),
authorities (pki.issuer, parent, trustedRoots of the site and of each CMG, cmg.certificate.authority),
systems (publishing.systems, install.mp, install.downloadMP, install.fallbackStatusPoint,
cmg.connectionPoints, cmg.managementPoint, site.softwareUpdates.syncPoint) and gateways (clients.cmg).
The zone "internet" always exists.
Why: a dangling name would silently drop flows, certificates or command-line properties.
Fix: correct the spelling (names are case-sensitive) or add the missing entry. The message lists the
names that do exist.`,
		Source: "",
		Check:  checkReferences,
	},
}

type refKind struct {
	kind   string
	exists func(string) bool
	names  func() []string
}

func checkReferences(p *plan.Plan, r *Reporter) {
	zone := refKind{"zone", func(n string) bool { return p.Zone(n) != nil }, func() []string { return names(p.Zones, func(z *plan.Zone) string { return z.Name }) }}
	forest := refKind{"forest", func(n string) bool { return p.Forest(n) != nil }, func() []string { return names(p.Forests, func(f *plan.Forest) string { return f.Name }) }}
	authority := refKind{"authority", func(n string) bool { return p.Authority(n) != nil }, func() []string {
		return names(p.Authorities, func(a *plan.Authority) string { return a.Name })
	}}
	system := refKind{"system", func(n string) bool { return p.System(n) != nil }, func() []string { return names(p.Systems, func(s *plan.System) string { return s.Name }) }}
	gateway := refKind{"gateway", func(n string) bool { return p.CMG(n) != nil }, func() []string { return names(p.CMGs, func(g *plan.CMG) string { return g.Name }) }}

	ref := func(k refKind, name, path string) {
		if name == "" || k.exists(name) {
			return
		}
		r.Error(path, hint(k), "%s %q does not exist", k.kind, name)
	}
	refs := func(k refKind, list []string, path string) {
		for i, n := range list {
			ref(k, n, plan.Index(path, i))
		}
	}

	ref(zone, p.Site.Zone, "site.zone")
	ref(zone, p.Site.Database.Zone, "site.database.zone")
	ref(forest, p.Site.Forest, "site.forest")
	refs(authority, p.Site.Communication.TrustedRoots, "site.communication.trustedRoots")
	ref(authority, p.PKI.Issuer, "pki.issuer")
	ref(system, p.Site.SoftwareUpdates.SyncPoint, plan.Path("site", "softwareUpdates", "syncPoint"))
	for _, f := range p.Forests {
		refs(forest, f.Trusts, plan.Join(f.Path, "trusts"))
	}
	for _, dc := range p.DomainControllers {
		ref(zone, dc.Zone, plan.Join(dc.Path, "zone"))
	}
	for _, a := range p.Authorities {
		ref(authority, a.Parent, plan.Join(a.Path, "parent"))
	}
	for _, s := range p.Systems {
		ref(zone, s.Zone, plan.Join(s.Path, "zone"))
		ref(forest, s.Forest, plan.Join(s.Path, "forest"))
	}
	for _, x := range p.Publishing {
		ref(zone, x.Zone, plan.Join(x.Path, "zone"))
		refs(system, x.Systems, plan.Join(x.Path, "systems"))
	}
	for _, c := range p.Clients {
		ref(forest, c.Forest, plan.Join(c.Path, "forest"))
		ref(gateway, c.CMG, plan.Join(c.Path, "cmg"))
		in := plan.Join(c.Path, "install")
		ref(system, c.Install.MP, plan.Join(in, "mp"))
		ref(system, c.Install.DownloadMP, plan.Join(in, "downloadMP"))
		ref(system, c.Install.FallbackStatusPoint, plan.Join(in, "fallbackStatusPoint"))
	}
	for _, g := range p.CMGs {
		refs(system, g.ConnectionPoints, plan.Join(g.Path, "connectionPoints"))
		ref(system, g.ManagementPoint, plan.Join(g.Path, "managementPoint"))
		refs(authority, g.TrustedRoots, plan.Join(g.Path, "trustedRoots"))
		ref(authority, g.CertificateAuthority, plan.Join(g.Path, "certificate", "authority"))
	}
	for _, fw := range p.Firewalls {
		if !fw.Declared {
			continue // a derived firewall separates zones that exist
		}
		for _, i := range fw.Interfaces {
			ref(zone, i.Zone, plan.Join(fw.Path, "interfaces", i.Zone))
		}
	}
}

func hint(k refKind) string {
	have := k.names()
	if len(have) == 0 {
		return fmt.Sprintf("the design defines no %s; add one or remove the reference", k.kind)
	}
	const max = 8
	more := ""
	if len(have) > max {
		more = fmt.Sprintf(" and %d more", len(have)-max)
		have = have[:max]
	}
	quoted := make([]string, len(have))
	for i, n := range have {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	plural := k.kind + "s"
	if strings.HasSuffix(k.kind, "y") {
		plural = strings.TrimSuffix(k.kind, "y") + "ies"
	}
	return fmt.Sprintf("known %s: %s%s", plural, strings.Join(quoted, ", "), more)
}

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, name(it))
	}
	sort.Strings(out)
	return out
}
