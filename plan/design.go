package plan

import "slices"

// Site is the primary site internet clients are assigned to, with defaults applied.
type Site struct {
	Code          string
	Type          SiteType
	Version       string // current-branch version YYMM
	Environment   Environment
	Server        string
	Address       string
	Zone          string
	Forest        string
	Database      Database
	Communication Communication
	Ports         Ports
	Settings      ClientSettings
	// SoftwareUpdates is where the synchronizing software update point gets updates (defaults applied).
	SoftwareUpdates SoftwareUpdates
}

// SoftwareUpdates is site.softwareUpdates.
type SoftwareUpdates struct {
	Source    string // SourceMicrosoftUpdate or the FQDN of an upstream WSUS server
	SyncPoint string // system name; empty: the first software update point by name
	Path      string
}

// SourceMicrosoftUpdate is site.softwareUpdates.source when the site synchronizes with Microsoft Update.
const SourceMicrosoftUpdate = "microsoftUpdate"

// VersionAtLeast reports whether the site runs current branch yymm or later.
func (s Site) VersionAtLeast(yymm string) bool { return s.Version >= yymm }

// Database is the site database server.
type Database struct {
	Server  string
	Address string
	Zone    string
	Port    int
}

// Communication is Site properties > Communication Security.
type Communication struct {
	ClientConnections ClientConnections
	UsePKIClientCert  bool
	CheckCRL          bool
	TrustedRoots      []string // authority names; nil when not set
	TrustedRootsSet   bool
}

// Ports are the client request ports.
type Ports struct {
	HTTP, HTTPS int
}

// ClientSettings are the default client settings that gate internet features.
type ClientSettings struct {
	UserPolicy             bool
	UserPolicyFromInternet bool
	CloudManagementGateway bool
	CloudDistributionPoint bool // "Allow access to cloud distribution point"
}

// Forest is an Active Directory forest.
type Forest struct {
	Name   string
	Path   string
	DNS    string
	Trusts []string
}

// DomainController is a domain controller of a forest.
type DomainController struct {
	Name     string
	Forest   string
	Path     string
	FQDN     string
	Address  string
	Zone     string
	ReadOnly bool
}

// Zone is a network zone. The compiler adds "internet" when the design does not write it.
type Zone struct {
	Name  string
	Path  string
	Kind  ZoneKind
	CIDRs []string
}

// PKI is the design's key and template policy.
type PKI struct {
	Issuer    string
	Templates Templates
	KeyLength int
	Hash      Hash
	Provider  KeyProvider
}

// Templates are the certificate template names.
type Templates struct {
	WebServer, Client, DistributionPoint string
}

// Authority is a certification authority.
type Authority struct {
	Name    string
	Path    string
	Subject string
	Parent  string
	Kind    AuthorityKind
	CRL     CRL
}

// CRL is where an authority publishes revocation.
type CRL struct {
	LDAP     bool
	HTTP     []string
	Internet bool
}

// AllowsInternet reports whether an allow value includes internet clients.
func AllowsInternet(allow Allow) bool {
	return allow == AllowInternet || allow == AllowIntranetAndInternet
}

// AllowsIntranet reports whether an allow value includes intranet clients.
func AllowsIntranet(allow Allow) bool {
	return allow == AllowIntranet || allow == AllowIntranetAndInternet
}

// System is a site system server and its roles.
type System struct {
	Name                string
	Path                string
	IntranetFQDN        string
	InternetFQDN        string
	Address             string
	Zone                string
	Forest              string // empty: not domain-joined
	SiteServerInitiates bool
	InstallAccount      string
	DatabaseAccount     string
	Roles               Roles
}

// FQDNs returns the system's names, intranet first.
func (s *System) FQDNs() []string {
	var out []string
	if s.IntranetFQDN != "" {
		out = append(out, s.IntranetFQDN)
	}
	if s.InternetFQDN != "" {
		out = append(out, s.InternetFQDN)
	}
	return out
}

// PrimaryFQDN is the intranet name, or the internet name for a system without one.
func (s *System) PrimaryFQDN() string {
	if s.IntranetFQDN != "" {
		return s.IntranetFQDN
	}
	return s.InternetFQDN
}

// InternetFacing reports whether any role of the system accepts internet clients.
func (s *System) InternetFacing() bool {
	for _, r := range s.Roles.List() {
		if AllowsInternet(r.Allow) {
			return true
		}
	}
	return false
}

// Role kinds, as the schema names them under roles.
const (
	RoleManagementPoint              = "managementPoint"
	RoleDistributionPoint            = "distributionPoint"
	RoleSoftwareUpdatePoint          = "softwareUpdatePoint"
	RoleFallbackStatusPoint          = "fallbackStatusPoint"
	RoleEnrollmentPoint              = "enrollmentPoint"
	RoleEnrollmentProxyPoint         = "enrollmentProxyPoint"
	RoleCertificateRegistrationPoint = "certificateRegistrationPoint"
	RoleCMGConnectionPoint           = "cmgConnectionPoint"
	RoleServiceConnectionPoint       = "serviceConnectionPoint"
)

// Roles holds a system's roles; a nil pointer means the role is not installed.
type Roles struct {
	ManagementPoint              *ManagementPoint
	DistributionPoint            *DistributionPoint
	SoftwareUpdatePoint          *SoftwareUpdatePoint
	FallbackStatusPoint          *FallbackStatusPoint
	EnrollmentPoint              *Role
	EnrollmentProxyPoint         *Role
	CertificateRegistrationPoint *Role
	CMGConnectionPoint           *Role
	ServiceConnectionPoint       *ServiceConnectionPoint
}

