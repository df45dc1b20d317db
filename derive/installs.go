package derive

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ibcmc/ibcmc/internal/dn"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// BulkTokenEnv is the environment variable a token population's install line reads the bulk registration
// token from. The token is a credential with a lifetime of days: ibcmc never writes it into a file.
const BulkTokenEnv = "IBCMC_BULK_TOKEN"

// Installs gives every Windows client population its ccmsetup arguments: parameters, then
// properties, each in the canonical order and each with the design path it came from. For most methods
// they form a ccmsetup.exe (or, for Intune, ccmsetup.msi) command line; for Group Policy and software
// update-based installation they are the value of the ConfigMgrInstallation.adm setting. Values that
// cannot be carried through cmd.exe, ccmsetup and Windows Installer unchanged are left out of the line and
// recorded in InstallProfile.Refused, where rule IB515 reports them.
func Installs(p *plan.Plan) {
	for _, c := range p.Clients {
		if c.Platform != plan.PlatformWindows {
			// ccmsetup installs the Windows client only; macOS and mobile devices enroll instead.
			continue
		}
		p.Installs = append(p.Installs, installProfile(p, c))
	}
}

type installBuilder struct {
	p    *plan.Plan
	c    *plan.Population
	prof *plan.InstallProfile
	cmg  cmgState // the gateway target, decided once for /mp: and CCMHOSTNAME
}

func installProfile(p *plan.Plan, c *plan.Population) *plan.InstallProfile {
	prof := &plan.InstallProfile{
		ID: c.Name, Population: c.Name, Method: c.Install.Method, Program: "ccmsetup.exe", Path: c.Path,
	}
	switch c.Install.Method {
	case plan.InstallIntune:
		prof.Program = "ccmsetup.msi"
	case plan.InstallGPO:
		// Group Policy software installation assigns the Windows Installer package; ccmsetup.exe is what
		// it starts, with the arguments Group Policy provisions.
		prof.Program = "CCMSetup.msi"
	}
	b := &installBuilder{p: p, c: c, prof: prof}
	b.params()
	b.properties()
	// Values that could not be written were refused above, so the canonical line cannot fail.
	prof.CommandLine, _ = prof.Line(plan.CanonicalValue)
	b.methodNotes()
	return prof
}

func (b *installBuilder) in(elems ...string) string {
	return plan.Join(b.c.Path, elems...)
}

// add appends a parameter or property unless its value cannot be written safely. A property with an empty
// value is left out: PROPERTY= would clear what Group Policy or a previous install set.
func (b *installBuilder) add(list *[]plan.Param, x plan.Param) {
	if !strings.HasPrefix(x.Name, "/") && x.Value == "" {
		return
	}
	if !x.EnvRef {
		if reason := unsafeInstallValue(x.Value); reason != "" {
			b.refuse(x.Origin, fmt.Sprintf("%s value %q %s", x.Name, x.Value, reason))
			return
		}
	}
	*list = append(*list, x)
}

func (b *installBuilder) param(x plan.Param)    { b.add(&b.prof.Params, x) }
func (b *installBuilder) property(x plan.Param) { b.add(&b.prof.Properties, x) }

func (b *installBuilder) refuse(path, reason string) {
	b.prof.Refused = append(b.prof.Refused, plan.Refusal{Path: path, Reason: reason})
	b.note(fmt.Sprintf("Left out of the line: %s (%s).", reason, path))
}

func (b *installBuilder) note(s string) { b.prof.Notes = append(b.prof.Notes, s) }

// cmgState is the gateway target of a via-cmg population: the host form
// "<serviceName>/CCM_Proxy_MutualAuth/<roleID>" and the design paths it came from.
type cmgState struct {
	host, origin, roleIDPath string
	ok                       bool // false when the gateway or its management point's role ID is missing (IB211, IB606)
}

