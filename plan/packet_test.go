package plan_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ibcmc/ibcmc/plan"
)

// smallPlan is a perimeter site in miniature: a proxy publishes mp1 to the internet, mp1 reaches the
// site database in the intranet, and part of the intranet (its clients) reaches mp1.
func smallPlan() *plan.Plan {
	p := &plan.Plan{
		Zones: []*plan.Zone{
			{Name: "internet", Kind: "internet", CIDRs: []string{"0.0.0.0/0", "::/0"}},
			{Name: "intranet", Kind: "intranet", CIDRs: []string{"10.0.0.0/16", "10.1.0.0/16"}},
			{Name: "perimeter", Kind: "perimeter", CIDRs: []string{"172.16.0.0/24"}},
		},
		Systems: []*plan.System{
			{Name: "mp1", Zone: "perimeter", Address: "172.16.0.10", IntranetFQDN: "mp1.corp.example", InternetFQDN: "ibcm.example.com"},
		},
		Publishing: []*plan.Publishing{
			{Name: "edge", Zone: "perimeter", Address: "172.16.0.2", Public: "203.0.113.10", Systems: []string{"mp1"}},
		},
		Flows: []*plan.Flow{
			{ID: "any-to-edge-tcp-443", FromZone: "internet", From: "any", FromAddresses: []string{"0.0.0.0/0", "::/0"},
				ToZone: "perimeter", To: "edge", ToAddresses: []string{"172.16.0.2"}, ToPublic: []string{"203.0.113.10"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 443, To: 443}}},
			{ID: "edge-to-mp1-tcp-443", FromZone: "perimeter", From: "edge", FromAddresses: []string{"172.16.0.2"},
				ToZone: "perimeter", To: "mp1", ToAddresses: []string{"172.16.0.10"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 443, To: 443}}},
			{ID: "clients-to-mp1-tcp-80_443", FromZone: "intranet", From: "intranet-clients", FromAddresses: []string{"10.0.0.0/16"},
				ToZone: "perimeter", To: "mp1", ToAddresses: []string{"172.16.0.10"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 80, To: 80}, {From: 443, To: 443}}},
			{ID: "cm01-to-mp1-tcp-135_445_49152-65535", FromZone: "intranet", From: "cm01.corp.example", FromAddresses: []string{"10.0.0.10"},
				ToZone: "perimeter", To: "mp1", ToAddresses: []string{"172.16.0.10"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 135, To: 135}, {From: 445, To: 445}, {From: 49152, To: 65535}}},
			{ID: "mp1-to-sql.corp.example-tcp-1433", FromZone: "perimeter", From: "mp1", FromAddresses: []string{"172.16.0.10"},
				ToZone: "intranet", To: "sql.corp.example", ToAddresses: []string{"10.0.0.5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 1433, To: 1433}}},
			{ID: "mp1-to-dc1.corp.example-udp-53_88", FromZone: "perimeter", From: "mp1", FromAddresses: []string{"172.16.0.10"},
				ToZone: "intranet", To: "dc1.corp.example", ToAddresses: []string{"10.0.0.4"},
				Protocol: "udp", Ports: []plan.PortRange{{From: 53, To: 53}, {From: 88, To: 88}}},
			{ID: "mp1-to-dc1.corp.example-tcp-53_88", FromZone: "perimeter", From: "mp1", FromAddresses: []string{"172.16.0.10"},
				ToZone: "intranet", To: "dc1.corp.example", ToAddresses: []string{"10.0.0.4"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 53, To: 53}, {From: 88, To: 88}}},
		},
	}
	p.Reindex()
	return p
}

