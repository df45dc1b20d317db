package derive

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// Endpoints lists what internet clients connect to: each internet-facing role of a system with an
// internet FQDN, on the port that role listens on, once per publishing entry in front of it (or directly),
// and each CMG's service name on 443.
func Endpoints(p *plan.Plan) {
	for _, s := range p.Systems {
		if s.InternetFQDN == "" {
			continue
		}
		ports := map[int][]string{}
		schemes := map[int]string{}
		add := func(kind string, port int, scheme string) {
			ports[port] = append(ports[port], kind)
			schemes[port] = scheme
		}
		r := s.Roles
		if mp := r.ManagementPoint; mp != nil && plan.AllowsInternet(mp.Allow) {
			add(mp.Kind, clientPort(p, mp.Connections), string(mp.Connections))
		}
		if dp := r.DistributionPoint; dp != nil && plan.AllowsInternet(dp.Allow) {
			add(dp.Kind, clientPort(p, dp.Connections), string(dp.Connections))
		}
		if sup := r.SoftwareUpdatePoint; sup != nil && plan.AllowsInternet(sup.Allow) {
			// The HTTP port stays in use with SSL: WSUS serves EULAs and update content over HTTP.
			add(sup.Kind, sup.HTTPPort, "http")
			if sup.SSL {
				add(sup.Kind, sup.HTTPSPort, "https")
			}
		}
		if fsp := r.FallbackStatusPoint; fsp != nil && plan.AllowsInternet(fsp.Allow) {
			add(fsp.Kind, p.Site.Ports.HTTP, "http")
		}
		if epp := r.EnrollmentProxyPoint; epp != nil && plan.AllowsInternet(epp.Allow) {
			add(epp.Kind, 443, "https")
		}
		pubs := p.PublishersOf(s.Name)
		for port, kinds := range ports {
			slices.Sort(kinds)
			base := plan.Endpoint{
				FQDN: s.InternetFQDN, Port: port, Protocol: schemes[port], Target: s.Name,
				Roles: slices.Compact(kinds), Mode: plan.EndpointDirect, Path: plan.Join(s.Path, "fqdn", "internet"),
			}
			if len(pubs) == 0 {
				e := base
				e.ID = endpointID(e.FQDN, port, "")
				p.Endpoints = append(p.Endpoints, &e)
				continue
			}
			for _, pub := range pubs {
				e := base
				e.Publishing, e.Mode, e.Public = pub.Name, string(pub.Mode), pub.Public
				e.ID = endpointID(e.FQDN, port, pub.Name)
				p.Endpoints = append(p.Endpoints, &e)
			}
		}
	}
	for _, g := range p.CMGs {
		p.Endpoints = append(p.Endpoints, &plan.Endpoint{
			ID: endpointID(g.ServiceName, 443, ""), FQDN: g.ServiceName, Port: 443, Protocol: "https",
			Target: g.Name, Roles: []string{"cloudManagementGateway"}, Mode: plan.EndpointCMG,
			Path: plan.Join(g.Path, "serviceName"),
		})
	}
	slices.SortFunc(p.Endpoints, func(a, b *plan.Endpoint) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.FQDN), strings.ToLower(b.FQDN)), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Publishing, b.Publishing))
	})
}

// clientPort is the site's client request port for a role's connection setting.
func clientPort(p *plan.Plan, connections plan.Connections) int {
	if connections == plan.ConnectionsHTTP {
		return p.Site.Ports.HTTP
	}
	return p.Site.Ports.HTTPS
}

func endpointID(fqdn string, port int, via string) string {
	id := fmt.Sprintf("%s:%d", strings.ToLower(fqdn), port)
	if via != "" {
		id += "@" + via
	}
	return id
}