func (b *installBuilder) cmgTarget() cmgState {
	g := b.p.DefaultCMG(b.c)
	if g == nil {
		b.note("No cloud management gateway resolves for this population, so /mp: and CCMHOSTNAME are left out.")
		return cmgState{}
	}
	s := b.p.System(g.ManagementPoint)
	if s == nil || s.Roles.ManagementPoint == nil || s.Roles.ManagementPoint.RoleID == 0 {
		b.note(fmt.Sprintf("The management point of gateway %s has no roleID, so /mp: and CCMHOSTNAME are left out.", g.Name))
		return cmgState{}
	}
	mp := s.Roles.ManagementPoint
	return cmgState{
		// The role ID is an int64 that can exceed 2^53: format the integer, never a float.
		host:       g.ServiceName + "/CCM_Proxy_MutualAuth/" + strconv.FormatInt(mp.RoleID, 10),
		origin:     plan.Join(g.Path, "serviceName"),
		roleIDPath: plan.Join(mp.Path, "roleID"),
		ok:         true,
	}
}

func (b *installBuilder) params() {
	c, site := b.c, b.p.Site
	if c.Via == plan.ViaCMG {
		b.cmg = b.cmgTarget()
	}
	if c.Via == plan.ViaCMG && c.Install.DownloadMP != "" {
		b.note("install.downloadMP is not used: via a cloud management gateway, /mp: is the gateway's URL.")
	}
	switch {
	case c.Via == plan.ViaCMG && b.cmg.ok:
		b.param(plan.Param{
			Name: "/mp", Value: "https://" + b.cmg.host, Origin: b.cmg.origin, Also: []string{b.cmg.roleIDPath},
			Why: "Download the client through the cloud management gateway: its service name and the role ID of the CMG-enabled management point.",
		})
	case c.Via != plan.ViaCMG && c.Install.DownloadMP != "":
		if s := b.p.System(c.Install.DownloadMP); s != nil {
			fqdn := s.PrimaryFQDN()
			if c.Install.From == plan.FromInternet && s.InternetFQDN != "" {
				fqdn = s.InternetFQDN
			}
			b.param(plan.Param{
				Name: "/mp", Value: fqdn, Origin: b.in("install", "downloadMP"),
				Why: "Management point ccmsetup downloads the client files from; it does not assign the client.",
			})
		}
	}
	if c.Install.Method == plan.InstallLogonScript {
		// Microsoft's logon script example puts /logon right after /mp.
		b.param(plan.Param{
			Name: "/logon", Origin: b.in("install", "method"),
			Why: "Logon script: stop when any version of the client is already installed, so the client is not reinstalled at every logon.",
		})
	}
	if c.Install.Source != "" {
		b.param(plan.Param{
			Name: "/source", Value: c.Install.Source, Origin: b.in("install", "source"),
			Why: "Install from these client files (the site server's Client folder copied to media or a share) instead of downloading them.",
		})
	}
	if c.Auth == plan.AuthPKI {
		b.param(plan.Param{
			Name: "/UsePKICert", Origin: b.in("auth"),
			Why: "Use the PKI client authentication certificate; without it the client ignores HTTPS management points and cloud management gateways.",
		})
	}
	if !site.Communication.CheckCRL {
		b.param(plan.Param{
			Name: "/NoCRLCheck", Origin: "site.communication.checkCRL",
			Why: "Do not check site system certificates against the CRL: the site does not check revocation (checkCRL is false).",
		})
	}
	if c.Auth == plan.AuthToken {
		b.prof.TokenEnv = BulkTokenEnv
		b.param(plan.Param{
			Name: "/regtoken", Value: "%" + BulkTokenEnv + "%", Origin: b.in("auth"), EnvRef: true,
			Why: "Register with a bulk registration token read from the environment variable " + BulkTokenEnv + "; the token is never written to a file.",
		})
	}
}

