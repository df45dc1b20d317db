package compiler

import "github.com/ibcmc/ibcmc/plan"

// service is a fixed network service of Windows, Active Directory or ConfigMgr: its ports by protocol and
// where the numbers come from. Ports the design sets (client request ports, the SQL Server port, WSUS
// ports) are read from the design and are not in this table.
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
	svcKerberos
	svcGlobalCatalog
	svcDNS
	svcCMGSingleVM
	svcCMGScaleSet
	svcCMGClassic
	svcAzureManagement
	svcHTTPCDP
)

// Sources of the port numbers, as tagged in shared/reference/configmgr-facts.md §8.
const (
	srcPorts    = "configmgr-facts.md §1.4, Microsoft Learn: Ports used in Configuration Manager [PORTS]"
	srcDynRPC   = "configmgr-facts.md §1.1: Windows Server 2008+ dynamic RPC range [PORTS][KB179442]"
	srcAD       = "configmgr-facts.md §1.6: site systems to domain controllers [PORTS][KB179442]"
	srcCMGFlow  = "configmgr-facts.md §1.3: CMG connection point to CMG [CMG-FLOW][PORTS]"
	srcEndpoint = "configmgr-facts.md §1.3: service connection point to Azure [ENDPOINTS]"
	srcCDP      = "configmgr-facts.md §1.7: HTTP CRL distribution point [AMELTZER][WRITINGTEAM]"
)

// cmgScaleSetMaxVMs is how many VMs the 10124-10139 range serves: VM #n listens on 10123+n.
const cmgScaleSetMaxVMs = 16

// services is the one table of fixed ports ibcmc opens. Every flow's port numbers come from here or from
// the design.
var services = map[serviceKey]service{
	svcSMB:               {Name: "SMB", TCP: ports(445), Source: srcPorts},
	svcRPCEndpointMapper: {Name: "RPC endpoint mapper", TCP: ports(135), UDP: ports(135), Source: srcPorts},
	svcRPCDynamic:        {Name: "dynamic RPC", TCP: []plan.PortRange{{From: 49152, To: 65535}}, Source: srcDynRPC},
	svcADEndpointMapper:  {Name: "RPC endpoint mapper", TCP: ports(135), Source: srcAD},
	svcLDAP:              {Name: "LDAP", TCP: ports(389), UDP: ports(389), Source: srcAD},
	svcKerberos:          {Name: "Kerberos", TCP: ports(88), UDP: ports(88), Source: srcAD},
	svcGlobalCatalog:     {Name: "global catalog", TCP: ports(3268), Source: srcAD},
	svcDNS:               {Name: "DNS", TCP: ports(53), UDP: ports(53), Source: srcAD},
	svcCMGSingleVM:       {Name: "CMG channel (one VM)", TCP: ports(443), Source: srcCMGFlow},
	// Sized to the VM count by cmgPorts; this entry is the whole range.
	svcCMGScaleSet:     {Name: "CMG channel (scale set)", TCP: []plan.PortRange{{From: 10124, To: 10124 + cmgScaleSetMaxVMs - 1}}, Source: srcCMGFlow},
	svcCMGClassic:      {Name: "CMG TCP-TLS channel (classic)", TCP: []plan.PortRange{{From: 10140, To: 10155}}, Source: srcCMGFlow},
	svcAzureManagement: {Name: "HTTPS to Azure", TCP: ports(443), Source: srcEndpoint},
	// The port of an HTTP CDP URL without one.
	svcHTTPCDP: {Name: "HTTP CRL download", TCP: ports(80), Source: srcCDP},
}

func ports(ps ...int) []plan.PortRange {
	out := make([]plan.PortRange, len(ps))
	for i, p := range ps {
		out[i] = plan.PortRange{From: p, To: p}
	}
	return out
}

// cmgPorts is what a connection point opens to its gateway: 443 to a one-VM scale set, one port per VM from
// 10124 to a larger one, and the TCP-TLS range to a classic cloud service.
func cmgPorts(g *plan.CMG) (serviceKey, []plan.PortRange) {
	switch {
	case g.Deployment == "classic":
		return svcCMGClassic, services[svcCMGClassic].TCP
	case g.VMs <= 1:
		return svcCMGSingleVM, services[svcCMGSingleVM].TCP
	default:
		r := services[svcCMGScaleSet].TCP[0]
		return svcCMGScaleSet, []plan.PortRange{{From: r.From, To: min(r.From+g.VMs-1, r.To)}}
	}
}
