package plan

// The design's enumerations as Go types: each field the schema restricts to a set of string literals has
// a named type here, and the constants of that type are exactly the schema's literals
// (compiler/enums_test.go compares the two), so code compares against a constant and a misspelt value
// does not compile.

// SiteType is site.type.
type SiteType string

const (
	SitePrimary   SiteType = "primary"
	SiteSecondary SiteType = "secondary"
	SiteCAS       SiteType = "cas"
)

// Environment is site.environment.
type Environment string

const (
	EnvironmentProduction Environment = "production"
	EnvironmentLab        Environment = "lab"
)

// ClientConnections is site.communication.clientConnections.
type ClientConnections string

const (
	ClientConnectionsHTTPS ClientConnections = "https"
	ClientConnectionsEHTTP ClientConnections = "ehttp" // HTTPS or enhanced HTTP
	ClientConnectionsHTTP  ClientConnections = "http"
)

// ZoneKind is zones.*.kind.
type ZoneKind string

const (
	ZoneInternet  ZoneKind = "internet"
	ZonePerimeter ZoneKind = "perimeter"
	ZoneIntranet  ZoneKind = "intranet"
)

// AuthorityKind is pki.authorities.*.kind.
type AuthorityKind string

const (
	AuthorityEnterprise AuthorityKind = "enterprise"
	AuthorityStandalone AuthorityKind = "standalone"
	AuthorityPublic     AuthorityKind = "public"
)

// Hash is pki.hash, the signature hash algorithm of certificate requests.
type Hash string

const (
	HashSHA256 Hash = "sha256"
	HashSHA384 Hash = "sha384"
	HashSHA512 Hash = "sha512"
	HashSHA1   Hash = "sha1"
)

// KeyProvider is pki.provider; ProviderKSP and ProviderCSP are the provider names requests carry for it.
type KeyProvider string

const (
	KeyProviderKSP KeyProvider = "ksp"
	KeyProviderCSP KeyProvider = "csp"
)

// Allow is a role's client connections setting (#Allow).
type Allow string

const (
	AllowIntranet            Allow = "intranet"
	AllowInternet            Allow = "internet"
	AllowIntranetAndInternet Allow = "intranetAndInternet"
)

// Connections is the connections setting of a management or distribution point.
type Connections string

const (
	ConnectionsHTTPS Connections = "https"
	ConnectionsHTTP  Connections = "http"
)

// SCPMode is the service connection point's mode.
type SCPMode string

const (
	SCPOnline  SCPMode = "online"
	SCPOffline SCPMode = "offline"
)

// PublishingProduct is publishing.*.product.
type PublishingProduct string

const (
	PublishingNginx   PublishingProduct = "nginx"
	PublishingHAProxy PublishingProduct = "haproxy"
	PublishingOther   PublishingProduct = "other" // rules and report only, no config
)

// BindsBackendConnections says whether SSL bridging on the product can keep one backend connection for one
// client connection once Windows authentication starts on it, which NTLM and Negotiate need: the management
// point authenticates the TCP connection, not each request. HAProxy marks such a connection private (a 401
// with WWW-Authenticate NTLM or Negotiate); open-source nginx pools upstream connections across clients, so a
// connection authenticated for one user would serve the next client as that user. For a product ibcmc does
// not configure ("other") it cannot know: known is false.
func (p PublishingProduct) BindsBackendConnections() (binds, known bool) {
	switch p {
	case PublishingNginx:
		return false, true
	case PublishingOther:
		return false, false
	}
	return true, true
}

// PublishingMode is publishing.*.mode.
type PublishingMode string

const (
	ModeBridging       PublishingMode = "sslBridging"
	ModeTunneling      PublishingMode = "sslTunneling"
	ModePortForwarding PublishingMode = "portForwarding"
)

// UpstreamTLS is publishing.*.upstreamTLS, the cipher profile toward backends.
type UpstreamTLS string

const (
	UpstreamIntermediate UpstreamTLS = "intermediate"
	UpstreamLegacy       UpstreamTLS = "legacy" // ciphers a Windows Server 2012 R2 backend accepts
)