func (b *installBuilder) properties() {
	c, p, site := b.c, b.p, b.p.Site
	b.property(plan.Param{
		Name: "SMSSITECODE", Value: site.Code, Origin: "site.code",
		Why: "Assign the client to site " + site.Code + " directly; internet clients cannot use AUTO assignment.",
	})
	if c.Install.MP == "" && c.Auth == plan.AuthToken {
		b.note("The bulk registration token documentation lists SMSMP with /regtoken: set install.mp to the intranet management point.")
	}
	if c.Install.MP != "" {
		if s := p.System(c.Install.MP); s != nil && s.Roles.ManagementPoint != nil {
			fqdn := s.PrimaryFQDN()
			if c.Via != plan.ViaCMG && c.Management == plan.ManageInternetOnly && s.InternetFQDN != "" {
				fqdn = s.InternetFQDN
			}
			value, why := fqdn, "Initial management point after installation."
			if s.Roles.ManagementPoint.Connections == plan.ConnectionsHTTPS {
				value = "https://" + fqdn
				why = "Initial management point after installation; https:// because it accepts HTTPS only."
			}
			b.property(plan.Param{Name: "SMSMP", Value: value, Origin: b.in("install", "mp"), Why: why})
		}
	}
	if c.Internet() {
		switch {
		case c.Via == plan.ViaCMG && b.cmg.ok:
			b.property(plan.Param{
				Name: "CCMHOSTNAME", Value: b.cmg.host, Origin: b.cmg.origin, Also: []string{b.cmg.roleIDPath},
				Why: "Internet management point: the cloud management gateway, in the form <service name>/CCM_Proxy_MutualAuth/<role ID> without https://.",
			})
		case c.Via != plan.ViaCMG:
			if s := internetMP(p, c); s != nil {
				b.property(plan.Param{
					Name: "CCMHOSTNAME", Value: s.InternetFQDN, Origin: plan.Join(s.Path, "fqdn", "internet"),
					Why: "Internet FQDN of the internet-facing management point " + s.Name + ", so the client can be managed on the internet.",
				})
			} else {
				b.note("No internet-facing management point has an internet FQDN, so CCMHOSTNAME is left out (IB511).")
			}
		}
	}
	// Microsoft documents CCMALWAYSINF with /UsePKICert for internet-only PKI clients; its bulk registration
	// token and Entra ID examples have none.
	if c.Management == plan.ManageInternetOnly && c.Auth == plan.AuthPKI {
		b.property(plan.Param{
			Name: "CCMALWAYSINF", Value: "1", Origin: b.in("management"),
			Why: "Always-internet client: it never looks for intranet management points.",
		})
	} else if c.Management == plan.ManageInternetOnly {
		example := "Entra ID"
		if c.Auth == plan.AuthToken {
			example = "bulk registration token"
		}
		b.note("CCMALWAYSINF=1 is not written: Microsoft documents it with /UsePKICert for PKI clients, and its " + example + " installation example has none.")
	}
	if c.Install.SigningCert != "" {
		b.property(plan.Param{
			Name: "SMSSIGNCERT", Value: c.Install.SigningCert, Origin: b.in("install", "signingCert"),
			Why: "The site server signing certificate (exported without its private key), which an internet-only client cannot read from Active Directory.",
		})
	}
	if name := c.Install.FallbackStatusPoint; name != "" {
		if s := p.System(name); s != nil {
			fqdn, origin, which := fspFQDN(c, s)
			b.property(plan.Param{
				Name: "FSP", Value: fqdn, Origin: b.in("install", "fallbackStatusPoint"), Also: origin,
				Why: "Fallback status point (" + which + " FQDN of " + s.Name + ") that receives state messages when the client cannot reach a management point.",
			})
		}
	}
	b.certificateProperties()
	if c.Auth == plan.AuthEntra {
		g := p.EntraTenantGateway(c)
		switch {
		case g != nil && g.Tenant == nil:
			b.note("Gateway " + g.Name + " has no Entra ID tenant, so AADTENANTID, AADCLIENTAPPID and AADRESOURCEURI are left out (IB607).")
		case g == nil && c.Via == plan.ViaIBCM:
			b.note("The design records the site's Entra ID onboarding only as a cloud management gateway's tenant, and none has one: AADTENANTID, AADCLIENTAPPID and AADRESOURCEURI are left out (IB521).")
		case g != nil:
			t := plan.Join(g.Path, "tenant")
			b.property(plan.Param{Name: "AADTENANTID", Value: g.Tenant.ID, Origin: plan.Join(t, "id"),
				Why: "Entra ID tenant the device is joined to."})
			b.property(plan.Param{Name: "AADCLIENTAPPID", Value: g.Tenant.ClientApp, Origin: plan.Join(t, "clientApp"),
				Why: "Application ID of the Entra ID client (native) app of the site."})
			b.property(plan.Param{Name: "AADRESOURCEURI", Value: g.Tenant.ServerAppURI, Origin: plan.Join(t, "serverAppURI"),
				Why: "Application ID URI of the Entra ID server (web) app of the site."})
		}
	}
	if site.Ports.HTTP != 80 {
		b.property(plan.Param{Name: "CCMHTTPPORT", Value: strconv.Itoa(site.Ports.HTTP), Origin: "site.ports.http",
			Why: "The site's HTTP client request port is not 80; clients that cannot read it from Active Directory need it at install."})
	}
	if site.Ports.HTTPS != 443 {
		b.property(plan.Param{Name: "CCMHTTPSPORT", Value: strconv.Itoa(site.Ports.HTTPS), Origin: "site.ports.https",
			Why: "The site's HTTPS client request port is not 443; clients that cannot read it from Active Directory need it at install."})
	}
}

