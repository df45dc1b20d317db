// Package probe checks a deployed site against its design from where a client stands: for every endpoint a
// client at that vantage must reach, it resolves the name, connects, looks at the TLS certificate the way
// the client does (with internal/certcheck, so `certs check` and `probe` agree), fetches the CRLs the
// client would, and asks each role the anonymous, read-only questions a client asks first.
//
// Nothing it sends changes the site: GET, HEAD and PROPFIND, a BITS Ping, a CCM_POST without a message
// (which the management point refuses), and a POST to the fallback status point only when asked.
package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ibcmc/ibcmc/plan"
)

// Vantages.
const (
	FromInternet = "internet"
	FromIntranet = "intranet"
)

// Statuses of a check.
const (
	Pass = "pass"
	Fail = "fail"
	Skip = "skipped"
)

// Check names, in the order they run for an endpoint.
const (
	CheckResolve     = "resolve"
	CheckConnect     = "connect"
	CheckTLS         = "tls"
	CheckCertificate = "certificate"
	CheckCRL         = "crl"
	CheckClientAuth  = "client-auth"
	CheckMPList      = "mplist"
	CheckMPCert      = "mpcert"
	CheckDP          = "dp"
	CheckSUP         = "sup"
	CheckFSP         = "fsp"
	CheckVerbs       = "verbs"
	CheckHeaders     = "headers"
)

// DefaultTimeout bounds each network wait: a probe of an example with nothing answering stays under 30 s
// (endpoints run concurrently; a dead endpoint costs a lookup and a connect).
const DefaultTimeout = 5 * time.Second

// Options say where the probe stands and what it may use.
type Options struct {
	From       string // FromInternet (default) or FromIntranet
	Population string // only the endpoints this population uses; empty: every endpoint of the vantage
	Resolve    []Override
	// CAs are the design's CA certificates (--ca): the roots and intermediates a client trusts.
	CAs        []*x509.Certificate
	ClientCert *tls.Certificate
	Timeout    time.Duration
	FSPPost    bool
	Now        func() time.Time
	// Lookup resolves a host name; nil uses the system resolver.
	Lookup func(ctx context.Context, host string) ([]string, error)
	// Parallel is how many endpoints are probed at once; 0 means 8.
	Parallel int
}

// Result is one check of one endpoint.
type Result struct {
	Check  string `json:"check"`
	Status string `json:"status"`
	// Detail says what was seen (pass), what is wrong (fail) or why the check did not run (skipped).
	Detail string `json:"detail"`
	// Fix says what to change, and Field the design field or deployed component it points at (failures).
	Fix   string `json:"fix,omitempty"`
	Field string `json:"field,omitempty"`
	// Millis is how long the check took on the wire; 0 when it sent nothing.
	Millis int64 `json:"ms"`
}

// EndpointReport is every check of one endpoint.
type EndpointReport struct {
	Endpoint string   `json:"endpoint"` // fqdn:port
	FQDN     string   `json:"fqdn"`
	Port     int      `json:"port"`
	Protocol string   `json:"protocol"`
	Target   string   `json:"target"`
	Roles    []string `json:"roles"`
	Via      string   `json:"via"`
	Checks   []Result `json:"checks"`
}

// Report is a whole probe.
type Report struct {
	From       string            `json:"from"`
	Population string            `json:"population,omitempty"`
	Endpoints  []*EndpointReport `json:"endpoints"`
	Passed     int               `json:"passed"`
	Failed     int               `json:"failed"`
	Skipped    int               `json:"skipped"`
}

// HasFailures reports whether any check failed.
func (r *Report) HasFailures() bool { return r.Failed > 0 }

// UsageError is a request the design cannot answer (an unknown population, a vantage it has no endpoint
// for).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// target is one endpoint to probe and what the design says about it.
type target struct {
	fqdn     string
	port     int
	scheme   string // https | http
	system   *plan.System
	cmg      *plan.CMG
	roles    []string
	via      string // "direct", "cmg", or the publishing entry and its mode
	mode     string // "direct", "cmg", or a publishing mode
	route    *plan.ProxyRoute
	want     string // the address the name must resolve to, when the design gives one
	wantFrom string // the design field that gives it
	path     string // the design path of the endpoint
	request  *plan.CertRequest
}

