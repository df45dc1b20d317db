package compiler

import (
	"slices"

	"github.com/ibcmc/ibcmc/plan"
)

// The raw types mirror schema/design.cue field for field: each field's json tag is its name in the schema.
// TestShape (shape_test.go) holds the schema, these types and the plan to one shape. The unified, validated
// value is decoded into them (decodeInto: CUE applied the schema's defaults), then converted into the
// plan's sorted, indexed form.
type rawDesign struct {
	Site       rawSite                  `json:"site"`
	Forests    map[string]rawForest     `json:"forests"`
	Zones      map[string]rawZone       `json:"zones"`
	PKI        rawPKI                   `json:"pki"`
	Systems    map[string]rawSystem     `json:"systems"`
	Publishing map[string]rawPublishing `json:"publishing"`
	Clients    map[string]rawClients    `json:"clients"`
	CMG        map[string]rawCMG        `json:"cmg"`
	Firewalls  map[string]rawFirewall   `json:"firewalls"`
	Waivers    []rawWaiver              `json:"waivers"`
}

type rawWaiver struct {
	Code    string `json:"code"`
	Path    string `json:"path"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
}

type rawFirewall struct {
	Product    string            `json:"product"`
	Interfaces map[string]string `json:"interfaces"`
	DNAT       bool              `json:"dnat"`
}

type rawSite struct {
	Code        string `json:"code"`
	Type        string `json:"type"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
	Server      string `json:"server"`
	Address     string `json:"address"`
	Zone        string `json:"zone"`
	Forest      string `json:"forest"`
	Database    struct {
		Server  string `json:"server"`
		Address string `json:"address"`
		Zone    string `json:"zone"`
		Port    int    `json:"port"`
	} `json:"database"`
	Communication struct {
		ClientConnections string    `json:"clientConnections"`
		UsePKIClientCert  bool      `json:"usePKIClientCert"`
		CheckCRL          bool      `json:"checkCRL"`
		TrustedRoots      *[]string `json:"trustedRoots"`
	} `json:"communication"`
	Ports struct {
		HTTP  int `json:"http"`
		HTTPS int `json:"https"`
	} `json:"ports"`
	ClientSettings struct {
		UserPolicy             bool `json:"userPolicy"`
		UserPolicyFromInternet bool `json:"userPolicyFromInternet"`
		CloudManagementGateway bool `json:"cloudManagementGateway"`
		CloudDistributionPoint bool `json:"cloudDistributionPoint"`
	} `json:"clientSettings"`
	SoftwareUpdates *struct {
		Source    string `json:"source"`
		SyncPoint string `json:"syncPoint"`
	} `json:"softwareUpdates"`
}

type rawForest struct {
	DNS               string           `json:"dns"`
	Trusts            []string         `json:"trusts"`
	DomainControllers map[string]rawDC `json:"domainControllers"`
}

type rawDC struct {
	FQDN     string `json:"fqdn"`
	Address  string `json:"address"`
	Zone     string `json:"zone"`
	ReadOnly bool   `json:"readOnly"`
}

type rawZone struct {
	Kind  string   `json:"kind"`
	CIDRs []string `json:"cidrs"`
}

type rawPKI struct {
	Authorities map[string]struct {
		Subject string `json:"subject"`
		Parent  string `json:"parent"`
		Kind    string `json:"kind"`
		CRL     struct {
			LDAP     bool     `json:"ldap"`
			HTTP     []string `json:"http"`
			Internet bool     `json:"internet"`
		} `json:"crl"`
	} `json:"authorities"`
	Issuer    string `json:"issuer"`
	Templates struct {
		WebServer         string `json:"webServer"`
		Client            string `json:"client"`
		DistributionPoint string `json:"distributionPoint"`
	} `json:"templates"`
	KeyLength int    `json:"keyLength"`
	Hash      string `json:"hash"`
	Provider  string `json:"provider"`
}

type rawAllow struct {
	Allow string `json:"allow"`
}

