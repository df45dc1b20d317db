package main

import (
	"strings"
	"testing"
)

func TestQuery(t *testing.T) {
	const fabrikam = "examples/fabrikam-perimeter"
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"internet to the proxy's published HTTPS", []string{"internet", "edge", "443/tcp", fabrikam}, 0,
			"allowed by any-to-edge-tcp-443 for the whole zone internet: internet clients to HTTPS ibcm.fabrikam.com (distributionPoint, managementPoint) published by edge (required by cmibcm01 distributionPoint, cmibcm01 managementPoint)\n"},
		{"by public address", []string{"198.51.100.99", "203.0.113.10", "8531", fabrikam}, 0,
			"allowed by any-to-edge-tcp-8531: internet clients to HTTPS ibcm.fabrikam.com (softwareUpdatePoint) published by edge (required by cmibcm01 softwareUpdatePoint)\n"},
		{"by inside address", []string{"198.51.100.99", "172.16.50.10", "8531/tcp", fabrikam}, 0,
			"allowed by any-to-edge-tcp-8531: internet clients to HTTPS ibcm.fabrikam.com (softwareUpdatePoint) published by edge (required by cmibcm01 softwareUpdatePoint)\n"},
		{"a published SUP's HTTP port", []string{"internet", "203.0.113.10", "8530/tcp", fabrikam}, 0,
			"allowed by any-to-edge-tcp-8530 for the whole zone internet: internet clients to HTTP ibcm.fabrikam.com (softwareUpdatePoint) published by edge (required by cmibcm01 softwareUpdatePoint)\n"},
		{"an intranet address is not an internet client", []string{"10.20.0.50", "203.0.113.10", "443/tcp", fabrikam}, 1,
			"denied: no flow from 10.20.0.50 to 203.0.113.10 on 443/tcp (10.20.0.50 is in zone intranet)\n"},
		{"a perimeter address is not an internet client of the CDP", []string{"172.16.50.99", "pki.fabrikam.com", "80/tcp", fabrikam}, 1,
			"denied: no flow from 172.16.50.99 to pki.fabrikam.com on 80/tcp (172.16.50.99 is in zone perimeter)\n"},
		{"a perimeter IIS site system reaches its HTTP CDP", []string{"172.16.50.21", "pki.fabrikam.com", "80/tcp", fabrikam}, 0,
			"allowed by cmibcm01-to-pki.fabrikam.com-tcp-80: IIS checks revocation of client certificates from the HTTP CRL distribution point (required by authority Fabrikam Issuing CA 01, authority Fabrikam Root CA, cmibcm01 distributionPoint, cmibcm01 managementPoint, cmibcm01 softwareUpdatePoint)\n"},
		{"intranet client to an intranet FSP in the perimeter", []string{"10.20.7.7", "cmfsp01", "80/tcp", fabrikam}, 0,
			"allowed by intranet-clients-to-cmfsp01-tcp-80: intranet clients to fallback status point cmfsp01 (HTTP) (required by cmfsp01 fallbackStatusPoint, population roaming-laptops)\n"},
		{"a zone as FROM, allowed for part of it", []string{"intranet", "cmmp01", "445/tcp", fabrikam}, 0,
			"allowed by cm01.corp.fabrikam.com-to-cmmp01-tcp-135_445_49152-65535 for part of zone intranet (cm01.corp.fabrikam.com: 10.20.0.10): site server installs and configures site system roles (SMB 445, RPC endpoint mapper 135, dynamic RPC 49152-65535) (required by cmmp01 distributionPoint, cmmp01 managementPoint)\n"},
		{"site server to a same-zone site system", []string{"cm01.corp.fabrikam.com", "cmmp01", "135/tcp", fabrikam}, 0,
			"allowed by cm01.corp.fabrikam.com-to-cmmp01-tcp-135_445_49152-65535: site server installs and configures site system roles (SMB 445, RPC endpoint mapper 135, dynamic RPC 49152-65535) (required by cmmp01 distributionPoint, cmmp01 managementPoint)\n"},
		{"intranet MP to the site database", []string{"cmmp01", "sql01.corp.fabrikam.com", "1433/tcp", fabrikam}, 0,
			"allowed by cmmp01-to-sql01.corp.fabrikam.com-tcp-1433: management point to the site database (SQL Server) (required by cmmp01 managementPoint)\n"},
		{"a perimeter domain member to its DC", []string{"cmfsp01", "rodc01.dmz.fabrikam.com", "88/tcp", fabrikam}, 0,
			"allowed by cmfsp01-to-rodc01.dmz.fabrikam.com-tcp-53_88_135_389_445_49152-65535: domain member of dmz.fabrikam.com to its domain controller (logon, Group Policy, name resolution, time) (Kerberos 88, LDAP 389, SMB 445, RPC endpoint mapper 135, dynamic RPC 49152-65535, DNS 53) (required by domain membership in dmz.fabrikam.com)\n"},
		{"intranet client to contoso's perimeter MP", []string{"10.10.5.20", "ibcm01", "443/tcp", "examples/contoso-ibcm"}, 0,
			"allowed by intranet-clients-to-ibcm01-tcp-443: intranet clients to management point ibcm01 (HTTPS); intranet clients to distribution point ibcm01 (HTTPS) (required by ibcm01 distributionPoint, ibcm01 managementPoint, population domain-laptops)\n"},
		{"internet never reaches SMB", []string{"internet", "edge", "445", fabrikam}, 1,
			"denied: no flow from internet to edge on 445/tcp or 445/udp\n"},
		{"internet never reaches the published system itself", []string{"internet", "cmibcm01", "443/tcp", fabrikam}, 1,
			"denied: no flow from internet to cmibcm01 on 443/tcp\n"},
		{"internet never reaches SQL", []string{"internet", "intranet", "1433/tcp", fabrikam}, 1,
			"denied: no flow from internet to intranet on 1433/tcp\n"},
		{"perimeter MP to SQL", []string{"cmibcm01", "sql01.corp.fabrikam.com", "1433/tcp", fabrikam}, 0,
			"allowed by cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433: management point to the site database (SQL Server) (required by cmibcm01 managementPoint)\n"},
		{"zone to zone", []string{"perimeter", "intranet", "1433", fabrikam}, 0,
			"allowed by cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433 for part of zone perimeter (cmibcm01: 172.16.50.21): management point to the site database (SQL Server) (required by cmibcm01 managementPoint)\n"},
		{"Kerberos over UDP from the MP's address", []string{"172.16.50.21", "10.20.0.5", "88/udp", fabrikam}, 0,
			"allowed by cmibcm01-to-dc01.corp.fabrikam.com-udp-53_88_389_636: internet-facing management point authenticates users of forest corp.fabrikam.com for user policy (LDAP 389, LDAPS 636, Kerberos 88, DNS 53) (required by cmibcm01 managementPoint, population roaming-laptops userPolicy)\n"},
		{"return direction is not a flow", []string{"sql01.corp.fabrikam.com", "cmibcm01", "1433/tcp", fabrikam}, 1,
			"denied: no flow from sql01.corp.fabrikam.com to cmibcm01 on 1433/tcp\n"},
		{"a system by its internet FQDN", []string{"edge", "ibcm.fabrikam.com", "8531/tcp", fabrikam}, 0,
			"allowed by edge-to-cmibcm01-tcp-8531: edge forwards ibcm.fabrikam.com (softwareUpdatePoint) to cmibcm01 over a new HTTPS connection (required by cmibcm01 softwareUpdatePoint, publishing edge)\n"},
		{"connection point to a two-VM CMG", []string{"cmcp02", "wgb-cmg", "10125/tcp", "examples/woodgrove-cmg"}, 0,
			"allowed by cmcp02-to-wgb-cmg-tcp-10124-10125: CMG connection point opens the CMG channel (scale set) to cmg.woodgrovebank.com (vmss, 2 VMs) (required by cmg wgb-cmg)\n"},
		{"no third VM port", []string{"cmcp02", "wgb-cmg", "10126/tcp", "examples/woodgrove-cmg"}, 1,
			"denied: no flow from cmcp02 to wgb-cmg on 10126/tcp\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"query"}, c.args...)...)
			if code != c.code || stdout != c.stdout {
				t.Errorf("query %v: exit %d, stdout:\n%s\nwant exit %d, stdout:\n%s\nstderr: %s", c.args, code, stdout, c.code, c.stdout, stderr)
			}
		})
	}
}

