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