type rawSystem struct {
	FQDN struct {
		Intranet string `json:"intranet"`
		Internet string `json:"internet"`
	} `json:"fqdn"`
	Address             string `json:"address"`
	Zone                string `json:"zone"`
	Forest              string `json:"forest"`
	SiteServerInitiates bool   `json:"siteServerInitiates"`
	InstallAccount      string `json:"installAccount"`
	DatabaseAccount     string `json:"databaseAccount"`
	Roles               struct {
		ManagementPoint *struct {
			Connections string `json:"connections"`
			Allow       string `json:"allow"`
			CMGTraffic  bool   `json:"cmgTraffic"`
			RoleID      int64  `json:"roleID"`
		} `json:"managementPoint"`
		DistributionPoint *struct {
			Connections string `json:"connections"`
			Allow       string `json:"allow"`
		} `json:"distributionPoint"`
		SoftwareUpdatePoint *struct {
			Ports struct {
				HTTP  int `json:"http"`
				HTTPS int `json:"https"`
			} `json:"ports"`
			SSL         bool   `json:"ssl"`
			Allow       string `json:"allow"`
			CMGTraffic  bool   `json:"cmgTraffic"`
			WSUSAccount string `json:"wsusAccount"`
		} `json:"softwareUpdatePoint"`
		FallbackStatusPoint          *rawAllow `json:"fallbackStatusPoint"`
		EnrollmentPoint              *struct{} `json:"enrollmentPoint"`
		EnrollmentProxyPoint         *rawAllow `json:"enrollmentProxyPoint"`
		CertificateRegistrationPoint *struct{} `json:"certificateRegistrationPoint"`
		CMGConnectionPoint           *struct{} `json:"cmgConnectionPoint"`
		ServiceConnectionPoint       *struct {
			Mode string `json:"mode"`
		} `json:"serviceConnectionPoint"`
	} `json:"roles"`
}

type rawPublishing struct {
	Product     string   `json:"product"`
	Mode        string   `json:"mode"`
	Zone        string   `json:"zone"`
	Address     string   `json:"address"`
	Public      string   `json:"public"`
	Systems     []string `json:"systems"`
	UpstreamTLS string   `json:"upstreamTLS"`
}

type rawClients struct {
	Count      int      `json:"count"`
	Platform   string   `json:"platform"`
	Join       string   `json:"join"`
	Forest     string   `json:"forest"`
	Management string   `json:"management"`
	Auth       string   `json:"auth"`
	Via        string   `json:"via"`
	CMG        string   `json:"cmg"`
	Features   []string `json:"features"`
	Install    struct {
		Method              string `json:"method"`
		From                string `json:"from"`
		MP                  string `json:"mp"`
		DownloadMP          string `json:"downloadMP"`
		Source              string `json:"source"`
		SigningCert         string `json:"signingCert"`
		FallbackStatusPoint string `json:"fallbackStatusPoint"`
		Certificate         struct {
			Select    string `json:"select"`
			FirstCert bool   `json:"firstCert"`
			Issuers   bool   `json:"issuers"`
			Store     string `json:"store"`
		} `json:"certificate"`
	} `json:"install"`
}

type rawCMG struct {
	ServiceName            string   `json:"serviceName"`
	Deployment             string   `json:"deployment"`
	VMs                    int      `json:"vms"`
	VMSize                 string   `json:"vmSize"`
	ContentEnabled         bool     `json:"contentEnabled"`
	ConnectionPoints       []string `json:"connectionPoints"`
	ManagementPoint        string   `json:"managementPoint"`
	VerifyClientRevocation bool     `json:"verifyClientRevocation"`
	EnforceTLS12           bool     `json:"enforceTLS12"`
	TrustedRoots           []string `json:"trustedRoots"`
	Certificate            struct {
		Authority string `json:"authority"`
	} `json:"certificate"`
	Tenant *struct {
		ID           string `json:"id"`
		ClientApp    string `json:"clientApp"`
		ServerAppURI string `json:"serverAppURI"`
	} `json:"tenant"`
}

