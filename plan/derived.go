package plan

import (
	"strconv"
	"strings"
)

// Endpoint is a name and port internet clients connect to: a published or directly reachable site system,
// or a CMG.
type Endpoint struct {
	ID         string // "<fqdn>:<port>", lower case
	FQDN       string
	Port       int
	Protocol   string   // https | http
	Target     string   // system name, or cmg name for a gateway
	Roles      []string // role kinds served there, sorted
	Publishing string   // publishing entry name; empty when reached directly or via CMG
	Mode       string   // the publishing mode, EndpointDirect or EndpointCMG
	Public     string   // public address clients reach, when known
	Path       string
}

// Endpoint modes besides the publishing modes: reached directly, or through a cloud management gateway.
const (
	EndpointDirect = "direct"
	EndpointCMG    = "cmg"
)

// PortRange is an inclusive range of ports; a single port has From == To.
type PortRange struct {
	From, To int
}

// String spells the range as firewalls do: "443" or "49152-65535".
func (r PortRange) String() string {
	if r.From == r.To {
		return strconv.Itoa(r.From)
	}
	return strconv.Itoa(r.From) + "-" + strconv.Itoa(r.To)
}

// JoinPorts spells a list of ranges with sep between them: "135,445,49152-65535".
func JoinPorts(ports []PortRange, sep string) string {
	parts := make([]string, len(ports))
	for i, r := range ports {
		parts[i] = r.String()
	}
	return strings.Join(parts, sep)
}

// Contains reports whether port is in the range.
func (r PortRange) Contains(port int) bool { return port >= r.From && port <= r.To }

// Flow is one permitted network flow: a connection From opens to To (return traffic is implied).
type Flow struct {
	ID          string // "<from>-to-<to>-<protocol>-<ports>", made of [A-Za-z0-9._-]; unique in a plan
	FromZone    string
	From        string // system, proxy, machine FQDN, "any", or a named peer such as "clients" or "azure"
	FromKind    string // one of the Peer* constants
	FromAddress string // FromAddresses joined by a space, for display
	ToZone      string
	To          string
	ToKind      string
	ToAddress   string
	Protocol    string      // tcp | udp
	Ports       []PortRange // sorted, not overlapping
	Purpose     string
	RequiredBy  []string // roles, rules or populations that need the flow, sorted
	Path        string

	// FromAddresses and ToAddresses are canonical IP addresses and CIDR prefixes: the design's address of
	// the machine, or its zone's CIDRs when it has none. Empty: the design gives no address at all. For a
	// flow to a publishing entry's public side, ToAddresses is the proxy's inside address.
	FromAddresses []string
	ToAddresses   []string
	// ToPublic is the public address clients connect to when To is a publishing entry with one: a firewall
	// that translates it (DNAT) forwards the packet to ToAddresses.
	ToPublic []string
	// Source is the Microsoft Learn page that documents the flow.
	Source string
	// Firewalls are the network firewalls the flow passes, by name; empty for a flow inside one zone.
	Firewalls []string
}

// Crosses reports whether the flow leaves its zone (it passes network firewalls, not only host firewalls).
func (f *Flow) Crosses() bool { return f.FromZone != f.ToZone }

// Kinds of flow peers.
const (
	PeerSystem           = "system"           // a systems entry
	PeerSystems          = "systems"          // several systems entries of one zone, as one flow end (their addresses)
	PeerSiteServer       = "siteServer"       // site.server when it is not a systems entry
	PeerSiteDatabase     = "siteDatabase"     // site.database.server when it is neither the site server nor a systems entry
	PeerProxy            = "proxy"            // a publishing entry
	PeerDomainController = "domainController" // forests.*.domainControllers
	PeerInternet         = "internet"         // any host on the internet
	PeerClients          = "clients"          // client populations
	PeerCMG              = "cmg"              // a cloud management gateway in Azure
	PeerAzure            = "azure"            // Azure management endpoints
	PeerCDP              = "cdp"              // an HTTP CRL distribution point host
	PeerMicrosoftUpdate  = "microsoftUpdate"  // Microsoft Update, where the synchronizing SUP gets updates
	PeerUpstreamWSUS     = "upstreamWSUS"     // the upstream WSUS server the synchronizing SUP gets updates from
)

// Windows reports whether a flow peer kind is a Windows server ibcmc writes a firewall script for.
func Windows(kind string) bool {
	return kind == PeerSystem || kind == PeerSiteServer || kind == PeerSiteDatabase
}

// CertRequest is a certificate the design needs, as a request.
type CertRequest struct {
	ID         string // "<subject>-<purpose>", also the file stem
	Subject    string // the system, proxy or gateway it is for
	Purpose    string
	CommonName string
	DNSNames   []string
	EKUs       []string // OIDs
	Template   string   // certificate template; empty when the issuing CA does not use templates
	KeyLength  int
	Hash       string
	Provider   string // ProviderKSP or ProviderCSP
	Exportable bool
	InstallOn  string // who installs it where
	Path       string

	// Description says what the certificate is for, in a phrase ("web server certificate of ibcm01").
	Description string
	// Authority is the pki authority expected to issue it (pki.issuer, or the CMG's certificate authority).
	Authority string
	// MaxKeyLength is the largest RSA key Configuration Manager accepts for this certificate; 0 means no limit.
	MaxKeyLength int
	// NeedsHTTPCDP is set when internet clients check this certificate's revocation, so it must carry an
	// HTTP CRL distribution point (an LDAP-only CDP fails on the internet).
	NeedsHTTPCDP bool
}