// Feature is a feature a population uses (#Feature).
type Feature string

const (
	FeatureInventory               Feature = "inventory"
	FeatureSoftwareUpdates         Feature = "softwareUpdates"
	FeatureApplications            Feature = "applications"
	FeatureCompliance              Feature = "compliance"
	FeatureEndpointProtection      Feature = "endpointProtection"
	FeatureScripts                 Feature = "scripts"
	FeatureTaskSequences           Feature = "taskSequences"
	FeatureOSDeployment            Feature = "osDeployment"
	FeatureRemoteControl           Feature = "remoteControl"
	FeatureWakeOnLan               Feature = "wakeOnLan"
	FeatureClientPush              Feature = "clientPush"
	FeatureAutomaticSiteAssignment Feature = "automaticSiteAssignment"
	FeatureUserApplications        Feature = "userApplications"
	FeatureUserPolicy              Feature = "userPolicy"
	FeatureRoaming                 Feature = "roaming"
	FeaturePeerCache               Feature = "peerCache"
)

// Platform is clients.*.platform.
type Platform string

const (
	PlatformWindows Platform = "windows"
	PlatformMobile  Platform = "mobile"
	PlatformMacOS   Platform = "macos"
)

// JoinType is clients.*.join.
type JoinType string

const (
	JoinDomain    JoinType = "domain"
	JoinWorkgroup JoinType = "workgroup"
	JoinEntra     JoinType = "entra"
	JoinHybrid    JoinType = "hybrid"
)

// Management is clients.*.management.
type Management string

const (
	ManageIntranetAndInternet Management = "intranetAndInternet"
	ManageInternetOnly        Management = "internetOnly"
	ManageIntranetOnly        Management = "intranetOnly"
)

// Auth is clients.*.auth.
type Auth string

const (
	AuthPKI   Auth = "pki"
	AuthEntra Auth = "entra"
	AuthToken Auth = "token"
)

// Via is clients.*.via.
type Via string

const (
	ViaIBCM Via = "ibcm"
	ViaCMG  Via = "cmg"
)

// InstallMethod is clients.*.install.method.
type InstallMethod string

const (
	InstallManual InstallMethod = "manual"
	// InstallGPO assigns CCMSetup.msi by Group Policy software installation; its ccmsetup arguments come
	// from the ConfigMgrInstallation.adm setting, since no properties can be added to CCMSetup.msi.
	InstallGPO InstallMethod = "gpo"
	// InstallLogonScript runs ccmsetup.exe /logon from a logon script.
	InstallLogonScript InstallMethod = "logonScript"
	InstallPush        InstallMethod = "push"
	// InstallSoftwareUpdate publishes the client to the software update point; it takes no command-line
	// properties and reads them from the same Group Policy setting (or Active Directory).
	InstallSoftwareUpdate InstallMethod = "softwareUpdate"
	InstallIntune         InstallMethod = "intune"
	InstallMedia          InstallMethod = "media"
)

// InstallFrom is clients.*.install.from, where the device is when the client installs.
type InstallFrom string

const (
	FromIntranet InstallFrom = "intranet"
	FromVPN      InstallFrom = "vpn"
	FromInternet InstallFrom = "internet"
)

// CMGDeployment is cmg.*.deployment.
type CMGDeployment string

const (
	DeploymentVMSS    CMGDeployment = "vmss"
	DeploymentClassic CMGDeployment = "classic" // deprecated cloud service
)

// VMSize is cmg.*.vmSize.
type VMSize string

const (
	VMSizeA2v2 VMSize = "A2_v2"
	VMSizeB2s  VMSize = "B2s" // lab only
	VMSizeA4v2 VMSize = "A4_v2"
)

// FirewallProduct is firewalls.*.product.
type FirewallProduct string

const (
	FirewallNftables FirewallProduct = "nftables"
	FirewallOther    FirewallProduct = "other" // flows and report only, no ruleset
)
