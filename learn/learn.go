// Package learn names the Microsoft Learn pages ibcmc's rules, flows and artifacts rest on. Everything
// users read (explain, hints, SARIF help, generated files) cites these URLs, so a reader can open the
// document the check comes from; keeping them in one place keeps every citation spelled the same way.
package learn

const base = "https://learn.microsoft.com/mem/configmgr/"

// Configuration Manager documentation pages.
const (
	Ports                   = base + "core/plan-design/hierarchy/ports"
	CommunicationsEndpoints = base + "core/plan-design/hierarchy/communications-between-endpoints"
	EnhancedHTTP            = base + "core/plan-design/hierarchy/enhanced-http"
	InternetEndpoints       = base + "core/plan-design/network/internet-endpoints"
	PKICertificates         = base + "core/plan-design/network/pki-certificate-requirements"
	ExamplePKIDeployment    = base + "core/plan-design/network/example-deployment-of-pki-certificates"
	CNGCertificates         = base + "core/plan-design/network/cng-certificates-overview"
	PlanCertificates        = base + "core/plan-design/security/plan-for-certificates"
	SizeAndScale            = base + "core/plan-design/configs/size-and-scale-numbers"
	Deprecated              = base + "core/plan-design/changes/deprecated/removed-and-deprecated-cmfeatures"
	PrepareSites            = base + "core/servers/deploy/install/prepare-to-install-sites"
	ClientInstallProperties = base + "core/clients/deploy/about-client-installation-properties"
	ClientInstallParameters = base + "core/clients/deploy/about-client-installation-parameters-and-properties"
	DeployClients           = base + "core/clients/deploy/deploy-clients-to-windows-computers"
	DeployClientsToken      = base + "core/clients/deploy/deploy-clients-cmg-token"
	DeployClientsEntra      = base + "core/clients/deploy/deploy-clients-cmg-azure"
	AssignClients           = base + "core/clients/deploy/assign-clients-to-a-site"
	ClientRoles             = base + "core/clients/deploy/plan/determine-the-site-system-roles-for-clients"
	ClientSettings          = base + "core/clients/deploy/about-client-settings"
	Accounts                = base + "core/plan-design/hierarchy/accounts"
	PlanIBCM                = base + "core/clients/manage/plan-internet-based-client-management"
	CMGPlan                 = base + "core/clients/manage/cmg/plan-cloud-management-gateway"
	CMGSetup                = base + "core/clients/manage/cmg/setup-cloud-management-gateway"
	CMGServerCert           = base + "core/clients/manage/cmg/server-auth-cert"
	CMGAuth                 = base + "core/clients/manage/cmg/configure-authentication"
	CMGClients              = base + "core/clients/manage/cmg/configure-clients"
	CMGDataFlow             = base + "core/clients/manage/cmg/data-flow"
	CMGSecurity             = base + "core/clients/manage/cmg/security-and-privacy-for-cloud-management-gateway"
	CMGSupported            = base + "core/clients/manage/cmg/supported-configurations"
	CMGPerfScale            = base + "core/clients/manage/cmg/perf-scale"
	PlanSoftwareUpdates     = base + "sum/plan-design/plan-for-software-updates"
	SUPSSL                  = base + "sum/get-started/software-update-point-ssl"
	ADFirewall              = "https://learn.microsoft.com/troubleshoot/windows-server/active-directory/config-firewall-for-ad-domains-and-trusts"
	CommandLineLimit        = "https://learn.microsoft.com/troubleshoot/windows-client/shell-experience/command-line-string-limitation"
)
