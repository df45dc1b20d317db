package report

import (
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// featureDesign is a small site whose only software update point and distribution point serve the
// intranet, with one population per kind of internet client and one CMG; the tests change one role or
// setting at a time.
const featureDesign = `package site

site: {code: "P01", server: "cm01.contoso.com", address: "10.0.0.10", forest: "contoso.com", clientSettings: {cloudDistributionPoint: CDP}}
forests: "contoso.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root", crl: {http: ["http://crl.contoso.com/root.crl"], internet: true}}, issuer: "Root"}
systems: {
	mp1: {
		fqdn: {intranet: "mp1.contoso.com", internet: "mp1.contoso.net"}, address: "10.0.0.11", forest: "contoso.com"
		roles: {
			managementPoint: {allow: "intranetAndInternet", cmgTraffic: true, roleID: 72057594037927941}
			softwareUpdatePoint: {allow: SUPALLOW, cmgTraffic: SUPCMG}
			distributionPoint: {allow: DPALLOW}
		}
	}
	cp1: {fqdn: intranet: "cp1.contoso.com", address: "10.0.0.12", forest: "contoso.com", roles: {cmgConnectionPoint: {}, serviceConnectionPoint: {}}}
}
publishing: {}
cmg: gw: {
	serviceName: "gw.contoso.net", connectionPoints: ["cp1"], managementPoint: "mp1", contentEnabled: CONTENT
	trustedRoots: ["Root"], certificate: authority: "Root"
	tenant: {id: "t", clientApp: "c", serverAppURI: "api://s"}
}
clients: {
	kiosks: {join: "workgroup", management: "internetOnly", features: ["inventory", "softwareUpdates", "applications"], install: {method: "media", from: "internet", source: "D:\\C", signingCert: "D:\\C\\s.cer"}}
	laptops: {join: "domain", forest: "contoso.com", management: "intranetAndInternet", features: ["softwareUpdates", "applications"]}
	desktops: {join: "domain", forest: "contoso.com", management: "intranetOnly", features: ["softwareUpdates", "applications"]}
	roamers: {join: "domain", forest: "contoso.com", via: "cmg", auth: "pki", features: ["softwareUpdates", "applications", "taskSequences"], install: mp: "mp1"}
}
`

// featurePlan compiles featureDesign with its placeholders set: the defaults, overridden by vars (pairs of
// placeholder and CUE value).
func featurePlan(t *testing.T, vars ...string) *plan.Plan {
	t.Helper()
	values := map[string]string{"CDP": "true", "SUPALLOW": `"intranet"`, "SUPCMG": "false", "DPALLOW": `"intranet"`, "CONTENT": "true"}
	for i := 0; i+1 < len(vars); i += 2 {
		values[vars[i]] = vars[i+1]
	}
	var pairs []string
	for k, v := range values {
		pairs = append(pairs, k, v)
	}
	res := testdesign.CompileOne(t, strings.NewReplacer(pairs...).Replace(featureDesign))
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	return res.Plan
}

// TestFeatureCellsFromRoles: the cell names the role the design lacks, from the plan alone (no findings
// passed in), for IBCM and CMG populations; a population on the intranet only is never "not available".
func TestFeatureCellsFromRoles(t *testing.T) {
	for _, tc := range []struct {
		name       string
		vars       []string
		population string
		feature    plan.Feature
		want       string
	}{
		{"ibcm internet-only, intranet SUP", nil, "kiosks", "softwareUpdates", "not available: no internet-facing software update point"},
		{"ibcm internet-only, intranet DP", nil, "kiosks", "applications", "not available: no internet-facing distribution point"},
		{"ibcm roaming, intranet SUP", nil, "laptops", "softwareUpdates", "not available on the internet: no internet-facing software update point"},
		{"ibcm, feature needing no role", nil, "kiosks", "inventory", "supported"},
		{"ibcm internet SUP", []string{"SUPALLOW", `"intranetAndInternet"`}, "kiosks", "softwareUpdates", "supported"},
		{"ibcm internet DP", []string{"DPALLOW", `"internet"`}, "laptops", "applications", "supported"},
		{"intranet only", nil, "desktops", "softwareUpdates", "supported (intranet)"},
		{"cmg, SUP without CMG traffic", nil, "roamers", "softwareUpdates", "not available on the internet: no software update point allows CMG traffic"},
		{"cmg, SUP with CMG traffic", []string{"SUPCMG", "true"}, "roamers", "softwareUpdates", "supported"},
		{"cmg content-enabled", nil, "roamers", "applications", "supported"},
		{"cmg not content-enabled", []string{"CONTENT", "false"}, "roamers", "taskSequences",
			"not available on the internet: gateway gw is not content-enabled and no distribution point is internet-facing"},
		{"cmg not content-enabled, internet DP", []string{"CONTENT", "false", "DPALLOW", `"intranetAndInternet"`}, "roamers", "applications", "supported"},
		{"cmg, cloud DP setting off", []string{"CDP", "false"}, "roamers", "applications",
			"not available on the internet: client setting Allow access to cloud distribution point is off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := featurePlan(t, tc.vars...)
			if got := featureCell(p, p.Population(tc.population), tc.feature, nil); got != tc.want {
				t.Errorf("cell %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFeatureTableNamesMissingRole: in the report, the cell carries the missing role whatever rule reports
// it, and the legend explains "not available".
func TestFeatureTableNamesMissingRole(t *testing.T) {
	p := featurePlan(t)
	var b strings.Builder
	featureSupport(&b, p, emit.Options{})
	got := b.String()
	for _, want := range []string{
		"| Feature | desktops (intranetOnly, ibcm) | kiosks (internetOnly, ibcm) | laptops (intranetAndInternet, ibcm) | roamers (intranetAndInternet, cmg) |\n",
		"| inventory | — | supported | — | — |\n",
		"not available: the design lacks a role the feature needs where the population is (the cell names it; \"on the internet\": it still works on the intranet)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("feature table lacks %q:\n%s", want, got)
		}
	}
	row := ""
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "| softwareUpdates |") {
			row = l
		}
	}
	cells := strings.Split(strings.Trim(row, "| "), " | ")
	if len(cells) != 5 || cells[1] != "supported (intranet)" ||
		!strings.HasPrefix(cells[2], "not available: no internet-facing software update point") ||
		!strings.HasPrefix(cells[4], "not available on the internet: no software update point allows CMG traffic") {
		t.Errorf("softwareUpdates row %q", row)
	}
	if strings.Contains(row, "| supported |") {
		t.Errorf("a population without the role is marked supported: %q", row)
	}
}
