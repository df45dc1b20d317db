package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// installBase is an IBCM site with an intranet MP, an internet-facing MP/DP in the perimeter, a fallback
// status point and a CMG with an Entra ID tenant; each case adds one population (and may override fields).
const installBase = `package site

site: {
	code:   "P01"
	server: "cm01.contoso.com"
	forest: "contoso.com"
	communication: trustedRoots: ["Root"]
	clientSettings: cloudManagementGateway: true
}
forests: "contoso.com": {}
zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
	perimeter: {kind: "perimeter", cidrs: ["192.0.2.0/24"]}
}
pki: {
	authorities: {
		"Root": {subject: "CN=Contoso Root CA, O=Contoso\\, Ltd, C=US", crl: {http: ["http://crl.contoso.com/root.crl"], internet: true}}
		"Litware": {subject: "CN=Litware Root CA; O=Litware\\, Inc.", crl: {http: ["http://crl.litware.com/root.crl"], internet: true}}
		"Public": {subject: "CN=Public TLS CA", kind: "public"}
	}
	issuer: "Root"
}
systems: {
	mp1: {
		fqdn: intranet: "mp1.contoso.com"
		forest: "contoso.com"
		roles: managementPoint: {connections: "https", cmgTraffic: true, roleID: 72057594037927941}
	}
	mphttp: {
		fqdn: intranet: "mphttp.contoso.com"
		forest: "contoso.com"
		roles: managementPoint: {connections: "http"}
	}
	ibcm1: {
		fqdn: {intranet: "ibcm1.contoso.com", internet: "ibcm.contoso.net"}
		zone:   "perimeter"
		forest: "contoso.com"
		roles: {
			managementPoint: {connections: "https", allow: "intranetAndInternet"}
			distributionPoint: {connections: "https", allow: "intranetAndInternet"}
		}
	}
	fsp1: {
		fqdn: {intranet: "fsp1.contoso.com", internet: "fsp.contoso.net"}
		zone:   "perimeter"
		forest: "contoso.com"
		roles: fallbackStatusPoint: allow: "intranetAndInternet"
	}
	cp1: {
		fqdn: intranet: "cp1.contoso.com"
		forest: "contoso.com"
		roles: {cmgConnectionPoint: {}, serviceConnectionPoint: {}}
	}
}
publishing: {}
cmg: gw: {
	serviceName: "cmg.contoso.net"
	connectionPoints: ["cp1"]
	managementPoint: "mp1"
	trustedRoots: ["Root"]
	certificate: authority: "Public"
	tenant: {id: "11111111-2222-3333-4444-555555555555", clientApp: "66666666-7777-8888-9999-000000000000", serverAppURI: "api://contoso-cm"}
}
`

func compileInstall(t *testing.T, extra string) *plan.InstallProfile {
	t.Helper()
	base := installBase
	for {
		if rest, ok := strings.CutPrefix(extra, "REPLACE="); ok {
			edit, tail, _ := strings.Cut(rest, "\n")
			old, repl, _ := strings.Cut(edit, "\x00")
			if !strings.Contains(base, old) {
				t.Fatalf("installBase has no %q", old)
			}
			base = strings.Replace(base, old, repl, 1)
			extra = tail
			continue
		}
		if rest, ok := strings.CutPrefix(extra, "ROOTS="); ok {
			roots, tail, _ := strings.Cut(rest, "\n")
			base = strings.Replace(base, `trustedRoots: ["Root"]`, "trustedRoots: "+roots, 1)
			extra = tail
			continue
		}
		break
	}
	res := testdesign.CompileOne(t, base+extra)
	if res.Plan == nil {
		t.Fatalf("design did not compile: %v", res.Diagnostics)
	}
	if len(res.Plan.Installs) != 1 {
		t.Fatalf("want one install profile, got %d", len(res.Plan.Installs))
	}
	return res.Plan.Installs[0]
}