// sortedKeys returns a map's keys in byte order: every plan slice is sorted by name.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// toPlan converts the decoded design into the plan's entities (no derivation yet).
func toPlan(r *rawDesign) *plan.Plan {
	p := &plan.Plan{}
	s := r.Site
	p.Site = plan.Site{
		Code: s.Code, Type: plan.SiteType(s.Type), Version: s.Version, Environment: plan.Environment(s.Environment),
		Server: s.Server, Address: s.Address, Zone: s.Zone, Forest: s.Forest,
		Database: plan.Database{Server: s.Database.Server, Address: s.Database.Address, Zone: s.Database.Zone, Port: s.Database.Port},
		Communication: plan.Communication{
			ClientConnections: plan.ClientConnections(s.Communication.ClientConnections),
			UsePKIClientCert:  s.Communication.UsePKIClientCert,
			CheckCRL:          s.Communication.CheckCRL,
		},
		Ports: plan.Ports{HTTP: s.Ports.HTTP, HTTPS: s.Ports.HTTPS},
		Settings: plan.ClientSettings{
			UserPolicy:             s.ClientSettings.UserPolicy,
			UserPolicyFromInternet: s.ClientSettings.UserPolicyFromInternet,
			CloudManagementGateway: s.ClientSettings.CloudManagementGateway,
			CloudDistributionPoint: s.ClientSettings.CloudDistributionPoint,
		},
	}
	p.Site.SoftwareUpdates = plan.SoftwareUpdates{Source: plan.SourceMicrosoftUpdate, Path: plan.Path("site", "softwareUpdates")}
	if su := s.SoftwareUpdates; su != nil {
		if su.Source != "" {
			p.Site.SoftwareUpdates.Source = su.Source
		}
		p.Site.SoftwareUpdates.SyncPoint = su.SyncPoint
	}
	if tr := s.Communication.TrustedRoots; tr != nil {
		p.Site.Communication.TrustedRoots = *tr
		p.Site.Communication.TrustedRootsSet = true
	}

	for _, name := range sortedKeys(r.Forests) {
		f := r.Forests[name]
		path := plan.Path("forests", name)
		p.Forests = append(p.Forests, &plan.Forest{Name: name, Path: path, DNS: f.DNS, Trusts: f.Trusts})
		for _, dcName := range sortedKeys(f.DomainControllers) {
			dc := f.DomainControllers[dcName]
			p.DomainControllers = append(p.DomainControllers, &plan.DomainController{
				Name: dcName, Forest: name, Path: plan.Join(path, "domainControllers", dcName),
				FQDN: dc.FQDN, Address: dc.Address, Zone: dc.Zone, ReadOnly: dc.ReadOnly,
			})
		}
	}

	zones := r.Zones
	if _, ok := zones["internet"]; !ok {
		zones = make(map[string]rawZone, len(r.Zones)+1)
		for k, v := range r.Zones {
			zones[k] = v
		}
		zones["internet"] = rawZone{Kind: string(plan.ZoneInternet), CIDRs: []string{"0.0.0.0/0", "::/0"}}
	}
	for _, name := range sortedKeys(zones) {
		z := zones[name]
		p.Zones = append(p.Zones, &plan.Zone{Name: name, Path: plan.Path("zones", name), Kind: plan.ZoneKind(z.Kind), CIDRs: z.CIDRs})
	}

	k := r.PKI
	p.PKI = plan.PKI{
		Issuer:    k.Issuer,
		Templates: plan.Templates{WebServer: k.Templates.WebServer, Client: k.Templates.Client, DistributionPoint: k.Templates.DistributionPoint},
		KeyLength: k.KeyLength, Hash: plan.Hash(k.Hash), Provider: plan.KeyProvider(k.Provider),
	}
	for _, name := range sortedKeys(k.Authorities) {
		a := k.Authorities[name]
		p.Authorities = append(p.Authorities, &plan.Authority{
			Name: name, Path: plan.Path("pki", "authorities", name), Subject: a.Subject, Parent: a.Parent, Kind: plan.AuthorityKind(a.Kind),
			CRL: plan.CRL{LDAP: a.CRL.LDAP, HTTP: a.CRL.HTTP, Internet: a.CRL.Internet},
		})
	}

	for _, name := range sortedKeys(r.Systems) {
		p.Systems = append(p.Systems, toSystem(name, r.Systems[name]))
	}

	for _, name := range sortedKeys(r.Publishing) {
		x := r.Publishing[name]
		p.Publishing = append(p.Publishing, &plan.Publishing{
			Name: name, Path: plan.Path("publishing", name), Product: plan.PublishingProduct(x.Product), Mode: plan.PublishingMode(x.Mode), Zone: x.Zone,
			Address: x.Address, Public: x.Public, Systems: x.Systems, UpstreamTLS: plan.UpstreamTLS(x.UpstreamTLS),
		})
	}

	for _, name := range sortedKeys(r.Clients) {
		c := r.Clients[name]
		in := c.Install
		p.Clients = append(p.Clients, &plan.Population{
			Name: name, Path: plan.Path("clients", name), Count: c.Count, Platform: plan.Platform(c.Platform), Join: plan.JoinType(c.Join),
			Forest: c.Forest, Management: plan.Management(c.Management), Auth: plan.Auth(c.Auth), Via: plan.Via(c.Via), CMG: c.CMG,
			Features: features(c.Features),
			Install: plan.Install{
				Method: plan.InstallMethod(in.Method), From: plan.InstallFrom(in.From), MP: in.MP, DownloadMP: in.DownloadMP, Source: in.Source,
				SigningCert: in.SigningCert, FallbackStatusPoint: in.FallbackStatusPoint,
				Certificate: plan.CertSelection{
					Select: in.Certificate.Select, FirstCert: in.Certificate.FirstCert,
					Issuers: in.Certificate.Issuers, Store: in.Certificate.Store,
				},
			},
		})
	}

	for _, name := range sortedKeys(r.CMG) {
		g := r.CMG[name]
		cmg := &plan.CMG{
			Name: name, Path: plan.Path("cmg", name), ServiceName: g.ServiceName, Deployment: plan.CMGDeployment(g.Deployment),
			VMs: g.VMs, VMSize: plan.VMSize(g.VMSize), ContentEnabled: g.ContentEnabled, ConnectionPoints: g.ConnectionPoints,
			ManagementPoint: g.ManagementPoint, VerifyClientRevocation: g.VerifyClientRevocation,
			EnforceTLS12: g.EnforceTLS12, TrustedRoots: g.TrustedRoots, CertificateAuthority: g.Certificate.Authority,
		}
		if g.Tenant != nil {
			cmg.Tenant = &plan.Tenant{ID: g.Tenant.ID, ClientApp: g.Tenant.ClientApp, ServerAppURI: g.Tenant.ServerAppURI}
		}
		p.CMGs = append(p.CMGs, cmg)
	}
	for _, name := range sortedKeys(r.Firewalls) {
		f := r.Firewalls[name]
		fw := &plan.Firewall{Name: name, Path: plan.Path("firewalls", name), Product: plan.FirewallProduct(f.Product), DNAT: f.DNAT, Declared: true}
		for _, zone := range sortedKeys(f.Interfaces) {
			fw.Interfaces = append(fw.Interfaces, plan.Interface{Zone: zone, Name: f.Interfaces[zone]})
			fw.Zones = append(fw.Zones, zone)
		}
		p.Firewalls = append(p.Firewalls, fw)
	}
	for i, w := range r.Waivers {
		p.Waivers = append(p.Waivers, &plan.Waiver{
			Path: plan.Index("waivers", i), Code: w.Code, FindingPath: w.Path, Reason: w.Reason, Expires: w.Expires,
		})
	}
	p.Reindex()
	return p
}