// fspFQDN is the FSP= value and the design field it names. Internet and roaming populations get the
// internet FQDN of a fallback status point that accepts internet clients (Microsoft: "FSP=<internet FQDN of
// the internet-based fallback status point>"); intranet-only populations, and populations whose fallback
// status point accepts intranet clients only (IB519), its intranet FQDN.
func fspFQDN(c *plan.Population, s *plan.System) (fqdn string, also []string, which string) {
	roams := c.Management == plan.ManageInternetOnly || c.Management == plan.ManageIntranetAndInternet
	fsp := s.Roles.FallbackStatusPoint
	acceptsInternet := fsp != nil && plan.AllowsInternet(fsp.Allow) && s.InternetFQDN != ""
	if (roams && acceptsInternet) || s.IntranetFQDN == "" {
		return s.InternetFQDN, []string{plan.Join(s.Path, "fqdn", "internet")}, "internet"
	}
	return s.IntranetFQDN, []string{plan.Join(s.Path, "fqdn", "intranet")}, "intranet"
}

// certificateProperties select the PKI client certificate; they mean nothing to Entra ID or token clients.
func (b *installBuilder) certificateProperties() {
	c, cert := b.c, b.c.Install.Certificate
	if c.Auth != plan.AuthPKI {
		if cert.Select != "" || cert.Store != "" {
			b.note(fmt.Sprintf("install.certificate.select and store are not used: auth %q does not authenticate with a PKI client certificate.", c.Auth))
		}
		return
	}
	if cert.FirstCert {
		b.property(plan.Param{Name: "CCMFIRSTCERT", Value: "1", Origin: b.in("install", "certificate", "firstCert"),
			Why: "When several certificates qualify, use the one with the longest validity."})
	}
	if cert.Select != "" {
		b.property(plan.Param{Name: "CCMCERTSEL", Value: cert.Select, Origin: b.in("install", "certificate", "select"),
			Why: "Criteria that pick the client authentication certificate."})
	}
	comm := b.p.Site.Communication
	if cert.Issuers && comm.TrustedRootsSet && len(comm.TrustedRoots) > 0 {
		if value, also, ok := b.certIssuers(); ok {
			b.property(plan.Param{Name: "CCMCERTISSUERS", Value: value, Origin: "site.communication.trustedRoots", Also: also,
				Why: "The certificate issuers list: the root CAs the site trusts and the root of the management points' and clients' certificates; only a client certificate that chains to one of them is selected."})
		}
	}
	if cert.Store != "" {
		b.property(plan.Param{Name: "CCMCERTSTORE", Value: cert.Store, Origin: b.in("install", "certificate", "store"),
			Why: "Computer certificate store that holds the client certificate instead of Personal."})
	}
}