// TestInstallScenarios covers the documented installation scenarios (IBCM on the intranet and from
// media, CMG with PKI, Entra ID or a token, Intune, Group Policy, logon scripts) with whole command lines.
func TestInstallScenarios(t *testing.T) {
	cases := []struct {
		name    string
		roots   string   // replaces site.communication.trustedRoots when set
		replace []string // pairs of old and new text of installBase
		extra   string
		want    string
	}{
		{
			name: "A: IBCM roaming PKI client installed on the intranet, download MP, FSP, certificate selection",
			extra: `clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: {mp: "mp1", downloadMP: "mp1", fallbackStatusPoint: "fsp1", certificate: {select: "SubjectStr:contoso.com", store: "ConfigMgr"}}
}`,
			want: `ccmsetup.exe /mp:mp1.contoso.com /UsePKICert SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=ibcm.contoso.net FSP=fsp.contoso.net CCMFIRSTCERT=1 CCMCERTSEL=SubjectStr:contoso.com CCMCERTISSUERS="CN=Contoso Root CA; O=Contoso, Ltd; C=US" CCMCERTSTORE=ConfigMgr`,
		},
		{
			name: "A without CRL checking, first certificate and issuers off, HTTP intranet MP",
			extra: `site: communication: checkCRL: false
clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: {mp: "mphttp", certificate: {firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.exe /UsePKICert /NoCRLCheck SMSSITECODE=P01 SMSMP=mphttp.contoso.com CCMHOSTNAME=ibcm.contoso.net`,
		},
		{
			name: "B: IBCM internet-only from media with a path that has spaces",
			extra: `clients: kiosks: {
	join: "workgroup", management: "internetOnly", features: []
	install: {method: "media", from: "internet", source: "D:\\Config Mgr\\Client", signingCert: "D:\\Config Mgr\\Client\\siteserver.cer", fallbackStatusPoint: "fsp1", certificate: issuers: false}
}`,
			want: `ccmsetup.exe /source:"D:\Config Mgr\Client" /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMALWAYSINF=1 SMSSIGNCERT="D:\Config Mgr\Client\siteserver.cer" FSP=fsp.contoso.net CCMFIRSTCERT=1`,
		},
		{
			name:  "C: CMG with PKI client certificates, two trusted roots",
			roots: `["Root", "Litware"]`,
			extra: `clients: servers: {
	join: "domain", forest: "contoso.com", management: "internetOnly", via: "cmg", features: []
	install: {from: "internet", mp: "mp1"}
}`,
			want: `ccmsetup.exe /mp:https://cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 /UsePKICert SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 CCMALWAYSINF=1 CCMFIRSTCERT=1 CCMCERTISSUERS="CN=Contoso Root CA; O=Contoso, Ltd; C=US | CN=Litware Root CA; O=Litware, Inc."`,
		},
		{
			name: "D: CMG with Entra ID, no /UsePKICert and no certificate selection",
			extra: `clients: cloud: {
	join: "entra", auth: "entra", via: "cmg", features: []
	install: {mp: "mp1"}
}`,
			want: `ccmsetup.exe /mp:https://cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 AADTENANTID=11111111-2222-3333-4444-555555555555 AADCLIENTAPPID=66666666-7777-8888-9999-000000000000 AADRESOURCEURI=api://contoso-cm`,
		},
		{
			name: "D through Intune: ccmsetup.msi CCMSETUPCMD",
			extra: `clients: cloud: {
	join: "entra", auth: "entra", via: "cmg", features: []
	install: {method: "intune", from: "internet", mp: "mp1"}
}`,
			want: `ccmsetup.msi CCMSETUPCMD="/mp:https://cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 AADTENANTID=11111111-2222-3333-4444-555555555555 AADCLIENTAPPID=66666666-7777-8888-9999-000000000000 AADRESOURCEURI=api://contoso-cm"`,
		},
		{
			name: "Intune with a quoted value doubles the inner quotes",
			extra: `clients: servers: {
	join: "domain", forest: "contoso.com", via: "cmg", features: []
	install: {method: "intune", certificate: {select: "SubjectAttr:OU = Computers", firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.msi CCMSETUPCMD="/mp:https://cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 CCMCERTSEL=""SubjectAttr:OU = Computers"""`,
		},
		{
			name: "E: CMG with a bulk registration token read from the environment",
			extra: `clients: kiosks: {
	join: "workgroup", auth: "token", management: "internetOnly", via: "cmg", features: []
	install: {from: "internet", mp: "mp1", certificate: select: "SubjectStr:ignored"}
}`,
			// Microsoft's bulk registration token example has no CCMALWAYSINF: it goes with /UsePKICert.
			want: `ccmsetup.exe /mp:https://cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 /regtoken:%IBCMC_BULK_TOKEN% SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941`,
		},
		{
			name: "internet-only Entra ID client via CMG: no CCMALWAYSINF either",
			extra: `clients: cloud: {
	join: "entra", auth: "entra", management: "internetOnly", via: "cmg", features: []
	install: {from: "internet", mp: "mp1"}
}`,
			want: `ccmsetup.exe /mp:https://cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=cmg.contoso.net/CCM_Proxy_MutualAuth/72057594037927941 AADTENANTID=11111111-2222-3333-4444-555555555555 AADCLIENTAPPID=66666666-7777-8888-9999-000000000000 AADRESOURCEURI=api://contoso-cm`,
		},
		{
			name: "D18: Entra ID client over IBCM takes the site's tenant from the gateway, without /UsePKICert",
			extra: `clients: cloud: {
	join: "entra", auth: "entra", features: []
	install: {mp: "mp1"}
}`,
			want: `ccmsetup.exe SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=ibcm.contoso.net AADTENANTID=11111111-2222-3333-4444-555555555555 AADCLIENTAPPID=66666666-7777-8888-9999-000000000000 AADRESOURCEURI=api://contoso-cm`,
		},
		{
			name:  "D13: a partner root in trustedRoots, and the root of the site's own chain is added after it",
			roots: `["Litware"]`,
			extra: `clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: certificate: firstCert: false
}`,
			want: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMCERTISSUERS="CN=Litware Root CA; O=Litware, Inc. | CN=Contoso Root CA; O=Contoso, Ltd; C=US"`,
		},
		{
			name:    "D14: an issuing CA in trustedRoots is listed as its root, once",
			roots:   `["Issuing", "Litware", "Root"]`,
			replace: []string{`issuer: "Root"`, `issuer: "Issuing"`},
			extra: `pki: authorities: Issuing: {subject: "CN=Contoso Issuing CA, O=Contoso\\, Ltd, C=US", parent: "Root"}
clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: certificate: firstCert: false
}`,
			want: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMCERTISSUERS="CN=Contoso Root CA; O=Contoso, Ltd; C=US | CN=Litware Root CA; O=Litware, Inc."`,
		},
		{
			name: "D16: Group Policy gets the arguments for ConfigMgrInstallation.adm, no program",
			extra: `clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: {method: "gpo", mp: "mp1", fallbackStatusPoint: "fsp1"}
}`,
			want: `/UsePKICert SMSSITECODE=P01 SMSMP=https://mp1.contoso.com CCMHOSTNAME=ibcm.contoso.net FSP=fsp.contoso.net CCMFIRSTCERT=1 CCMCERTISSUERS="CN=Contoso Root CA; O=Contoso, Ltd; C=US"`,
		},
		{
			name: "software update-based installation: the same Group Policy arguments",
			extra: `clients: desktops: {
	join: "domain", forest: "contoso.com", management: "intranetOnly", features: []
	install: {method: "softwareUpdate", certificate: {firstCert: false, issuers: false}}
}`,
			want: `/UsePKICert SMSSITECODE=P01`,
		},
		{
			name: "D16: logon script: /logon after /mp, as in Microsoft's example",
			extra: `clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: {method: "logonScript", downloadMP: "mp1", certificate: {firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.exe /mp:mp1.contoso.com /logon /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net`,
		},
		{
			name: "D15: an intranet-only population gets the fallback status point's intranet FQDN",
			extra: `clients: desktops: {
	join: "domain", forest: "contoso.com", management: "intranetOnly", features: []
	install: {fallbackStatusPoint: "fsp1", certificate: {firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 FSP=fsp1.contoso.com`,
		},
		{
			name:    "D15: a fallback status point for intranet clients only keeps its intranet FQDN (IB519 reports it)",
			replace: []string{`fallbackStatusPoint: allow: "intranetAndInternet"`, `fallbackStatusPoint: allow: "intranet"`},
			extra: `clients: kiosks: {
	join: "workgroup", management: "internetOnly", features: []
	install: {method: "media", from: "internet", source: "D:\\Client", signingCert: "D:\\Client\\site.cer", fallbackStatusPoint: "fsp1", certificate: {firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.exe /source:D:\Client /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMALWAYSINF=1 SMSSIGNCERT=D:\Client\site.cer FSP=fsp1.contoso.com`,
		},
		{
			name: "non-default client request ports",
			extra: `site: ports: {http: 8080, https: 8443}
clients: laptops: {
	join: "domain", forest: "contoso.com", features: []
	install: {mp: "ibcm1", certificate: {firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 SMSMP=https://ibcm1.contoso.com CCMHOSTNAME=ibcm.contoso.net CCMHTTPPORT=8080 CCMHTTPSPORT=8443`,
		},
		{
			name: "intranet-only population: no internet properties",
			extra: `clients: desktops: {
	join: "domain", forest: "contoso.com", management: "intranetOnly", features: []
	install: {method: "push", certificate: issuers: false}
}`,
			want: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMFIRSTCERT=1`,
		},
		{
			name: "cmd.exe metacharacters are quoted, never left bare",
			extra: `clients: lab: {
	join: "workgroup", management: "internetOnly", features: []
	install: {method: "media", from: "internet", source: "\\\\fs01\\R&D|x<y>^z", signingCert: "C:\\100%\\site.cer", certificate: {firstCert: false, issuers: false}}
}`,
			want: `ccmsetup.exe /source:"\\fs01\R&D|x<y>^z" /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMALWAYSINF=1 SMSSIGNCERT=C:\100%\site.cer`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			extra := tc.extra
			if tc.roots != "" {
				extra = "ROOTS=" + tc.roots + "\n" + extra
			}
			for i := 0; i+1 < len(tc.replace); i += 2 {
				extra = "REPLACE=" + tc.replace[i] + "\x00" + tc.replace[i+1] + "\n" + extra
			}
			prof := compileInstall(t, extra)
			if prof.CommandLine != tc.want {
				t.Errorf("command line\n got: %s\nwant: %s\nnotes: %q", prof.CommandLine, tc.want, prof.Notes)
			}
			if len(prof.Refused) != 0 {
				t.Errorf("unexpected refusals: %+v", prof.Refused)
			}
		})
	}
}

// TestInstallOrigins: every parameter and property names the design field it came from, so the .cmd
// comments and the report can say which field to change.
func TestInstallOrigins(t *testing.T) {
	prof := compileInstall(t, `site: communication: checkCRL: false
clients: kiosks: {
	join: "workgroup", auth: "token", management: "internetOnly", via: "cmg", features: []
	install: {from: "internet", mp: "mp1"}
}`)
	var got []string
	for _, x := range append(append([]plan.Param{}, prof.Params...), prof.Properties...) {
		got = append(got, fmt.Sprintf("%s <- %s %v", x.Name, x.Origin, x.Also))
	}
	want := []string{
		"/mp <- cmg.gw.serviceName [systems.mp1.roles.managementPoint.roleID]",
		"/NoCRLCheck <- site.communication.checkCRL []",
		"/regtoken <- clients.kiosks.auth []",
		"SMSSITECODE <- site.code []",
		"SMSMP <- clients.kiosks.install.mp []",
		"CCMHOSTNAME <- cmg.gw.serviceName [systems.mp1.roles.managementPoint.roleID]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("origins\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if prof.TokenEnv != "IBCMC_BULK_TOKEN" {
		t.Errorf("TokenEnv = %q", prof.TokenEnv)
	}
}

// TestInstallRefusesUnsafeValues: a value that would end the quoted argument or the line is left out of
// the command line and recorded for IB515.
func TestInstallRefusesUnsafeValues(t *testing.T) {
	cases := []struct {
		name, extra, wantLine, wantPath string
	}{
		{
			// Line breaks never get this far: the schema refuses them in every free-text field (#Text).
			name: "quote in source",
			extra: `clients: k: {join: "workgroup", management: "internetOnly", features: []
	install: {method: "media", from: "internet", source: "D:\\Client\" & del /q C:\\*", certificate: {firstCert: false, issuers: false}}}`,
			wantLine: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMALWAYSINF=1`,
			wantPath: "clients.k.install.source",
		},
		{
			name: "quote in certificate selection",
			extra: `clients: k: {join: "domain", forest: "contoso.com", features: []
	install: certificate: {select: "SubjectStr:x\" & calc & \"", firstCert: false, issuers: false}}`,
			wantLine: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net`,
			wantPath: "clients.k.install.certificate.select",
		},
		{
			name: "quoted value ending in a backslash",
			extra: `clients: k: {join: "workgroup", management: "internetOnly", features: []
	install: {method: "media", from: "internet", source: "D:\\My Client\\", certificate: {firstCert: false, issuers: false}}}`,
			wantLine: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net CCMALWAYSINF=1`,
			wantPath: "clients.k.install.source",
		},
		{
			name: "pipe inside a trusted root's subject",
			extra: `pki: authorities: Root: subject: "CN=Root \\| CN=Evil, O=X"
clients: k: {join: "domain", forest: "contoso.com", features: [], install: certificate: firstCert: false}`,
			wantLine: `ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMHOSTNAME=ibcm.contoso.net`,
			wantPath: `pki.authorities.Root.subject`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := installBase
			if strings.HasPrefix(tc.extra, "pki:") {
				base = strings.Replace(base, `"Root": {subject: "CN=Contoso Root CA, O=Contoso\\, Ltd, C=US", `, `"Root": {`, 1)
			}
			res := testdesign.CompileOne(t, base+tc.extra)
			if res.Plan == nil || len(res.Plan.Installs) != 1 {
				t.Fatalf("no install profile: %v", res.Diagnostics)
			}
			prof := res.Plan.Installs[0]
			if prof.CommandLine != tc.wantLine {
				t.Errorf("command line\n got: %s\nwant: %s", prof.CommandLine, tc.wantLine)
			}
			if len(prof.Refused) != 1 || prof.Refused[0].Path != tc.wantPath {
				t.Fatalf("refused = %+v, want one at %s", prof.Refused, tc.wantPath)
			}
			if got := testdesign.Find(res.Diagnostics, "IB515"); len(got) != 1 || got[0].Path != tc.wantPath {
				t.Errorf("IB515 diagnostics = %v, want one at %s", got, tc.wantPath)
			}
		})
	}
}