// Key storage providers of certificate requests: pki.provider "ksp" and "csp".
const (
	ProviderKSP = "Microsoft Software Key Storage Provider"
	ProviderCSP = "Microsoft RSA SChannel Cryptographic Provider"
)

// Param is one ccmsetup parameter (Name starts with "/") or client.msi property, and where in the design its
// value came from. Value is what ccmsetup receives, unquoted; a flag parameter has no value.
type Param struct {
	Name   string   // "/mp", "/UsePKICert", "SMSSITECODE"
	Value  string   // empty for a flag
	Origin string   // the design path to change to change the value
	Also   []string // further design paths whose values are part of Value (the CMG URL's role ID, each trusted root)
	Why    string   // what it does for this population, one sentence, for comments and the report
	// EnvRef marks a value that is a %VARIABLE% reference for the installing shell to expand (the bulk
	// registration token, which is never written), not design text.
	EnvRef bool
}

// Flag reports whether x is a parameter that takes no value (/UsePKICert); properties always have one.
func (x Param) Flag() bool { return strings.HasPrefix(x.Name, "/") && x.Value == "" }

// InstallProfile is the ccmsetup invocation of one client population.
type InstallProfile struct {
	ID          string // population name, also the file stem of ccmsetup/<ID>.cmd
	Population  string
	Method      InstallMethod
	Program     string // ccmsetup.exe, or ccmsetup.msi for Intune
	Params      []Param
	Properties  []Param
	CommandLine string // canonical: program, parameters, properties; values with spaces quoted
	// TokenEnv is the environment variable the bulk registration token is read from, when the population
	// registers with a token; empty otherwise.
	TokenEnv string
	Notes    []string // what the person installing must know (Intune arguments, push restrictions, omissions)
	// Refused are design values left out of the line because they cannot be written safely (rule IB515).
	Refused []Refusal
	Path    string // the population's design path
}

// Refusal is a design value an artifact cannot carry, and why.
type Refusal struct {
	Path   string
	Reason string
}

// ProxyRoute is one published host and port on a proxy and the backend it forwards to.
type ProxyRoute struct {
	ID          string
	Publishing  string
	Product     PublishingProduct
	Mode        PublishingMode
	ListenPort  int
	Scheme      string // https | http | tcp
	Host        string // internet FQDN (SNI / Host)
	Backend     string // system name
	BackendHost string
	BackendPort int
	BackendTLS  bool
	Methods     []string
	Headers     []string
	Path        string

	// Roles are the role kinds served on this host and port, sorted.
	Roles []string
	// BackendAddress is the backend system's address when the design gives one; configs connect to it so
	// the proxy does not depend on DNS at startup, and still verify the certificate against BackendHost.
	BackendAddress string
	// UpstreamTLS is the cipher profile toward the backend: intermediate | legacy.
	UpstreamTLS UpstreamTLS
	// ServerCert and ClientCert are the certificate request IDs (file stems under the cert directory) of the
	// proxy's own certificates when it terminates TLS (bridging); empty otherwise.
	ServerCert, ClientCert string
	// RequireClientCert: a bridging proxy demands and verifies the client's certificate, as the management
	// and distribution points behind it would. Windows Update agents present none to a software update point.
	RequireClientCert bool
}

// Certificate request purposes; a request's ID is "<subject>-<purpose>".
const (
	PurposeWebServer       = "webserver"    // IIS site system: Server Authentication, SAN = its FQDNs
	PurposeClient          = "client"       // management point: Client Authentication
	PurposeDPClient        = "dp-client"    // distribution point: exportable Client Authentication, ≤2048 bits
	PurposeProxyServer     = "proxy-server" // bridging proxy: Server Authentication for the published FQDNs
	PurposeProxyClient     = "proxy-client" // bridging proxy: Client Authentication toward backends
	PurposeCMGServer       = "cmg-server"   // CMG server certificate: CN = service name, exportable
	PurposeConnectionPoint = "cmgcp-client" // CMG connection point: Client Authentication
)

// Extended key usage OIDs.
const (
	EKUServerAuth = "1.3.6.1.5.5.7.3.1"
	EKUClientAuth = "1.3.6.1.5.5.7.3.2"
)

// EKUName is an extended key usage ibcmc requests as Windows shows it ("Server Authentication"), or "" for
// any other OID.
func EKUName(oid string) string {
	switch oid {
	case EKUServerAuth:
		return "Server Authentication"
	case EKUClientAuth:
		return "Client Authentication"
	}
	return ""
}

// EKULabel is an extended key usage for people: "Server Authentication (1.3.6.1.5.5.7.3.1)", or the bare
// OID of one ibcmc does not request. The known ones are constants, so no string is made per use.
func EKULabel(oid string) string {
	switch oid {
	case EKUServerAuth:
		return "Server Authentication (" + EKUServerAuth + ")"
	case EKUClientAuth:
		return "Client Authentication (" + EKUClientAuth + ")"
	}
	return oid
}