// certIssuers builds the CCMCERTISSUERS value as the site builds its certificate issuers list: "these
// imported root CA certificates and the root CA certificate of each management point". Each name in
// site.communication.trustedRoots counts as the root of its chain (an intermediate listed there would match
// no client certificate, IB312), followed by the root of pki.issuer's chain, which issues the management
// points' and clients' certificates; each root once, in that order. An entry is the root's subject with
// attributes separated by "; ", entries separated by " | ", as mobileclient.tcf writes CertificateIssuers.
func (b *installBuilder) certIssuers() (string, []string, bool) {
	comm := b.p.Site.Communication
	names := append(append([]string{}, comm.TrustedRoots...), b.p.PKI.Issuer)
	var entries, also []string
	seen := map[string]bool{}
	ok := true
	for i, name := range names {
		root := b.root(name)
		if root == nil || seen[root.Name] {
			continue
		}
		seen[root.Name] = true
		if i == len(comm.TrustedRoots) {
			// The site's own root, added although trustedRoots leaves it out.
			also = append(also, "pki.issuer")
		}
		path := plan.Join(root.Path, "subject")
		also = append(also, path)
		entry, reason := issuerEntry(root.Subject)
		if reason != "" {
			b.refuse(path, fmt.Sprintf("subject %q of root CA %s %s, so CCMCERTISSUERS cannot list it", root.Subject, root.Name, reason))
			ok = false
			continue
		}
		entries = append(entries, entry)
	}
	if len(entries) == 0 {
		return "", nil, false
	}
	return strings.Join(entries, " | "), also, ok
}

// root is the root CA of the named authority's chain, or nil when the name or a parent is unknown or the
// chain loops (IB211 reports those): an authority that is not a root never enters the issuers list.
func (b *installBuilder) root(name string) *plan.Authority {
	chain := b.p.Chain(name)
	if len(chain) == 0 {
		return nil
	}
	if top := chain[len(chain)-1]; top.Parent == "" {
		return top
	}
	b.note(fmt.Sprintf("The chain of %s does not end in a root CA (an unknown parent or a loop), so CCMCERTISSUERS cannot list its root.", name))
	return nil
}

// issuerEntry rewrites a distinguished name ("CN=Root, O=Contoso\, Ltd", read as package dn reads it) as
// one issuers-list entry ("CN=Root; O=Contoso, Ltd"): attributes in the order written, "; " between RDNs,
// "+" inside a multi-valued one. It returns a reason when the name is not well formed or an attribute value
// holds a character the list uses as a separator or that cannot be written on a command line.
func issuerEntry(subject string) (string, string) {
	attrs, err := dn.Parse(subject)
	if err != nil {
		return "", "is not a well-formed distinguished name (" + err.Error() + ")"
	}
	var b strings.Builder
	for i, a := range attrs {
		if j := strings.IndexAny(a.Value, `;|"`); j >= 0 {
			return "", fmt.Sprintf("has %q inside an attribute value", rune(a.Value[j]))
		}
		switch {
		case i == 0:
		case a.Multi:
			b.WriteString("+")
		default:
			b.WriteString("; ")
		}
		b.WriteString(a.Type + "=" + a.Value)
	}
	if b.Len() == 0 {
		return "", "is empty"
	}
	return b.String(), ""
}

