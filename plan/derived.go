package plan

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
	Mode       string   // publishing mode, "direct" or "cmg"
	Public     string   // public address clients reach, when known
	Path       string
}

// PortRange is an inclusive range of ports; a single port has From == To.
type PortRange struct {
	From, To int
}

// Flow is one permitted network flow.
type Flow struct {
	ID          string
	FromZone    string
	From        string // system, proxy, "any", or a named peer such as "clients" or "azure"
	FromAddress string
	ToZone      string
	To          string
	ToAddress   string
	Protocol    string // tcp | udp
	Ports       []PortRange
	Purpose     string
	RequiredBy  []string // roles, rules or populations that need the flow
	Path        string
}

// CertRequest is a certificate the design needs, as a request.
type CertRequest struct {
	ID         string // "<subject>-<purpose>", also the file stem
	Subject    string // the system, proxy or gateway it is for
	Purpose    string
	CommonName string
	DNSNames   []string
	EKUs       []string // OIDs
	Template   string
	KeyLength  int
	Hash       string
	Provider   string
	Exportable bool
	InstallOn  string // who installs it where
	Path       string
}

// Param is one ccmsetup parameter or property and where in the design its value came from.
type Param struct {
	Name   string
	Value  string
	Origin string // design path, or a short reason
}

// InstallProfile is the ccmsetup invocation of one client population.
type InstallProfile struct {
	ID          string // population name
	Population  string
	Program     string // ccmsetup.exe or ccmsetup.msi
	Params      []Param
	Properties  []Param
	CommandLine string
	Notes       []string
	Path        string
}

// ProxyRoute is one published host and port on a proxy and the backend it forwards to.
type ProxyRoute struct {
	ID          string
	Publishing  string
	Product     string
	Mode        string
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
