// Package plan is the contract between the compiler and the emitters: a typed, sorted, resolved picture of a
// design (its objects with defaults applied) and what ibcmc derives from it (endpoints, flows, certificate
// requests, install profiles, proxy routes). Every entity has a stable ID or name and the design path that
// caused it. Emitters read a Plan and never modify it; nothing here knows about CUE.
package plan

import (
	"strings"

	"github.com/ibcmc/ibcmc/diag"
)

// Plan is the compiled design. Slices are sorted by name or ID; lookups go through the index methods.
type Plan struct {
	// Sources are the design files as the user named them, relative to the working directory.
	Sources []string

	Site              Site
	Forests           []*Forest
	DomainControllers []*DomainController
	Zones             []*Zone
	PKI               PKI
	Authorities       []*Authority
	Systems           []*System
	Publishing        []*Publishing
	Clients           []*Population
	CMGs              []*CMG
	// Firewalls are the declared firewalls, or when the design declares none, one per zone boundary a flow
	// crosses (derived with the flows).
	Firewalls []*Firewall
	// Waivers are the findings the design accepts (waivers.go), in the order written.
	Waivers []*Waiver

	Endpoints    []*Endpoint
	Flows        []*Flow
	CertRequests []*CertRequest
	Installs     []*InstallProfile
	ProxyRoutes  []*ProxyRoute

	// Findings are the rule diagnostics of this design (errors, warnings and infos), sorted.
	Findings diag.List

	idx       index
	positions map[string]diag.Pos
}

// SetPositions records where each design path is written; the compiler calls it once.
func (p *Plan) SetPositions(m map[string]diag.Pos) { p.positions = m }

// Pos returns the position in the design files of the field at path (an entity's Path, or any path below
// it), or of its nearest written ancestor when the field itself takes a default.
func (p *Plan) Pos(path string) diag.Pos { return NearestPos(p.positions, path) }

// NearestPos looks path up in a map of written positions, walking up to its nearest written ancestor;
// the empty path holds the position of last resort (the first design file).
func NearestPos(m map[string]diag.Pos, path string) diag.Pos {
	for q := path; ; q = ParentPath(q) {
		if pos, ok := m[q]; ok {
			return pos
		}
		if q == "" {
			return diag.Pos{}
		}
	}
}

type index struct {
	forests     map[string]*Forest
	zones       map[string]*Zone
	authorities map[string]*Authority
	systems     map[string]*System
	publishing  map[string]*Publishing
	clients     map[string]*Population
	cmgs        map[string]*CMG
	firewalls   map[string]*Firewall
}

// Reindex rebuilds the name indexes; the compiler calls it once the entity slices are final.
func (p *Plan) Reindex() {
	p.idx = index{
		forests:     byName(p.Forests, func(f *Forest) string { return f.Name }),
		zones:       byName(p.Zones, func(z *Zone) string { return z.Name }),
		authorities: byName(p.Authorities, func(a *Authority) string { return a.Name }),
		systems:     byName(p.Systems, func(s *System) string { return s.Name }),
		publishing:  byName(p.Publishing, func(x *Publishing) string { return x.Name }),
		clients:     byName(p.Clients, func(c *Population) string { return c.Name }),
		cmgs:        byName(p.CMGs, func(c *CMG) string { return c.Name }),
		firewalls:   byName(p.Firewalls, func(f *Firewall) string { return f.Name }),
	}
}

func byName[T any](items []T, name func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		m[name(it)] = it
	}
	return m
}

// Forest returns the named forest or nil.
func (p *Plan) Forest(name string) *Forest { return p.idx.forests[name] }

// Zone returns the named zone or nil.
func (p *Plan) Zone(name string) *Zone { return p.idx.zones[name] }

// Authority returns the named certification authority or nil.
func (p *Plan) Authority(name string) *Authority { return p.idx.authorities[name] }

// System returns the named site system or nil.
func (p *Plan) System(name string) *System { return p.idx.systems[name] }

// PublishingEntry returns the named publishing entry or nil.
func (p *Plan) PublishingEntry(name string) *Publishing { return p.idx.publishing[name] }

// Population returns the named client population or nil.
func (p *Plan) Population(name string) *Population { return p.idx.clients[name] }

// CMG returns the named cloud management gateway or nil.
func (p *Plan) CMG(name string) *CMG { return p.idx.cmgs[name] }

// FirewallNamed returns the named firewall or nil.
func (p *Plan) FirewallNamed(name string) *Firewall { return p.idx.firewalls[name] }

// ClientChain returns the client certificate chain: pki.issuer and its parents up to the root, issuer
// first. It stops at an unknown name or a cycle.
func (p *Plan) ClientChain() []*Authority {
	return p.Chain(p.PKI.Issuer)
}

// Chain returns the named authority and its parents up to the root.
func (p *Plan) Chain(name string) []*Authority {
	var chain []*Authority
	seen := map[string]bool{}
	for a := p.Authority(name); a != nil && !seen[a.Name]; a = p.Authority(a.Parent) {
		seen[a.Name] = true
		chain = append(chain, a)
	}
	return chain
}

// Trusts reports whether forest a trusts accounts of forest b (a lists b in trusts), or a is b.
func (p *Plan) Trusts(a, b string) bool {
	if a == b {
		return true
	}
	f := p.Forest(a)
	if f == nil {
		return false
	}
	for _, t := range f.Trusts {
		if t == b {
			return true
		}
	}
	return false
}

// Untrusted reports whether a system's forest is neither the site's forest nor in a two-way trust with it.
// A system without a forest (a workgroup server) is untrusted.
func (p *Plan) Untrusted(s *System) bool {
	if s.Forest == "" {
		return true
	}
	site := p.Site.Forest
	return s.Forest != site && !(p.Trusts(s.Forest, site) && p.Trusts(site, s.Forest))
}

// DefaultCMG returns the gateway a via-cmg population uses: its own cmg, or the only one.
func (p *Plan) DefaultCMG(c *Population) *CMG {
	if c.CMG != "" {
		return p.CMG(c.CMG)
	}
	if len(p.CMGs) == 1 {
		return p.CMGs[0]
	}
	return nil
}

// PublishersOf returns the publishing entries that publish the named system.
func (p *Plan) PublishersOf(system string) []*Publishing {
	var out []*Publishing
	for _, pub := range p.Publishing {
		for _, s := range pub.Systems {
			if s == system {
				out = append(out, pub)
				break
			}
		}
	}
	return out
}

// SystemByFQDN returns the system whose intranet or internet FQDN is fqdn (compared case-insensitively), or
// nil.
func (p *Plan) SystemByFQDN(fqdn string) *System {
	for _, s := range p.Systems {
		if strings.EqualFold(s.IntranetFQDN, fqdn) || strings.EqualFold(s.InternetFQDN, fqdn) {
			return s
		}
	}
	return nil
}

// SiteServerName is the site server as a flow end: its systems entry when it is one, else site.server.
func (p *Plan) SiteServerName() string { return p.machineName(p.Site.Server) }

// DatabaseName is the site database server as a flow end: the site server when it is the same machine, its
// systems entry when it is one, else site.database.server.
func (p *Plan) DatabaseName() string {
	if strings.EqualFold(p.Site.Database.Server, p.Site.Server) {
		return p.SiteServerName()
	}
	return p.machineName(p.Site.Database.Server)
}

func (p *Plan) machineName(fqdn string) string {
	if s := p.SystemByFQDN(fqdn); s != nil {
		return s.Name
	}
	return fqdn
}
