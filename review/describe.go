package review

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// entityKind is one kind of entity the differ compares, with the words a reviewer reads for it.
type entityKind struct {
	Name     string // in JSON: "finding", "flow", "endpoint", "proxy-route", "install", "certificate"
	Title    string // heading: "Flows"
	Noun     string // one: "flow"
	Plural   string // several: "flows"
	IDHeader string // what the ID column holds
	compare  compareFunc
}

// kinds in the order reviewers read them: what breaks, what opens, what clients and PKI must change.
var kinds = []entityKind{
	{Name: "finding", Title: "Findings", Noun: "finding", Plural: "findings", IDHeader: "Rule and design path",
		compare: comparer(findings, func(f finding) string { return f.id }, findingEntity)},
	{Name: "flow", Title: "Flows", Noun: "flow", Plural: "flows", IDHeader: "Flow",
		compare: comparer(func(p *plan.Plan) []*plan.Flow { return p.Flows }, func(f *plan.Flow) string { return f.ID }, flowEntity)},
	{Name: "endpoint", Title: "Internet endpoints", Noun: "internet endpoint", Plural: "internet endpoints", IDHeader: "Endpoint",
		compare: comparer(func(p *plan.Plan) []*plan.Endpoint { return p.Endpoints }, func(e *plan.Endpoint) string { return e.ID }, endpointEntity)},
	{Name: "proxy-route", Title: "Proxy routes", Noun: "proxy route", Plural: "proxy routes", IDHeader: "Route",
		compare: comparer(func(p *plan.Plan) []*plan.ProxyRoute { return p.ProxyRoutes }, func(r *plan.ProxyRoute) string { return r.ID }, routeEntity)},
	{Name: "install", Title: "Install lines", Noun: "install line", Plural: "install lines", IDHeader: "Client population",
		compare: comparer(func(p *plan.Plan) []*plan.InstallProfile { return p.Installs }, func(i *plan.InstallProfile) string { return i.ID }, installEntity)},
	{Name: "certificate", Title: "Certificate requests", Noun: "certificate request", Plural: "certificate requests", IDHeader: "Request",
		compare: comparer(func(p *plan.Plan) []*plan.CertRequest { return p.CertRequests }, func(c *plan.CertRequest) string { return c.ID }, certEntity)},
}

func kindOf(name string) entityKind {
	for _, k := range kinds {
		if k.Name == name {
			return k
		}
	}
	return entityKind{Name: name, Title: name, Noun: name, Plural: name, IDHeader: "ID"}
}

// attrs builds an attribute list, leaving out attributes without a value.
type attrs []Field

func (a *attrs) add(name, value string) {
	if value != "" {
		*a = append(*a, Field{Name: name, Value: value})
	}
}

func (a *attrs) list(name string, items []string) {
	if len(items) > 0 {
		*a = append(*a, Field{Name: name, Items: items, list: true})
	}
}

func (a *attrs) yes(name string, v bool) {
	if v {
		a.add(name, "yes")
	} else {
		a.add(name, "no")
	}
}

func (a *attrs) num(name string, v int) {
	if v != 0 {
		a.add(name, strconv.Itoa(v))
	}
}

// finding is a diagnostic with its ID: code and design path, numbered when a rule reports the same path
// twice. The message is an attribute, so rewording shows as a change; the position is cleared, since a
// finding that moves lines is the same finding.
type finding struct {
	id string
	d  diag.Diagnostic
}

func findings(p *plan.Plan) []finding {
	out := make([]finding, 0, len(p.Findings))
	seen := map[string]int{}
	for _, d := range p.Findings {
		key := d.Code + " " + d.Path
		id := key
		if n := seen[key]; n > 0 {
			id = fmt.Sprintf("%s #%d", key, n+1)
		}
		seen[key]++
		d.Pos = diag.Pos{}
		out = append(out, finding{id: id, d: d})
	}
	return out
}

func findingEntity(f finding) entity {
	d := f.d
	a := make(attrs, 0, 7)
	a.add("severity", d.Severity.String())
	a.add("rule", strings.TrimSpace(d.Code+" "+d.Name))
	a.add("design path", d.Path)
	a.add("message", d.Message)
	a.add("hint", d.Hint)
	a.add("note", d.Note())
	a.add("documented at", d.Source)
	summary := fmt.Sprintf("%s %s %s: %s", d.Severity, d.Code, d.Name, d.Message)
	if w := d.Waived; w != nil {
		// Accepting a finding is a decision a reviewer checks: the reason, the waiver and its expiry.
		a.add("waived", w.String())
		summary += " (waived: " + w.Reason + ")"
	}
	return entity{id: f.id, summary: summary, fields: a}
}