func (t *target) id() string { return fmt.Sprintf("%s:%d", strings.ToLower(t.fqdn), t.port) }

func (t *target) has(role string) bool { return slices.Contains(t.roles, role) }

// Run probes every endpoint the options select and returns the verdict.
func Run(ctx context.Context, p *plan.Plan, o Options) (*Report, error) {
	if o.From == "" {
		o.From = FromInternet
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	targets, err := targets(p, o)
	if err != nil {
		return nil, err
	}
	pr := &prober{p: p, o: o, crls: map[string]*crlFetch{}}
	rep := &Report{From: o.From, Population: o.Population, Endpoints: make([]*EndpointReport, len(targets))}
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rep.Endpoints[i] = pr.endpoint(ctx, t)
		}()
	}
	wg.Wait()
	for _, e := range rep.Endpoints {
		for _, c := range e.Checks {
			switch c.Status {
			case Pass:
				rep.Passed++
			case Fail:
				rep.Failed++
			default:
				rep.Skipped++
			}
		}
	}
	return rep, nil
}

// targets lists the endpoints a client at the vantage (or of the population) must reach, sorted by name
// and port.
func targets(p *plan.Plan, o Options) ([]*target, error) {
	var pop *plan.Population
	if o.Population != "" {
		if pop = p.Population(o.Population); pop == nil {
			var names []string
			for _, c := range p.Clients {
				names = append(names, c.Name)
			}
			return nil, &UsageError{fmt.Sprintf("the design has no client population %q (it has %s)", o.Population, strings.Join(names, ", "))}
		}
	}
	var out []*target
	switch o.From {
	case FromInternet:
		if pop != nil && !pop.Internet() {
			return nil, &UsageError{fmt.Sprintf("client population %q is not managed on the internet (%s is %s); probe it --from intranet", pop.Name, pop.Path+".management", pop.Management)}
		}
		var viaCMG *plan.CMG
		if pop != nil && pop.Via == plan.ViaCMG {
			viaCMG = p.DefaultCMG(pop)
		}
		for _, e := range p.Endpoints {
			if pop != nil && ((e.Mode == "cmg") != (pop.Via == plan.ViaCMG) || !slices.ContainsFunc(e.Roles, func(r string) bool { return uses(pop, r) })) {
				continue
			}
			if viaCMG != nil && e.Target != viaCMG.Name {
				continue
			}
			out = append(out, internetTarget(p, e))
		}
	case FromIntranet:
		if pop != nil && pop.Management == plan.ManageInternetOnly {
			return nil, &UsageError{fmt.Sprintf("client population %q is managed on the internet only (%s); probe it --from internet", pop.Name, pop.Path+".management")}
		}
		out = intranetTargets(p)
	default:
		return nil, &UsageError{fmt.Sprintf("--from must be internet or intranet, not %q", o.From)}
	}
	if len(out) == 0 {
		return nil, &UsageError{fmt.Sprintf("the design has no endpoint clients reach from the %s", o.From)}
	}
	slices.SortFunc(out, func(a, b *target) int {
		return strings.Compare(fmt.Sprintf("%s:%05d", strings.ToLower(a.fqdn), a.port), fmt.Sprintf("%s:%05d", strings.ToLower(b.fqdn), b.port))
	})
	return out, nil
}

// uses reports whether a population's clients use a role: software update points only for the
// softwareUpdates feature, a fallback status point only when its install names one.
func uses(pop *plan.Population, role string) bool {
	switch role {
	case plan.RoleSoftwareUpdatePoint:
		return pop.HasFeature(plan.FeatureSoftwareUpdates)
	case plan.RoleFallbackStatusPoint:
		return pop.Install.FallbackStatusPoint != ""
	}
	return true
}