// TestInstallExamples: every Windows population of every example gets a line; contoso's is the one its
// design documents, byte for byte.
func TestInstallExamples(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"contoso-ibcm": {
			"domain-laptops": "ccmsetup.exe /UsePKICert /NoCRLCheck SMSSITECODE=P01 SMSMP=https://IBCM-Intra.contoso.local CCMHOSTNAME=IBCM-Internet.public.com",
		},
		"fabrikam-perimeter": {
			"pos-kiosks": `ccmsetup.exe /source:D:\Client /UsePKICert SMSSITECODE=FAB CCMHOSTNAME=ibcm.fabrikam.com CCMALWAYSINF=1 SMSSIGNCERT=D:\Client\siteserver.cer FSP=fsp.fabrikam.com CCMFIRSTCERT=1 CCMCERTISSUERS="CN=Fabrikam Root CA; O=Fabrikam; C=US"`,
			// Group Policy: the arguments for ConfigMgrInstallation.adm; the roaming laptops report to the
			// fallback status point's internet name.
			"roaming-laptops": `/UsePKICert SMSSITECODE=FAB SMSMP=https://cmmp01.corp.fabrikam.com CCMHOSTNAME=ibcm.fabrikam.com FSP=fsp.fabrikam.com CCMFIRSTCERT=1 CCMCERTSEL=SubjectStr:corp.fabrikam.com CCMCERTISSUERS="CN=Fabrikam Root CA; O=Fabrikam; C=US"`,
		},
		"homelab": {
			"lab-vms": "ccmsetup.exe /UsePKICert /NoCRLCheck SMSSITECODE=LAB SMSMP=https://cm.lab.example.net CCMHOSTNAME=cm.example.org CCMFIRSTCERT=1",
		},
		"woodgrove-cmg": {
			"branch-servers": `ccmsetup.exe /mp:https://cmg.woodgrovebank.com/CCM_Proxy_MutualAuth/72057594037927941 /UsePKICert SMSSITECODE=WGB SMSMP=https://cmmp01.woodgrove.local CCMHOSTNAME=cmg.woodgrovebank.com/CCM_Proxy_MutualAuth/72057594037927941 CCMALWAYSINF=1 CCMFIRSTCERT=1 CCMCERTISSUERS="CN=Woodgrove Root CA; O=Woodgrove Bank; C=US"`,
			"cloud-laptops":  `ccmsetup.msi CCMSETUPCMD="/mp:https://cmg.woodgrovebank.com/CCM_Proxy_MutualAuth/72057594037927941 SMSSITECODE=WGB SMSMP=https://cmmp01.woodgrove.local CCMHOSTNAME=cmg.woodgrovebank.com/CCM_Proxy_MutualAuth/72057594037927941 AADTENANTID=7c2f3a1e-4b5d-4e8f-9a6b-1c2d3e4f5a6b AADCLIENTAPPID=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0 AADRESOURCEURI=api://woodgrove-cm-server"`,
			"lobby-kiosks":   `ccmsetup.exe /mp:https://cmg.woodgrovebank.com/CCM_Proxy_MutualAuth/72057594037927941 /regtoken:%IBCMC_BULK_TOKEN% SMSSITECODE=WGB SMSMP=https://cmmp01.woodgrove.local CCMHOSTNAME=cmg.woodgrovebank.com/CCM_Proxy_MutualAuth/72057594037927941`,
		},
	}
	for example, lines := range want {
		t.Run(example, func(t *testing.T) {
			res := testdesign.Example(t, root, example)
			if res.Plan == nil {
				t.Fatalf("example does not compile: %v", res.Diagnostics)
			}
			if got := len(res.Plan.Installs); got != len(lines) {
				t.Errorf("%d install profiles, want %d", got, len(lines))
			}
			for _, prof := range res.Plan.Installs {
				if prof.CommandLine != lines[prof.Population] {
					t.Errorf("%s\n got: %s\nwant: %s", prof.Population, prof.CommandLine, lines[prof.Population])
				}
				if len(prof.Refused) != 0 {
					t.Errorf("%s: refused %+v", prof.Population, prof.Refused)
				}
			}
		})
	}
}

