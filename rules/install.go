package rules

import (
	"unicode/utf8"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// IntuneCommandLimit is the longest command line Intune accepts for a Windows line-of-business app.
const IntuneCommandLimit = 1024

// Rules IB514, IB515, IB521 and IB522: the install command lines of client populations.
var installRules = []*Rule{
	{
		Code: "IB514", Name: "intune-command-too-long", Severities: "E",
		Summary: "an Intune-installed population's ccmsetup.msi CCMSETUPCMD=\"…\" line is longer than the 1,024 characters Intune accepts, or a Group Policy-provisioned population's ccmsetup arguments are longer than the 255 characters ConfigMgrInstallation.adm accepts",
		Explain: `What: a population with install.method "intune" is installed by Intune as a Windows line-of-business app,
ccmsetup.msi with CCMSETUPCMD="<parameters and properties>". ibcmc counts the characters of the whole line it
writes (ccmsetup.msi CCMSETUPCMD="…", the form in ccmsetup/<population>.cmd and report.md) and reports it when it
exceeds 1,024. Counting the whole line rather than only the arguments field keeps a 13-character margin.
A population with install.method "gpo" (CCMSetup.msi assigned by Group Policy) or "softwareUpdate" takes
its ccmsetup parameters and properties from the "Configure Client Deployment Settings" setting of the
ConfigMgrInstallation.adm template; ibcmc reports the arguments it writes for that setting when they
exceed 255 characters.
Why: Intune caps the command line at 1,024 characters; a longer one cannot be saved, or is cut, and the
client installs without the properties at its end (Entra ID application IDs, certificate issuers).
Microsoft: "By default, ConfigMgrInstallation.adm doesn't support strings larger than 255 characters",
and "You can't add properties to" CCMSetup.msi, so the template is where a Group Policy installation gets
them; the setting takes no longer value, and the properties that do not fit never reach the client.
Fix: shorten what the line carries: Entra-joined clients since 1810 fetch AADCLIENTAPPID and AADRESOURCEURI
from the gateway, so a shorter tenant.serverAppURI helps; a long site.communication.trustedRoots list makes
CCMCERTISSUERS long (set install.certificate.issuers: false and rely on the list the site publishes);
shorten install.certificate.select; or install the population another way (install.method "manual" or
"logonScript" run ccmsetup.exe with the line itself).
Reading: Microsoft's workaround for the template is to edit ConfigMgrInstallation.adm and raise MAXLEN of
SetupParameters; ibcmc cannot see an edited template, so it holds Group Policy arguments to the template as
shipped.
See also: ` + learn.DeployClients + ` (Group Policy installation; provision client installation properties).`,
		Source: learn.ClientInstallProperties,
		Check:  checkInstallArgumentLength,
	},
	{
		Code: "IB515", Name: "unsafe-install-value", Severities: "E",
		Summary: "a value that goes into a ccmsetup command line cannot be written safely (quote, line break, trailing backslash, separator inside a root's subject)",
		Explain: `What: every design value on a ccmsetup command line (install.source, signingCert, certificate.select and
store, the CMG tenant values, the subjects of the root CAs in CCMCERTISSUERS) is written into
ccmsetup/<population>.cmd and report.md. ibcmc quotes values that hold spaces or the cmd.exe characters
& | < > ^ ( ), and doubles % in the .cmd file so that it stays literal. A value it cannot carry unchanged is
refused with this error and left out of the line: a double quote (it would end the quoted value early), a
control character such as a line break (it would end the command and start another), a value that needs
quotes and ends with a backslash (the backslash would escape the closing quote), and a root CA subject
with ";" or "|" inside an attribute value (CCMCERTISSUERS separates attributes with ";" and roots with
"|").
Why: a design value must never add a command, a property or a line to a script an administrator runs
with administrative rights, and a line with a value silently rewritten would install the client wrongly.
Fix: remove the character from the value (for a folder, drop the trailing backslash; for a subject,
write the distinguished name without quotes around values, escaping commas inside a value as "\,").
Reading: Microsoft documents the separators of CCMCERTISSUERS; refusing quotes, line breaks and a
trailing backslash is ibcmc's own rule for writing values on a command line.`,
		Source: learn.ClientInstallProperties,
		Check:  checkUnsafeInstallValues,
	},
	{
		Code: "IB522", Name: "command-line-too-long", Severities: "E",
		Summary: "a population's ccmsetup command line is longer than the 8,191 characters cmd.exe runs",
		Explain: `What: the ccmsetup command line ibcmc writes for a population (ccmsetup/<population>.cmd, and
report.md) is longer than 8,191 characters.
Why: the Windows command prompt runs command lines of at most 8,191 characters; the .cmd file stops with
"The input line is too long" and the client is not installed. Only very long design values make a line
this long (an install.source path or a certificate selection criterion of thousands of characters).
Fix: shorten the values on the line: copy the client files to a short path for install.source, shorten
install.certificate.select, or list fewer trusted roots.
Reading: the line is counted as ibcmc writes it, before cmd.exe expands %IBCMC_BULK_TOKEN% (a token adds
about a thousand characters, which the limit leaves room for only on lines far below it).`,
		Source: learn.CommandLineLimit,
		Check:  checkCommandLineLength,
	},
	{
		Code: "IB521", Name: "entra-client-without-tenant", Severities: "E",
		Summary: "a Windows population authenticates with Entra ID over IBCM, but no cloud management gateway of the design records the site's Entra ID tenant",
		Explain: `What: a Windows population has auth "entra" and via "ibcm", and the design has no cloud management
gateway with a tenant (the population's own cmg when it names one, otherwise any gateway of the design).
Why: Microsoft's Entra ID client installation covers clients that "can also be internet-based
communicating through the CMG or with an Internet-based management point", with the command line
"… AADTENANTID=<Azure AD tenant identifier> AADCLIENTAPPID=<…> AADRESOURCEURI=<…>". Only Entra-joined
clients that fetch these values from a cloud management gateway may leave them out; a client managed
through an internet-based management point has no gateway to ask, and without the properties it cannot
get an Entra ID token for the site.
Fix: add the site's Entra ID onboarding (Azure Services > Cloud Management: tenant ID, client app ID and
server app ID URI) as tenant {id, clientApp, serverAppURI} on the design's cmg entry, or authenticate the
population with PKI client certificates (auth "pki").
Reading: the design records the site's Entra ID onboarding only as a gateway's tenant; a site has one
onboarding, so the first gateway (by name) with a tenant supplies it unless the population names its cmg.
Internet-based client management itself requires PKI certificates on the site systems
(` + learn.PlanIBCM + `); that is checked elsewhere.`,
		Source: learn.DeployClientsEntra,
		Check:  checkEntraClientTenant,
	},
}

func checkInstallArgumentLength(p *plan.Plan, r *Reporter) {
	for _, prof := range p.Installs {
		n := utf8.RuneCountInString(prof.CommandLine)
		switch {
		case prof.Method == plan.InstallIntune && n > IntuneCommandLimit:
			r.Error(plan.Join(prof.Path, "install", "method"),
				"shorten the values on the line (see ibcmc explain IB514) or install the population another way",
				"the Intune command line of population %s is %d characters; Intune accepts at most %d", prof.Population, n, IntuneCommandLimit)
		case plan.GroupPolicyArguments(prof.Method) && n > plan.GroupPolicyArgumentsLimit:
			r.Error(plan.Join(prof.Path, "install", "method"),
				`shorten the values on the line (see ibcmc explain IB514) or install the population another way, such as install.method "logonScript"`,
				"the ccmsetup arguments of population %s are %d characters; the CCMSetup setting of ConfigMgrInstallation.adm, which provisions them for %s installation, accepts at most %d by default",
				prof.Population, n, methodName(prof.Method), plan.GroupPolicyArgumentsLimit)
		}
	}
}

// CommandLineLimit is the longest command line cmd.exe runs.
const CommandLineLimit = 8191

func checkCommandLineLength(p *plan.Plan, r *Reporter) {
	for _, prof := range p.Installs {
		if n := utf8.RuneCountInString(prof.CommandLine); n > CommandLineLimit {
			r.Error(plan.Join(prof.Path, "install"), "shorten the values on the line (see ibcmc explain IB522)",
				"the ccmsetup command line of population %s is %d characters; cmd.exe runs at most %d", prof.Population, n, CommandLineLimit)
		}
	}
}

func methodName(method plan.InstallMethod) string {
	if method == plan.InstallSoftwareUpdate {
		return "software update-based"
	}
	return "Group Policy"
}

func checkUnsafeInstallValues(p *plan.Plan, r *Reporter) {
	seen := map[string]bool{} // a root CA's subject is reported once, not once per population
	for _, prof := range p.Installs {
		for _, x := range prof.Refused {
			if seen[x.Path+"\x00"+x.Reason] {
				continue
			}
			seen[x.Path+"\x00"+x.Reason] = true
			r.Error(x.Path, "remove the character from the value (see ibcmc explain IB515)",
				"cannot write the ccmsetup line of population %s: %s", prof.Population, x.Reason)
		}
	}
}

func checkEntraClientTenant(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Platform != plan.PlatformWindows || c.Auth != plan.AuthEntra || c.Via != plan.ViaIBCM {
			continue
		}
		if g := p.EntraTenantGateway(c); g != nil && g.Tenant != nil {
			continue
		}
		where := "no cloud management gateway of the design has a tenant"
		hint := `add the site's Entra ID onboarding as tenant {id, clientApp, serverAppURI} of a cmg entry, or use auth "pki"`
		if c.CMG != "" {
			where = "its cmg " + c.CMG + " has no tenant"
			hint = "add the site's Entra ID onboarding as " + plan.Join(plan.Path("cmg", c.CMG), "tenant") + ` {id, clientApp, serverAppURI}, or use auth "pki"`
		}
		r.Error(plan.Join(c.Path, "auth"), hint,
			"population %s authenticates with Entra ID over internet-based client management, but %s: its ccmsetup line cannot carry AADTENANTID, AADCLIENTAPPID and AADRESOURCEURI, and the client cannot authenticate to the site",
			c.Name, where)
	}
}