func toSystem(name string, x rawSystem) *plan.System {
	path := plan.Path("systems", name)
	rolePath := func(kind string) string { return plan.Join(path, "roles", kind) }
	role := func(kind, allow string) plan.Role {
		return plan.Role{Kind: kind, Path: rolePath(kind), Allow: plan.Allow(allow)}
	}
	s := &plan.System{
		Name: name, Path: path, IntranetFQDN: x.FQDN.Intranet, InternetFQDN: x.FQDN.Internet,
		Address: x.Address, Zone: x.Zone, Forest: x.Forest, SiteServerInitiates: x.SiteServerInitiates,
		InstallAccount: x.InstallAccount, DatabaseAccount: x.DatabaseAccount,
	}
	r := x.Roles
	if mp := r.ManagementPoint; mp != nil {
		s.Roles.ManagementPoint = &plan.ManagementPoint{
			Role: role(plan.RoleManagementPoint, mp.Allow), Connections: plan.Connections(mp.Connections), CMGTraffic: mp.CMGTraffic, RoleID: mp.RoleID,
		}
	}
	if dp := r.DistributionPoint; dp != nil {
		s.Roles.DistributionPoint = &plan.DistributionPoint{Role: role(plan.RoleDistributionPoint, dp.Allow), Connections: plan.Connections(dp.Connections)}
	}
	if sup := r.SoftwareUpdatePoint; sup != nil {
		s.Roles.SoftwareUpdatePoint = &plan.SoftwareUpdatePoint{
			Role:     role(plan.RoleSoftwareUpdatePoint, sup.Allow),
			HTTPPort: sup.Ports.HTTP, HTTPSPort: sup.Ports.HTTPS, SSL: sup.SSL, CMGTraffic: sup.CMGTraffic,
			WSUSAccount: sup.WSUSAccount,
		}
	}
	if fsp := r.FallbackStatusPoint; fsp != nil {
		s.Roles.FallbackStatusPoint = &plan.FallbackStatusPoint{Role: role(plan.RoleFallbackStatusPoint, fsp.Allow)}
	}
	if r.EnrollmentPoint != nil {
		x := role(plan.RoleEnrollmentPoint, "")
		s.Roles.EnrollmentPoint = &x
	}
	if epp := r.EnrollmentProxyPoint; epp != nil {
		x := role(plan.RoleEnrollmentProxyPoint, epp.Allow)
		s.Roles.EnrollmentProxyPoint = &x
	}
	if r.CertificateRegistrationPoint != nil {
		x := role(plan.RoleCertificateRegistrationPoint, "")
		s.Roles.CertificateRegistrationPoint = &x
	}
	if r.CMGConnectionPoint != nil {
		x := role(plan.RoleCMGConnectionPoint, "")
		s.Roles.CMGConnectionPoint = &x
	}
	if scp := r.ServiceConnectionPoint; scp != nil {
		s.Roles.ServiceConnectionPoint = &plan.ServiceConnectionPoint{Role: role(plan.RoleServiceConnectionPoint, ""), Mode: plan.SCPMode(scp.Mode)}
	}
	return s
}

// features converts the decoded feature names; #Design admits only #Feature values.
func features(names []string) []plan.Feature {
	if names == nil {
		return nil
	}
	out := make([]plan.Feature, len(names))
	for i, n := range names {
		out[i] = plan.Feature(n)
	}
	return out
}