// TestInstallNotes: what the person installing must know is said once, in words, per population.
func TestInstallNotes(t *testing.T) {
	cases := []struct {
		name, extra string
		want        []string
	}{
		{
			name: "token without SMSMP, through Intune",
			extra: `clients: kiosks: {join: "workgroup", auth: "token", management: "internetOnly", via: "cmg", features: []
	install: {method: "intune", from: "internet", downloadMP: "mp1"}}`,
			want: []string{
				"install.downloadMP is not used: via a cloud management gateway, /mp: is the gateway's URL.",
				"The bulk registration token documentation lists SMSMP with /regtoken: set install.mp to the intranet management point.",
				"CCMALWAYSINF=1 is not written: Microsoft documents it with /UsePKICert for PKI clients, and its bulk registration token installation example has none.",
				"Intune: add ccmsetup.msi as a Windows line-of-business app with the command-line arguments CCMSETUPCMD=\"...\" shown here; Intune accepts at most 1,024 characters (this line has 205).",
				"Intune does not expand %IBCMC_BULK_TOKEN%: the token has to be supplied where the app runs.",
				"Create the bulk registration token on the top-level site server with BulkRegistrationTokenTool.exe /new [/lifetime <minutes>] (default 3 days, at most 7) and set IBCMC_BULK_TOKEN to it before running the line; the token is a credential and ibcmc never writes it.",
			},
		},
		{
			name: "Entra ID through a gateway without a tenant",
			extra: `cmg: gw: tenant: _|_
clients: cloud: {join: "entra", auth: "entra", via: "cmg", features: [], install: {method: "push", certificate: select: "SubjectStr:x"}}`,
			want: []string{
				"install.certificate.select and store are not used: auth \"entra\" does not authenticate with a PKI client certificate.",
				"Gateway gw has no Entra ID tenant, so AADTENANTID, AADCLIENTAPPID and AADRESOURCEURI are left out (IB607).",
				"Client push: enter the properties under Client Push Installation > Installation Properties; push accepts /UsePKICert but not /mp, /source, /NoCRLCheck or /regtoken.",
			},
		},
		{
			name: "Entra ID over IBCM without any tenant",
			extra: `cmg: gw: tenant: _|_
clients: cloud: {join: "entra", auth: "entra", features: [], install: mp: "mp1"}`,
			want: []string{
				"The design records the site's Entra ID onboarding only as a cloud management gateway's tenant, and none has one: AADTENANTID, AADCLIENTAPPID and AADRESOURCEURI are left out (IB521).",
			},
		},
		{
			name:  "Group Policy: what to assign and where the arguments go",
			extra: `clients: laptops: {join: "domain", forest: "contoso.com", features: [], install: {method: "gpo", mp: "mp1"}}`,
			want: []string{
				"Group Policy: assign CCMSetup.msi (<ConfigMgr installation directory>\\bin\\i386 on the site server) to the computers with Group Policy software installation; properties can't be added to it.",
				"ConfigMgrInstallation.adm (TOOLS\\ConfigMgrADMTemplates on the installation media): in a Group Policy object for the same computers, enable Configure Client Deployment Settings and enter the arguments shown here in the CCMSetup box; by default the template accepts at most 255 characters (these have 159).",
			},
		},
		{
			name:  "Group Policy for a token population: the token must not go into a policy",
			extra: `clients: kiosks: {join: "workgroup", auth: "token", via: "cmg", features: [], install: {method: "gpo", mp: "mp1"}}`,
			want: []string{
				"Group Policy: assign CCMSetup.msi (<ConfigMgr installation directory>\\bin\\i386 on the site server) to the computers with Group Policy software installation; properties can't be added to it.",
				"ConfigMgrInstallation.adm (TOOLS\\ConfigMgrADMTemplates on the installation media): in a Group Policy object for the same computers, enable Configure Client Deployment Settings and enter the arguments shown here in the CCMSetup box; by default the template accepts at most 255 characters (these have 208).",
				"Group Policy cannot expand %IBCMC_BULK_TOKEN%, and a token in a Group Policy object is readable by every computer and user that can read the policy: install token clients another way.",
				"Create the bulk registration token on the top-level site server with BulkRegistrationTokenTool.exe /new [/lifetime <minutes>] (default 3 days, at most 7) and set IBCMC_BULK_TOKEN to it before running the line; the token is a credential and ibcmc never writes it.",
			},
		},
		{
			name:  "logon script",
			extra: `clients: laptops: {join: "domain", forest: "contoso.com", features: [], install: {method: "logonScript", certificate: issuers: false}}`,
			want: []string{
				"Logon script: run this file, next to ccmsetup.exe (for example in the NETLOGON share), from the users' logon script; /logon makes it do nothing once any version of the client is installed. ccmsetup needs administrative rights on the computer.",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := installBase
			extra := tc.extra
			if rest, ok := strings.CutPrefix(extra, "cmg: gw: tenant: _|_\n"); ok {
				base = strings.Replace(base, "\ttenant: {id:", "\t_tenant: {id:", 1)
				extra = rest
			}
			res := testdesign.CompileOne(t, base+extra)
			if res.Plan == nil || len(res.Plan.Installs) != 1 {
				t.Fatalf("no install profile: %v", res.Diagnostics)
			}
			if got := res.Plan.Installs[0].Notes; strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("notes\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestInstallCertIssuersFabrikamPartner is the Fabrikam design of audit D13 and D14: the site trusts a
// partner's root, or names its issuing CA in trustedRoots. The issuers list always holds the root of the
// chain the clients' and management points' certificates come from, and never an issuing CA: a client whose
// certificate chains to no listed root selects no certificate at all.
func TestInstallCertIssuersFabrikamPartner(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "fabrikam-perimeter", "site.cue"))
	if err != nil {
		t.Fatal(err)
	}
	partner := `"Partner Root CA": {subject: "CN=Partner Root CA, O=Partner, C=US", crl: {http: ["http://pki.partner.example/root.crl"], internet: true}}
		"Fabrikam Root CA": {`
	cases := []struct{ name, roots, want string }{
		{
			name:  "partner root only",
			roots: `["Partner Root CA"]`,
			want:  `CCMCERTISSUERS="CN=Partner Root CA; O=Partner; C=US | CN=Fabrikam Root CA; O=Fabrikam; C=US"`,
		},
		{
			name:  "issuing CA instead of the root",
			roots: `["Fabrikam Issuing CA 01"]`,
			want:  `CCMCERTISSUERS="CN=Fabrikam Root CA; O=Fabrikam; C=US"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			design := strings.Replace(string(src), `trustedRoots: ["Fabrikam Root CA"]`, "trustedRoots: "+tc.roots, 1)
			design = strings.Replace(design, `"Fabrikam Root CA": {`, partner, 1)
			if design == string(src) || !strings.Contains(design, "Partner Root CA") {
				t.Fatal("the Fabrikam example no longer has the text this test edits")
			}
			res := testdesign.CompileOne(t, design)
			if res.Plan == nil {
				t.Fatalf("does not compile: %v", res.Diagnostics)
			}
			for _, prof := range res.Plan.Installs {
				if !strings.HasSuffix(prof.CommandLine, " "+tc.want) {
					t.Errorf("%s: %s\nwant it to end with %s", prof.Population, prof.CommandLine, tc.want)
				}
				for _, x := range prof.Properties {
					if x.Name == "CCMCERTISSUERS" && !strings.Contains(strings.Join(x.Also, " "), "pki.issuer") && tc.name == "partner root only" {
						t.Errorf("%s: CCMCERTISSUERS does not name pki.issuer among its origins: %v", prof.Population, x.Also)
					}
				}
			}
		})
	}
}
