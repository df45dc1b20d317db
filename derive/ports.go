package derive

import (
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// service is a fixed network service of Windows, Active Directory or ConfigMgr: its ports by protocol and
// the Microsoft page that documents them. Ports the design sets (client request ports, the SQL Server port,
// WSUS ports) are read from the design and are not in this table.
type service struct {
	Name   string
	TCP    []plan.PortRange
	UDP    []plan.PortRange
	Source string
}

type serviceKey int

const (
	svcSMB serviceKey = iota
	svcRPCEndpointMapper
	svcRPCDynamic
	svcADEndpointMapper
	svcLDAP
	svcLDAPS
	svcKerberos
	svcGlobalCatalog
	svcDNS
	svcNTP
	svcClientNotification
	svcCMGSingleVM
	svcCMGScaleSet
	svcCMGClassic
	svcAzureManagement
	svcHTTPCDP
	svcMicrosoftUpdate
)

// cmgMaxVMs is how many VMs a CMG has at most: VM #n of a scale set listens on 10123+n, of a classic
// service on 10139+n.
const cmgMaxVMs = 16

// services is the one table of fixed ports ibcmc opens. Every flow's port numbers come from here or from
// the design.
var services = map[serviceKey]service{
	svcSMB:               {Name: "SMB", TCP: ports(445), Source: learn.Ports},
	svcRPCEndpointMapper: {Name: "RPC endpoint mapper", TCP: ports(135), UDP: ports(135), Source: learn.Ports},
	// Windows Server 2008 and later; rpccfg.exe can narrow it on the server.
	svcRPCDynamic:         {Name: "dynamic RPC", TCP: []plan.PortRange{{From: 49152, To: 65535}}, Source: learn.Ports},
	svcADEndpointMapper:   {Name: "RPC endpoint mapper", TCP: ports(135), Source: learn.Ports},
	svcLDAP:               {Name: "LDAP", TCP: ports(389), UDP: ports(389), Source: learn.Ports},
	svcLDAPS:              {Name: "LDAPS", TCP: ports(636), UDP: ports(636), Source: learn.Ports},
	svcKerberos:           {Name: "Kerberos", TCP: ports(88), UDP: ports(88), Source: learn.ADFirewall},
	svcGlobalCatalog:      {Name: "global catalog", TCP: ports(3268), Source: learn.Ports},
	svcDNS:                {Name: "DNS", TCP: ports(53), UDP: ports(53), Source: learn.ADFirewall},
	svcNTP:                {Name: "time (W32Time)", UDP: ports(123), Source: learn.ADFirewall},
	svcClientNotification: {Name: "client notification", TCP: ports(10123), Source: learn.Ports},
	svcCMGSingleVM:        {Name: "CMG channel (one VM)", TCP: ports(443), Source: learn.CMGDataFlow},
	// Sized to the VM count by cmgPorts; this entry is the whole range.
	svcCMGScaleSet:     {Name: "CMG channel (scale set)", TCP: []plan.PortRange{{From: 10124, To: 10123 + cmgMaxVMs}}, Source: learn.CMGDataFlow},
	svcCMGClassic:      {Name: "CMG TCP-TLS channel (classic)", TCP: []plan.PortRange{{From: 10140, To: 10139 + cmgMaxVMs}}, Source: learn.CMGDataFlow},
	svcAzureManagement: {Name: "HTTPS to Azure", TCP: ports(443), Source: learn.InternetEndpoints},
	// The port of an HTTP CDP URL without one.
	svcHTTPCDP:         {Name: "HTTP CRL download", TCP: ports(80), Source: learn.PlanCertificates},
	svcMicrosoftUpdate: {Name: "Microsoft Update", TCP: ports(80, 443), Source: learn.Ports},
}

func ports(ps ...int) []plan.PortRange {
	out := make([]plan.PortRange, len(ps))
	for i, p := range ps {
		out[i] = plan.PortRange{From: p, To: p}
	}
	return out
}

// cmgPorts is what a connection point opens to its gateway (the CMG data-flow article): 443 to a one-VM
// scale set, one port per VM from 10124 to a larger one; to a classic cloud service one TCP-TLS port per VM
// from 10140, and the documented HTTPS fallback (443 for one VM, 10124… for two or more).
func cmgPorts(g *plan.CMG) (serviceKey, []plan.PortRange) {
	vms := min(max(g.VMs, 1), cmgMaxVMs)
	https := services[svcCMGSingleVM].TCP
	if vms > 1 {
		https = []plan.PortRange{{From: 10124, To: 10123 + vms}}
	}
	if g.Deployment == plan.DeploymentClassic {
		return svcCMGClassic, append([]plan.PortRange{{From: 10140, To: 10139 + vms}}, https...)
	}
	if vms > 1 {
		return svcCMGScaleSet, https
	}
	return svcCMGSingleVM, https
}