func TestAllowed(t *testing.T) {
	p := smallPlan()
	both := []string{"tcp", "udp"}
	for _, c := range []struct {
		name     string
		from, to string
		port     int
		protos   []string
		want     []string // flow ID and coverage of each allowance, in plan order
	}{
		{"a zone wholly covered", "internet", "edge", 443, both, []string{"any-to-edge-tcp-443 whole"}},
		{"an internet address to the public address", "198.51.100.7", "203.0.113.10", 443, both, []string{"any-to-edge-tcp-443 whole"}},
		{"an internet address to the proxy's inside address", "198.51.100.7", "172.16.0.2", 443, both, []string{"any-to-edge-tcp-443 whole"}},
		{"another port of the proxy", "internet", "edge", 80, both, nil},
		{"the internet never reaches the published system itself", "internet", "mp1", 443, both, nil},
		{"the proxy forwards to the system", "edge", "mp1", 443, both, []string{"edge-to-mp1-tcp-443 whole"}},
		{"a zone only partly covered", "intranet", "mp1", 443, both, []string{"clients-to-mp1-tcp-80_443 part"}},
		{"a client address inside the covered part", "10.0.7.7", "mp1", 80, []string{"tcp"}, []string{"clients-to-mp1-tcp-80_443 whole"}},
		{"a client address outside the covered part", "10.1.7.7", "mp1", 80, []string{"tcp"}, nil},
		{"an address of another zone", "172.16.0.99", "mp1", 80, both, nil},
		{"a zone as FROM allows each flow from it", "intranet", "perimeter", 445, both, []string{"cm01-to-mp1-tcp-135_445_49152-65535 part"}},
		{"a flow end by name", "cm01.corp.example", "mp1", 445, both, []string{"cm01-to-mp1-tcp-135_445_49152-65535 whole"}},
		{"a flow end named in another case", "CM01.corp.example", "mp1", 135, both, []string{"cm01-to-mp1-tcp-135_445_49152-65535 whole"}},
		{"the first port of a range", "cm01.corp.example", "mp1", 49152, both, []string{"cm01-to-mp1-tcp-135_445_49152-65535 whole"}},
		{"the last port of a range", "cm01.corp.example", "mp1", 65535, both, []string{"cm01-to-mp1-tcp-135_445_49152-65535 whole"}},
		{"below a range", "cm01.corp.example", "mp1", 49151, both, nil},
		{"a system by its intranet FQDN", "mp1.corp.example", "sql.corp.example", 1433, both, []string{"mp1-to-sql.corp.example-tcp-1433 whole"}},
		{"a system by its internet FQDN", "edge", "ibcm.example.com", 443, both, []string{"edge-to-mp1-tcp-443 whole"}},
		{"the return direction is not a flow", "sql.corp.example", "mp1", 1433, both, nil},
		{"by address to a destination of its zone", "172.16.0.10", "10.0.0.5", 1433, []string{"tcp"}, []string{"mp1-to-sql.corp.example-tcp-1433 whole"}},
		{"udp only", "mp1", "dc1.corp.example", 88, []string{"udp"}, []string{"mp1-to-dc1.corp.example-udp-53_88 whole"}},
		{"tcp only", "mp1", "dc1.corp.example", 88, []string{"tcp"}, []string{"mp1-to-dc1.corp.example-tcp-53_88 whole"}},
		{"either protocol, in plan order", "mp1", "dc1.corp.example", 53, both, []string{"mp1-to-dc1.corp.example-udp-53_88 whole", "mp1-to-dc1.corp.example-tcp-53_88 whole"}},
		{"to a zone", "mp1", "intranet", 53, []string{"udp"}, []string{"mp1-to-dc1.corp.example-udp-53_88 whole"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			from, err := p.ResolveEnd(c.from)
			if err != nil {
				t.Fatal(err)
			}
			to, err := p.ResolveEnd(c.to)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range p.Allowed(plan.Packet{From: from, To: to, Port: c.port, Protocols: c.protos}) {
				cov := map[plan.Coverage]string{plan.Whole: "whole", plan.Part: "part"}[a.Coverage]
				got = append(got, a.Flow.ID+" "+cov)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("%s to %s on %d %v (-want +got):\n%s", c.from, c.to, c.port, c.protos, diff)
			}
		})
	}
}

// A word that names nothing of the design is refused, so a typo is never answered "denied".
func TestResolveEnd(t *testing.T) {
	p := smallPlan()
	for _, c := range []struct {
		in   string
		want plan.End
	}{
		{"10.1.2.3", plan.End{Spelled: "10.1.2.3", Zone: "intranet"}},
		{"::ffff:10.1.2.3", plan.End{Spelled: "::ffff:10.1.2.3", Zone: "intranet"}},
		{"192.0.2.1", plan.End{Spelled: "192.0.2.1", Zone: "internet"}},
		{"perimeter", plan.End{Spelled: "perimeter", Zone: "perimeter", IsZone: true}},
	} {
		got, err := p.ResolveEnd(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got.Spelled != c.want.Spelled || got.Zone != c.want.Zone || got.IsZone != c.want.IsZone || got.IP.IsValid() != (c.want.Zone != "" && !c.want.IsZone) {
			t.Errorf("%s: got %+v, want %+v", c.in, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"mpl":        `"mpl" is not a zone, system, publishing entry, flow end or IP address of the design`,
		"intranet ":  `"intranet " is not a zone, system, publishing entry, flow end or IP address of the design`,
		"10.0.0.256": `"10.0.0.256" is not a zone, system, publishing entry, flow end or IP address of the design`,
	} {
		if _, err := p.ResolveEnd(in); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %s", in, err, want)
		}
	}
}