// internetMP is the management point CCMHOSTNAME names for an IBCM population: the population's own
// management point (install.mp, then install.downloadMP) when it is internet-facing, otherwise the first
// internet-facing one by name. Any internet MP will do: the client learns the others from it.
func internetMP(p *plan.Plan, c *plan.Population) *plan.System {
	usable := func(s *plan.System) bool {
		return s != nil && s.InternetFQDN != "" && s.Roles.ManagementPoint != nil && plan.AllowsInternet(s.Roles.ManagementPoint.Allow)
	}
	for _, name := range []string{c.Install.MP, c.Install.DownloadMP} {
		if s := p.System(name); name != "" && usable(s) {
			return s
		}
	}
	for _, s := range p.Systems {
		if usable(s) {
			return s
		}
	}
	return nil
}

func (b *installBuilder) methodNotes() {
	prof := b.prof
	switch b.c.Install.Method {
	case plan.InstallIntune:
		b.note(fmt.Sprintf("Intune: add ccmsetup.msi as a Windows line-of-business app with the command-line arguments CCMSETUPCMD=\"...\" shown here; Intune accepts at most 1,024 characters (this line has %d).",
			utf8.RuneCountInString(prof.CommandLine)))
		if prof.TokenEnv != "" {
			b.note("Intune does not expand %" + prof.TokenEnv + "%: the token has to be supplied where the app runs.")
		}
	case plan.InstallPush:
		b.note("Client push: enter the properties under Client Push Installation > Installation Properties; push accepts /UsePKICert but not /mp, /source, /NoCRLCheck or /regtoken.")
	case plan.InstallGPO:
		b.note("Group Policy: assign CCMSetup.msi (<ConfigMgr installation directory>\\bin\\i386 on the site server) to the computers with Group Policy software installation; properties can't be added to it.")
		b.note(admNote(prof.CommandLine))
	case plan.InstallSoftwareUpdate:
		b.note("Software update-based installation takes no command-line properties: enable it under Client Installation Settings and point the computers at the software update point with Group Policy.")
		b.note(admNote(prof.CommandLine))
	case plan.InstallLogonScript:
		b.note("Logon script: run this file, next to ccmsetup.exe (for example in the NETLOGON share), from the users' logon script; /logon makes it do nothing once any version of the client is installed. ccmsetup needs administrative rights on the computer.")
	case plan.InstallMedia:
		b.note("Media: copy the site server's Client folder to the /source location and run this line from there.")
	}
	if prof.TokenEnv != "" && plan.GroupPolicyArguments(b.c.Install.Method) {
		b.note("Group Policy cannot expand %" + prof.TokenEnv + "%, and a token in a Group Policy object is readable by every computer and user that can read the policy: install token clients another way.")
	}
	if prof.TokenEnv != "" {
		b.note("Create the bulk registration token on the top-level site server with BulkRegistrationTokenTool.exe /new [/lifetime <minutes>] (default 3 days, at most 7) and set " +
			prof.TokenEnv + " to it before running the line; the token is a credential and ibcmc never writes it.")
	}
}

// admNote says where the arguments go when Group Policy provisions them, and how long they may be.
func admNote(args string) string {
	return fmt.Sprintf("ConfigMgrInstallation.adm (TOOLS\\ConfigMgrADMTemplates on the installation media): in a Group Policy object for the same computers, enable Configure Client Deployment Settings and enter the arguments shown here in the CCMSetup box; by default the template accepts at most %d characters (these have %d).",
		plan.GroupPolicyArgumentsLimit, utf8.RuneCountInString(args))
}

// unsafeInstallValue says why a design value cannot be passed through cmd.exe, ccmsetup and Windows
// Installer unchanged, or returns "". Quotes would end the quoted value early; control characters would
// end the line; a backslash before a closing quote would escape it.
func unsafeInstallValue(v string) string {
	for _, r := range v {
		if escape.IsLineBreaking(r) {
			return "contains a control character (a line break or similar)"
		}
		if r == '"' {
			return `contains a double quote (")`
		}
	}
	if strings.ContainsAny(v, escape.CmdQuoteTrigger) && strings.HasSuffix(v, `\`) {
		return "needs quotes and ends with a backslash, which would escape the closing quote; remove the trailing backslash"
	}
	return ""
}