func internetTarget(p *plan.Plan, e *plan.Endpoint) *target {
	t := &target{fqdn: e.FQDN, port: e.Port, scheme: e.Protocol, roles: e.Roles, mode: e.Mode, path: e.Path}
	switch {
	case e.Mode == "cmg":
		t.cmg = p.CMG(e.Target)
		t.via = "cloud management gateway"
		t.roles = []string{"cloudManagementGateway"}
	case e.Publishing != "":
		t.system = p.System(e.Target)
		t.via = fmt.Sprintf("%s (%s)", e.Publishing, e.Mode)
		for _, r := range p.ProxyRoutes {
			if r.Publishing == e.Publishing && strings.EqualFold(r.Host, e.FQDN) && r.ListenPort == e.Port {
				t.route = r
			}
		}
		if pub := p.PublishingEntry(e.Publishing); pub != nil && pub.Public != "" {
			t.want, t.wantFrom = pub.Public, plan.Join(pub.Path, "public")
		}
	default:
		// A system's address is where it stands, not necessarily where internet clients reach it (NAT), so
		// only a publishing entry's public address is compared.
		t.system = p.System(e.Target)
		t.via = "direct"
	}
	if e.Public != "" && t.want == "" {
		t.want, t.wantFrom = e.Public, e.Path
	}
	t.request = certRequestFor(p, t)
	return t
}

// intranetTargets are the intranet FQDN and client ports of every role that accepts intranet clients.
func intranetTargets(p *plan.Plan) []*target {
	type key struct {
		fqdn string
		port int
	}
	byKey := map[key]*target{}
	var out []*target
	add := func(s *plan.System, port int, scheme, role string) {
		k := key{strings.ToLower(s.IntranetFQDN), port}
		t := byKey[k]
		if t == nil {
			t = &target{fqdn: s.IntranetFQDN, port: port, scheme: scheme, system: s, mode: "direct", via: "direct", path: s.Path}
			if s.Address != "" {
				t.want, t.wantFrom = s.Address, plan.Join(s.Path, "address")
			}
			byKey[k] = t
			out = append(out, t)
		}
		t.roles = append(t.roles, role)
		slices.Sort(t.roles)
	}
	for _, s := range p.Systems {
		if s.IntranetFQDN == "" {
			continue
		}
		r := s.Roles
		web := func(conn string) (int, string) {
			if conn == "http" {
				return p.Site.Ports.HTTP, "http"
			}
			return p.Site.Ports.HTTPS, "https"
		}
		if r.ManagementPoint != nil && plan.AllowsIntranet(r.ManagementPoint.Allow) {
			port, scheme := web(string(r.ManagementPoint.Connections))
			add(s, port, scheme, plan.RoleManagementPoint)
		}
		if r.DistributionPoint != nil && plan.AllowsIntranet(r.DistributionPoint.Allow) {
			port, scheme := web(string(r.DistributionPoint.Connections))
			add(s, port, scheme, plan.RoleDistributionPoint)
		}
		if u := r.SoftwareUpdatePoint; u != nil && plan.AllowsIntranet(u.Allow) {
			add(s, u.HTTPPort, "http", plan.RoleSoftwareUpdatePoint)
			if u.SSL {
				add(s, u.HTTPSPort, "https", plan.RoleSoftwareUpdatePoint)
			}
		}
		if r.FallbackStatusPoint != nil && plan.AllowsIntranet(r.FallbackStatusPoint.Allow) {
			add(s, p.Site.Ports.HTTP, "http", plan.RoleFallbackStatusPoint)
		}
	}
	for _, t := range out {
		t.request = certRequestFor(p, t)
	}
	return out
}

// certRequestFor is the certificate request the server certificate of an endpoint must satisfy: the
// bridging proxy's own, the gateway's, or the site system's web server certificate.
func certRequestFor(p *plan.Plan, t *target) *plan.CertRequest {
	if t.scheme != "https" {
		return nil
	}
	want := ""
	switch {
	case t.route != nil && t.route.ServerCert != "":
		want = t.route.ServerCert
	case t.cmg != nil:
		for _, r := range p.CertRequests {
			if r.Subject == t.cmg.Name && r.Purpose == plan.PurposeCMGServer {
				return r
			}
		}
	case t.system != nil:
		want = t.system.Name + "-" + plan.PurposeWebServer
	}
	for _, r := range p.CertRequests {
		if r.ID == want {
			return r
		}
	}
	return nil
}