// peerWords names each kind of flow end as the design and Configuration Manager's documentation do.
var peerWords = map[string]string{
	plan.PeerSystem:           "site system",
	plan.PeerSystems:          "site systems",
	plan.PeerSiteServer:       "site server",
	plan.PeerSiteDatabase:     "site database server",
	plan.PeerProxy:            "publishing proxy",
	plan.PeerDomainController: "domain controller",
	plan.PeerInternet:         "any internet host",
	plan.PeerClients:          "client computers",
	plan.PeerCMG:              "cloud management gateway",
	plan.PeerAzure:            "Azure management endpoints",
	plan.PeerCDP:              "CRL distribution point",
	plan.PeerMicrosoftUpdate:  "Microsoft Update",
	plan.PeerUpstreamWSUS:     "upstream WSUS server",
}

func peer(kind string) string {
	if w, ok := peerWords[kind]; ok {
		return w
	}
	return kind
}

// summaryAddresses is how many addresses a summary line names before it counts the rest; the attribute
// lists them all.
const summaryAddresses = 3

// addressText spells the addresses of a flow end for a summary: "10.0.0.5", "10.0.0.5, 10.0.0.6 and 40
// more", or that the design gives none.
func addressText(addrs []string) string {
	switch {
	case len(addrs) == 0:
		return "no address in the design"
	case len(addrs) <= summaryAddresses:
		return strings.Join(addrs, ", ")
	default:
		return fmt.Sprintf("%s and %d more", strings.Join(addrs[:summaryAddresses], ", "), len(addrs)-summaryAddresses)
	}
}

func flowEntity(f *plan.Flow) entity {
	to := addressText(f.ToAddresses)
	if len(f.ToPublic) > 0 {
		to = fmt.Sprintf("public %s, forwarded to %s", addressText(f.ToPublic), to)
	}
	summary := fmt.Sprintf("%s (%s) → %s (%s) %s/%s", f.From, addressText(f.FromAddresses), f.To, to, plan.JoinPorts(f.Ports, ","), f.Protocol)
	if f.Purpose != "" {
		summary += ": " + f.Purpose
	}
	ports := make([]string, len(f.Ports))
	for i, r := range f.Ports {
		ports[i] = r.String()
	}
	a := make(attrs, 0, 13)
	a.add("from", f.From+" ("+peer(f.FromKind)+")")
	a.add("from zone", f.FromZone)
	a.list("from addresses", f.FromAddresses)
	a.add("to", f.To+" ("+peer(f.ToKind)+")")
	a.add("to zone", f.ToZone)
	a.list("to addresses", f.ToAddresses)
	a.list("public addresses", f.ToPublic)
	a.add("protocol", f.Protocol)
	a.list("ports", ports)
	a.add("purpose", f.Purpose)
	a.list("required by", f.RequiredBy)
	a.list("network firewalls", f.Firewalls)
	a.add("documented at", f.Source)
	return entity{id: f.ID, summary: summary, fields: a}
}

func endpointEntity(e *plan.Endpoint) entity {
	via := "reached directly"
	switch {
	case e.Mode == plan.EndpointCMG:
		via = "through the cloud management gateway"
	case e.Publishing != "":
		via = fmt.Sprintf("published by %s (%s)", e.Publishing, e.Mode)
	}
	summary := fmt.Sprintf("%s://%s:%d → %s (%s), %s", e.Protocol, e.FQDN, e.Port, e.Target, strings.Join(e.Roles, ", "), via)
	if e.Public != "" {
		summary += ", public address " + e.Public
	}
	a := make(attrs, 0, 8)
	a.add("name", e.FQDN)
	a.num("port", e.Port)
	a.add("protocol", e.Protocol)
	a.add("serves", e.Target)
	a.list("roles", e.Roles)
	a.add("publishing entry", e.Publishing)
	a.add("mode", e.Mode)
	a.add("public address", e.Public)
	return entity{id: e.ID, summary: summary, fields: a}
}