// The internet never reaches SMB, RPC, SQL Server or RDP on any machine of any example, by name or address.
func TestQueryInternetNeverReachesAdministrativePorts(t *testing.T) {
	machines := map[string][]string{
		"examples/contoso-ibcm":       {"ibcm01", "192.0.2.10", "cm01.contoso.local"},
		"examples/fabrikam-perimeter": {"cmibcm01", "cmfsp01", "cmmp01", "edge", "203.0.113.10", "172.16.50.10", "sql01.corp.fabrikam.com", "cm01.corp.fabrikam.com", "dc01.corp.fabrikam.com", "rodc01.dmz.fabrikam.com"},
		"examples/woodgrove-cmg":      {"cmmp01", "cmcp01", "cmcp02", "sql01.woodgrove.local", "cm01.woodgrove.local"},
		"examples/homelab":            {"cm", "router", "198.51.100.7", "192.168.50.10"},
	}
	for design, names := range machines {
		for _, m := range names {
			for _, port := range []string{"445", "135", "1433", "3389"} {
				code, stdout, stderr := run(t, "query", "internet", m, port, design)
				if code != 1 || !strings.HasPrefix(stdout, "denied: ") {
					t.Errorf("%s: internet to %s on %s: exit %d, %s%s", design, m, port, code, stdout, stderr)
				}
			}
		}
	}
}

