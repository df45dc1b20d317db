// Package bench generates large, valid designs for benchmarks and for bench/run: N site systems (at most 15
// management points, the rest distribution points), a tenth internet-facing in a perimeter zone and
// published by proxies, and N/10 client populations. The output is deterministic for a given N.
package bench

import (
	"fmt"
	"strings"
)

// MaxManagementPoints is the product's limit per site (rule IB703).
const MaxManagementPoints = 15

// systemsPerProxy is how many internet-facing systems one publishing entry fronts.
const systemsPerProxy = 25

// Design returns a CUE design with n site systems.
func Design(n int) string {
	var b strings.Builder
	b.Grow(n * 420)
	b.WriteString(`package site

site: {
	code:    "BIG"
	server:  "cm01.corp.example.com"
	address: "10.0.0.10"
	forest:  "corp.example.com"
	database: {server: "sql01.corp.example.com", address: "10.0.0.20"}
	communication: {checkCRL: true, trustedRoots: ["Root CA"]}
	clientSettings: userPolicyFromInternet: true
}

forests: "corp.example.com": domainControllers: dc01: {fqdn: "dc01.corp.example.com", address: "10.0.0.5"}

zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/8"]}
	perimeter: {kind: "perimeter", cidrs: ["172.16.0.0/12"]}
}

pki: {
	authorities: {
		"Root CA": {subject: "CN=Example Root CA, O=Example, C=US", kind: "standalone", crl: {ldap: false, http: ["http://pki.example.com/root.crl"], internet: true}}
		"Issuing CA": {subject: "CN=Example Issuing CA, O=Example, C=US", parent: "Root CA", crl: {http: ["http://pki.example.com/issuing.crl"], internet: true}}
	}
	issuer: "Issuing CA"
}

systems: {
`)
	mps := 0
	var internet []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("cm%05d", i)
		facing := i%10 == 0
		role := "distributionPoint"
		if mps < MaxManagementPoints && (i%(max(n/MaxManagementPoints, 1)) == 0) {
			role = "managementPoint"
			mps++
		}
		allow := "intranet"
		zone, addr := "intranet", fmt.Sprintf("10.%d.%d.%d", 1+i/65536, (i/256)%256, i%256)
		internetFQDN := ""
		if facing {
			allow = "intranetAndInternet"
			zone, addr = "perimeter", fmt.Sprintf("172.%d.%d.%d", 16+i/65536, (i/256)%256, i%256)
			internetFQDN = fmt.Sprintf(", internet: %q", name+".example.net")
			internet = append(internet, name)
		}
		roles := fmt.Sprintf("%s: {connections: \"https\", allow: %q}", role, allow)
		if i == 0 {
			// The first system also serves the populations' software updates and content on the internet, so
			// every size is a valid design (IB518).
			roles = fmt.Sprintf("{%s, distributionPoint: allow: %q, softwareUpdatePoint: allow: %q}", roles, allow, allow)
		}
		fmt.Fprintf(&b, "\t%s: {\n\t\tfqdn: {intranet: %q%s}\n\t\taddress: %q\n\t\tzone: %q\n\t\tforest: \"corp.example.com\"\n\t\troles: %s\n\t}\n",
			name, name+".corp.example.com", internetFQDN, addr, zone, roles)
	}
	b.WriteString("}\n\npublishing: {\n")
	for p := 0; p*systemsPerProxy < len(internet); p++ {
		group := internet[p*systemsPerProxy : min((p+1)*systemsPerProxy, len(internet))]
		product := "nginx"
		if p%2 == 1 {
			product = "haproxy"
		}
		fmt.Fprintf(&b, "\tproxy%03d: {product: %q, mode: \"sslTunneling\", zone: \"perimeter\", address: \"172.31.%d.%d\", public: \"203.0.%d.%d\", systems: [%s]}\n",
			p, product, p/250, 1+p%250, 113+p/250, 1+p%250, quoteList(group))
	}
	b.WriteString("}\n\nclients: {\n")
	for c := 0; c < max(n/10, 1); c++ {
		fmt.Fprintf(&b, "\t\"pop%04d\": {count: 100, join: \"domain\", forest: \"corp.example.com\", features: [\"inventory\", \"softwareUpdates\", \"applications\"], install: mp: \"cm00000\"}\n", c)
	}
	b.WriteString("}\n")
	return b.String()
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