func routeEntity(r *plan.ProxyRoute) entity {
	backend := fmt.Sprintf("%s:%d", r.BackendHost, r.BackendPort)
	if r.BackendAddress != "" {
		backend += " (" + r.BackendAddress + ")"
	}
	summary := fmt.Sprintf("%s (%s, %s): %s %s:%d → %s", r.Publishing, r.Product, r.Mode, r.Scheme, r.Host, r.ListenPort, backend)
	a := make(attrs, 0, 18)
	a.add("publishing entry", r.Publishing)
	a.add("product", string(r.Product))
	a.add("mode", string(r.Mode))
	a.add("host", r.Host)
	a.num("listens on port", r.ListenPort)
	a.add("scheme", r.Scheme)
	a.list("roles", r.Roles)
	a.add("backend system", r.Backend)
	a.add("backend host", r.BackendHost)
	a.add("backend address", r.BackendAddress)
	a.num("backend port", r.BackendPort)
	a.yes("TLS to the backend", r.BackendTLS)
	a.add("TLS profile toward the backend", string(r.UpstreamTLS))
	a.list("HTTP methods", r.Methods)
	a.list("headers", r.Headers)
	a.add("proxy server certificate", r.ServerCert)
	a.add("proxy client certificate", r.ClientCert)
	a.yes("requires a client certificate", r.RequireClientCert)
	return entity{id: r.ID, summary: summary, fields: a}
}

// installEntity describes a population's install line by its parameters and properties, each written as
// on the command line (SMSSITECODE=FAB), so a change reads "SMSSITECODE=FAB → SMSSITECODE=FAC". The whole
// command line is the summary; it is made of the program, parameters and properties compared here.
func installEntity(p *plan.InstallProfile) entity {
	a := make(attrs, 0, 6+len(p.Params)+len(p.Properties))
	a.add("population", p.Population)
	a.add("install method", string(p.Method))
	a.add("program", p.Program)
	for _, x := range p.Params {
		a = append(a, Field{Name: x.Name, Value: paramText(x), literal: true})
	}
	for _, x := range p.Properties {
		a = append(a, Field{Name: x.Name, Value: paramText(x), literal: true})
	}
	a.add("token read from environment variable", p.TokenEnv)
	a.list("notes", p.Notes)
	refused := make([]string, len(p.Refused))
	for i, r := range p.Refused {
		refused[i] = r.Path + ": " + r.Reason
	}
	a.list("left out of the line", refused)
	return entity{id: p.ID, summary: p.CommandLine, fields: uniqueNames(a)}
}

// paramText writes a parameter as ccmsetup receives it: /UsePKICert, /mp:https://…, SMSSITECODE=FAB;
// values with spaces quoted, as in the command line.
func paramText(x plan.Param) string {
	if x.Flag() {
		return x.Name
	}
	sep := "="
	if strings.HasPrefix(x.Name, "/") {
		sep = ":"
	}
	v := x.Value
	if !x.EnvRef && strings.ContainsAny(v, " \t") {
		v = `"` + v + `"`
	}
	return x.Name + sep + v
}

func certEntity(c *plan.CertRequest) entity {
	what := c.Description
	if what == "" {
		what = c.Purpose + " certificate of " + c.Subject
	}
	summary := fmt.Sprintf("%s: CN=%s", what, c.CommonName)
	if len(c.DNSNames) > 0 {
		summary += ", DNS names " + strings.Join(c.DNSNames, ", ")
	}
	ekus := make([]string, len(c.EKUs))
	for i, oid := range c.EKUs {
		ekus[i] = plan.EKULabel(oid)
	}
	a := make(attrs, 0, 15)
	a.add("for", c.Subject)
	a.add("purpose", c.Purpose)
	a.add("description", c.Description)
	a.add("common name", c.CommonName)
	a.list("DNS names", c.DNSNames)
	a.list("enhanced key usage", ekus)
	a.add("template", c.Template)
	a.num("key length", c.KeyLength)
	a.num("largest key length Configuration Manager accepts", c.MaxKeyLength)
	a.add("hash", c.Hash)
	a.add("key storage provider", c.Provider)
	a.yes("private key exportable", c.Exportable)
	a.add("issued by", c.Authority)
	a.yes("needs an HTTP CRL distribution point", c.NeedsHTTPCDP)
	a.add("install on", c.InstallOn)
	return entity{id: c.ID, summary: summary, fields: a}
}