func TestQueryBothProtocolsWhenNoneGiven(t *testing.T) {
	code, stdout, _ := run(t, "query", "cmibcm01", "dc01.corp.fabrikam.com", "53", "examples/fabrikam-perimeter")
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if code != 0 || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "allowed by cmibcm01-to-dc01.corp.fabrikam.com-tcp-53_88_135_389_636_3268_49152-65535: ") ||
		!strings.HasPrefix(lines[1], "allowed by cmibcm01-to-dc01.corp.fabrikam.com-udp-53_88_389_636: ") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
}

func TestQueryUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"nosuch", "edge", "443"}, `ibcmc: FROM: "nosuch" is not a zone, system, publishing entry, flow end or IP address of the design` + "\n"},
		{[]string{"internet", "edeg", "443"}, `ibcmc: TO: "edeg" is not a zone, system, publishing entry, flow end or IP address of the design` + "\n"},
		{[]string{"internet", "edge", "0"}, `ibcmc: port "0": want a number from 1 to 65535, optionally with /tcp or /udp` + "\n"},
		{[]string{"internet", "edge", "443/icmp"}, `ibcmc: protocol "icmp": want tcp or udp` + "\n"},
	} {
		code, stdout, stderr := run(t, append(append([]string{"query"}, c.args...), "examples/fabrikam-perimeter")...)
		if code != 2 || stdout != "" || stderr != c.stderr {
			t.Errorf("query %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.stderr)
		}
	}
	if code, _, _ := run(t, "query", "internet", "edge"); code != 2 {
		t.Errorf("missing arguments: exit %d, want 2", code)
	}
}

func TestQueryRefusesADesignWithErrors(t *testing.T) {
	code, stdout, stderr := run(t, "query", "internet", "ibcm01", "443", typoDesign(t))
	if code != 1 || stdout != "" || !strings.Contains(stderr, "IB000") ||
		!strings.HasSuffix(stderr, "ibcmc: the design has errors; its flows are not final (ibcmc vet lists the errors)\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