// Role is what every role has: its kind, the design path and the client connections it allows
// (empty for roles without an allow setting).
type Role struct {
	Kind  string
	Path  string
	Allow Allow
}

// ManagementPoint role.
type ManagementPoint struct {
	Role
	Connections Connections
	CMGTraffic  bool
	RoleID      int64 // 0 when not set
}

// DistributionPoint role.
type DistributionPoint struct {
	Role
	Connections Connections
}

// SoftwareUpdatePoint role.
type SoftwareUpdatePoint struct {
	Role
	HTTPPort, HTTPSPort int
	SSL                 bool
	CMGTraffic          bool
	WSUSAccount         string // WSUS Server Connection account name, for an untrusted forest
}

// FallbackStatusPoint role.
type FallbackStatusPoint struct {
	Role
}

// ServiceConnectionPoint role.
type ServiceConnectionPoint struct {
	Role
	Mode SCPMode
}

// List returns the installed roles in schema order.
func (r Roles) List() []Role {
	var out []Role
	if r.ManagementPoint != nil {
		out = append(out, r.ManagementPoint.Role)
	}
	if r.DistributionPoint != nil {
		out = append(out, r.DistributionPoint.Role)
	}
	if r.SoftwareUpdatePoint != nil {
		out = append(out, r.SoftwareUpdatePoint.Role)
	}
	if r.FallbackStatusPoint != nil {
		out = append(out, r.FallbackStatusPoint.Role)
	}
	for _, x := range []*Role{r.EnrollmentPoint, r.EnrollmentProxyPoint, r.CertificateRegistrationPoint, r.CMGConnectionPoint} {
		if x != nil {
			out = append(out, *x)
		}
	}
	if r.ServiceConnectionPoint != nil {
		out = append(out, r.ServiceConnectionPoint.Role)
	}
	return out
}

// Publishing is a web proxy or firewall that publishes site systems to the internet.
type Publishing struct {
	Name        string
	Path        string
	Product     PublishingProduct
	Mode        PublishingMode
	Zone        string
	Address     string
	Public      string
	Systems     []string
	UpstreamTLS UpstreamTLS
}

// Population is a client population.
type Population struct {
	Name       string
	Path       string
	Count      int // 0 when not set
	Platform   Platform
	Join       JoinType
	Forest     string
	Management Management
	Auth       Auth
	Via        Via
	CMG        string
	Features   []Feature
	Install    Install
}

// Internet reports whether the population is an internet client population: internet-only, roaming, or
// via a CMG.
func (c *Population) Internet() bool {
	return c.Management == ManageInternetOnly || c.Management == ManageIntranetAndInternet || c.Via == ViaCMG
}

// HasFeature reports whether the population lists the feature.
func (c *Population) HasFeature(f Feature) bool {
	for _, x := range c.Features {
		if x == f {
			return true
		}
	}
	return false
}

// Install is how a population's clients are installed.
type Install struct {
	Method              InstallMethod
	From                InstallFrom
	MP                  string
	DownloadMP          string
	Source              string
	SigningCert         string
	FallbackStatusPoint string
	Certificate         CertSelection
}

// GroupPolicyArguments reports whether an install method's ccmsetup arguments are provisioned through the
// ConfigMgrInstallation.adm Group Policy setting rather than written on a command line.
func GroupPolicyArguments(method InstallMethod) bool {
	return method == InstallGPO || method == InstallSoftwareUpdate
}

// CertSelection is the client certificate selection properties.
type CertSelection struct {
	Select    string
	FirstCert bool
	Issuers   bool
	Store     string
}

// CMG is a cloud management gateway.
type CMG struct {
	Name                   string
	Path                   string
	ServiceName            string
	Deployment             CMGDeployment
	VMs                    int
	VMSize                 VMSize
	ContentEnabled         bool
	ConnectionPoints       []string
	ManagementPoint        string
	VerifyClientRevocation bool
	EnforceTLS12           bool
	TrustedRoots           []string
	CertificateAuthority   string
	Tenant                 *Tenant
}

// Tenant is the Entra ID onboarding of a CMG.
type Tenant struct {
	ID, ClientApp, ServerAppURI string
}

// Firewall is a network firewall between zones: one the design declares, or one per zone boundary a flow
// crosses when it declares none.
type Firewall struct {
	Name    string
	Path    string // the declaring entry; for a derived firewall, the zones it separates
	Product FirewallProduct
	// Interfaces are the firewall's interface on each zone, sorted by zone. A derived firewall has none and
	// matches addresses only.
	Interfaces []Interface
	DNAT       bool // translates the publishing entries' public addresses to their inside addresses
	Declared   bool // written in the design's firewalls section
	// Zones are the zones it routes between, sorted: its interfaces' zones, or the boundary's two zones.
	Zones []string
}

// Interface is a firewall's interface on one zone.
type Interface struct {
	Zone, Name string
}

// Iface returns the firewall's interface on a zone, or "" when it has none there.
func (f *Firewall) Iface(zone string) string {
	for _, i := range f.Interfaces {
		if i.Zone == zone {
			return i.Name
		}
	}
	return ""
}

// Between reports whether the firewall routes between the two zones.
func (f *Firewall) Between(a, b string) bool {
	return a != b && slices.Contains(f.Zones, a) && slices.Contains(f.Zones, b)
}

// SharedIface reports whether several zones of the firewall are on the interface.
func (f *Firewall) SharedIface(name string) bool {
	n := 0
	for _, i := range f.Interfaces {
		if i.Name == name {
			n++
		}
	}
	return n > 1
}
