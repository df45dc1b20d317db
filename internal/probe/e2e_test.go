package probe_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/internal/probe"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

const root = "../.."

func examplePlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	return testdesign.ExamplePlan(t, root, name)
}

func run(t *testing.T, l *lab) *probe.Report {
	t.Helper()
	start := time.Now()
	rep, err := probe.Run(context.Background(), l.p, l.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("probe took %v", time.Since(start).Round(time.Millisecond))
	return rep
}

func text(rep *probe.Report) string {
	var b bytes.Buffer
	rep.WriteText(&b)
	return b.String()
}

// failures lists "endpoint check" of every failed check.
func failures(rep *probe.Report) []string {
	var out []string
	for _, e := range rep.Endpoints {
		for _, c := range e.Checks {
			if c.Status == probe.Fail {
				out = append(out, e.Endpoint+" "+c.Check)
			}
		}
	}
	return out
}

func find(rep *probe.Report, endpoint, check string) probe.Result {
	for _, e := range rep.Endpoints {
		if e.Endpoint == endpoint {
			for _, c := range e.Checks {
				if c.Check == check {
					return c
				}
			}
		}
	}
	return probe.Result{}
}

// allPass fails the test unless every check passed, or was skipped for a reason the design gives.
func allPass(t *testing.T, rep *probe.Report, skipped map[string]string) {
	t.Helper()
	if rep.Failed > 0 {
		t.Errorf("failed checks %v in a correct deployment:\n%s", failures(rep), text(rep))
	}
	for _, e := range rep.Endpoints {
		for _, c := range e.Checks {
			if c.Status == probe.Skip {
				if want, ok := skipped[c.Check]; !ok || !strings.Contains(c.Detail, want) {
					t.Errorf("%s %s skipped: %s", e.Endpoint, c.Check, c.Detail)
				}
			}
		}
	}
	if rep.Passed == 0 {
		t.Errorf("nothing passed:\n%s", text(rep))
	}
}

const noCRLCheck = "site.communication.checkCRL is false"

// Every example that publishes through a proxy, or reaches its systems directly, passes every check when
// deployed as its emitted configs say.
func TestExamplesPass(t *testing.T) {
	for _, name := range testdesign.Examples {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := examplePlan(t, name)
			l := startLab(t, name, p, fault{})
			rep := run(t, l)
			allPass(t, rep, map[string]string{probe.CheckCRL: noCRLCheck})
			// Every check family ran somewhere.
			var ran []string
			for _, e := range rep.Endpoints {
				for _, c := range e.Checks {
					if c.Status == probe.Pass && !slices.Contains(ran, c.Check) {
						ran = append(ran, c.Check)
					}
				}
			}
			if name == "woodgrove-cmg" {
				if got := find(rep, "cmg.woodgrovebank.com:443", probe.CheckMPList); got.Status != probe.Pass ||
					got.Detail != "/CCM_Proxy_ServerAuth/72057594037927941/SMS_MP/.sms_aut?MPLIST over HTTP/1.1 lists cmmp01.woodgrove.local (site WGB)" {
					t.Errorf("the gateway's location request: %+v", got)
				}
				return
			}
			for _, want := range []string{probe.CheckResolve, probe.CheckConnect, probe.CheckTLS, probe.CheckCertificate,
				probe.CheckClientAuth, probe.CheckMPList, probe.CheckMPCert, probe.CheckDP, probe.CheckSUP, probe.CheckVerbs, probe.CheckHeaders} {
				if !slices.Contains(ran, want) {
					t.Errorf("check %s never passed:\n%s", want, text(rep))
				}
			}
			if name == "fabrikam-perimeter" && !slices.Contains(ran, probe.CheckCRL) {
				t.Errorf("the CRL check did not run where clients check revocation:\n%s", text(rep))
			}
		})
	}
}

// e2eDesign publishes a management point + distribution point (mp01) and a fallback status point (fsp01)
// through one proxy, product and mode filled in, as emit/proxy's end-to-end tests do.
const e2eDesign = `
site: {
	code: "E2E", server: "cm01.corp.contoso.com", forest: "corp.contoso.com", environment: "lab"
	communication: checkCRL: true
}
forests: "corp.contoso.com": {}
zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
	dmz: {kind: "perimeter", cidrs: ["127.0.0.0/8"]}
}
pki: {
	authorities: {
		"Contoso Root CA": {subject: "CN=Contoso Root CA", kind: "standalone", crl: {ldap: false, http: ["http://pki.contoso.com/root.crl"], internet: true}}
		"Contoso Issuing CA": {subject: "CN=Contoso Issuing CA", parent: "Contoso Root CA", crl: {http: ["http://pki.contoso.com/issuing.crl"], internet: true}}
	}
	issuer: "Contoso Issuing CA"
}
systems: {
	mp01: {fqdn: {intranet: "mp01.corp.contoso.com", internet: "ibcm.contoso.com"}, zone: "dmz", address: "127.0.0.1", forest: "corp.contoso.com"
		roles: {managementPoint: allow: "internet", distributionPoint: allow: "internet"}}
	fsp01: {fqdn: {intranet: "fsp01.corp.contoso.com", internet: "fsp.contoso.com"}, zone: "dmz", address: "127.0.0.1", forest: "corp.contoso.com"
		roles: fallbackStatusPoint: allow: "internet"}
}
publishing: edge: {product: %q, mode: %q, zone: "dmz", address: "127.0.0.1", public: "127.0.0.1", systems: ["mp01", "fsp01"]}
clients: laptops: {join: "domain", forest: "corp.contoso.com", install: {mp: "mp01", fallbackStatusPoint: "fsp01"}}
`

// Both products, bridging and tunneling, pass every check.
func TestProxyModesPass(t *testing.T) {
	for _, product := range []string{"nginx", "haproxy"} {
		for _, mode := range []plan.PublishingMode{plan.ModeBridging, plan.ModeTunneling} {
			t.Run(product+"/"+string(mode), func(t *testing.T) {
				t.Parallel()
				testtool.RequireProxy(t, product)
				res := testdesign.CompileOne(t, fmt.Sprintf(e2eDesign, product, mode))
				if res.Plan == nil {
					t.Fatalf("e2e design does not compile: %v", res.Diagnostics)
				}
				l := startLab(t, "e2e-"+string(mode), res.Plan, fault{}) // the certificates a design requests depend on its mode
				rep := run(t, l)
				allPass(t, rep, nil)
				if got := find(rep, "ibcm.contoso.com:443", probe.CheckClientAuth).Detail; mode == plan.ModeBridging && !strings.HasPrefix(got, "without a certificate refused") ||
					mode == plan.ModeTunneling && got != "the server asks for a client certificate and accepts the --client-cert one (HTTP 200)" {
					t.Errorf("client-auth: %q", got)
				}
			})
		}
	}
}

var (
	ccmHeaderLine = regexp.MustCompile(`(?m)^\s*proxy_set_header CCMClient\S* \S+;\n`)
	serialHex     = regexp.MustCompile(`serial [0-9A-F]+`)
	dates         = regexp.MustCompile(`\d{4}-\d\d-\d\d(T[0-9:]+Z)?`)
	ports         = regexp.MustCompile(`127\.0\.\d+\.\d+:\d+`)
	labAddr       = regexp.MustCompile(`127\.0\.1\.\d+`)
)

// Each fault of a deployment fails exactly its own check, with a message that says what is wrong.
func TestFaults(t *testing.T) {
	testtool.RequireProxy(t, "nginx")
	const mp, sup, supTLS, fsp = "ibcm.fabrikam.com:443", "ibcm.fabrikam.com:8530", "ibcm.fabrikam.com:8531", "fsp.fabrikam.com:80"
	cases := []struct {
		name  string
		fault fault
		want  map[string]string // "endpoint check" → the detail, dates, serials and ports normalized
	}{{
		name: "certificate without the internet FQDN",
		fault: fault{serverCert: "edge-proxy-server", edit: func(c *x509.Certificate) {
			c.DNSNames = []string{"edge.dmz.fabrikam.com"}
		}},
		want: map[string]string{
			mp + " certificate":     `the certificate "CN=ibcm.fabrikam.com,O=ibcmc lab PKI" does not name ibcm.fabrikam.com (it names edge.dmz.fabrikam.com)`,
			supTLS + " certificate": `the certificate "CN=ibcm.fabrikam.com,O=ibcmc lab PKI" does not name ibcm.fabrikam.com (it names edge.dmz.fabrikam.com)`,
		},
	}, {
		name: "expired certificate",
		fault: fault{serverCert: "edge-proxy-server", edit: func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = time.Now().Add(-400*24*time.Hour), time.Now().Add(-24*time.Hour)
		}},
		want: map[string]string{
			mp + " certificate":     `the certificate "CN=ibcm.fabrikam.com,O=ibcmc lab PKI" expired on DATE`,
			supTLS + " certificate": `the certificate "CN=ibcm.fabrikam.com,O=ibcmc lab PKI" expired on DATE`,
		},
	}, {
		name: "CDP only over LDAP",
		fault: fault{serverCert: "edge-proxy-server", edit: func(c *x509.Certificate) {
			c.CRLDistributionPoints = []string{"ldap:///CN=Fabrikam%20Issuing%20CA%2001,CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,DC=fabrikam,DC=com"}
		}},
		want: map[string]string{
			mp + " crl":     `the server certificate has CRL distribution points only at ldap:///CN=Fabrikam%20Issuing%20CA%2001,CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,DC=fabrikam,DC=com: clients on the internet check revocation over HTTP and cannot reach it`,
			supTLS + " crl": `the server certificate has CRL distribution points only at ldap:///CN=Fabrikam%20Issuing%20CA%2001,CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,DC=fabrikam,DC=com: clients on the internet check revocation over HTTP and cannot reach it`,
		},
	}, {
		name:  "stale CRL",
		fault: fault{staleCRL: true},
		want: map[string]string{
			mp + " crl":     `the CRL at http://pki.fabrikam.com/crl/Fabrikam%20Issuing%20CA%2001.crl is stale: its next update was due DATE`,
			supTLS + " crl": `the CRL at http://pki.fabrikam.com/crl/Fabrikam%20Issuing%20CA%2001.crl is stale: its next update was due DATE`,
		},
	}, {
		name:  "revoked server certificate",
		fault: fault{serverCert: "edge-proxy-server", revokeServer: true},
		want: map[string]string{
			mp + " crl":     `the CRL at http://pki.fabrikam.com/crl/Fabrikam%20Issuing%20CA%2001.crl lists the server certificate (SERIAL) as revoked on DATE`,
			supTLS + " crl": `the CRL at http://pki.fabrikam.com/crl/Fabrikam%20Issuing%20CA%2001.crl lists the server certificate (SERIAL) as revoked on DATE`,
		},
	}, {
		name: "proxy strips CCM_POST",
		fault: fault{config: func(t *testing.T, cfg []byte) []byte {
			return mustReplace(t, cfg, " CCM_POST 1;", "")
		}},
		want: map[string]string{
			mp + " verbs": `refused: CCM_POST /ccm_system/request: HTTP 405`,
		},
	}, {
		name: "proxy drops the CCM headers",
		fault: fault{config: func(t *testing.T, cfg []byte) []byte {
			return dropLines(t, cfg, ccmHeaderLine)
		}},
		want: map[string]string{
			mp + " headers": `a CCM_POST with CCMClientID reached the management point without it (HTTP 403, refused as from no client): the path in between drops the CCM headers`,
		},
	}, {
		name:  "closed SUP HTTP port",
		fault: fault{closed: 8530},
		want: map[string]string{
			sup + " connect": `cannot connect to ADDR for ibcm.fabrikam.com:8530: connect: connection refused`,
		},
	}, {
		name: "bridging proxy accepts clients without a certificate",
		fault: fault{config: func(t *testing.T, cfg []byte) []byte {
			return mustReplace(t, cfg, "ssl_verify_client on;", "ssl_verify_client optional;")
		}},
		want: map[string]string{
			mp + " client-auth": `a client without a certificate got HTTP 200 for GET /SMS_MP/.sms_aut?MPLIST: the proxy lets clients through that the management and distribution points behind it would refuse`,
		},
	}, {
		name:  "name resolves elsewhere",
		fault: fault{public: "127.0.0.2"},
		want: map[string]string{
			mp + " resolve":     `ibcm.fabrikam.com resolves to LAB (--resolve), but publishing.edge.public is 127.0.0.2; the other checks use LAB`,
			sup + " resolve":    `ibcm.fabrikam.com resolves to LAB (--resolve), but publishing.edge.public is 127.0.0.2; the other checks use LAB`,
			supTLS + " resolve": `ibcm.fabrikam.com resolves to LAB (--resolve), but publishing.edge.public is 127.0.0.2; the other checks use LAB`,
			fsp + " resolve":    `fsp.fabrikam.com resolves to LAB (--resolve), but publishing.edge.public is 127.0.0.2; the other checks use LAB`,
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := examplePlan(t, "fabrikam-perimeter")
			l := startLab(t, "fabrikam-perimeter", p, tc.fault)
			rep := run(t, l)
			got := map[string]string{}
			for _, e := range rep.Endpoints {
				for _, c := range e.Checks {
					if c.Status != probe.Fail {
						continue
					}
					d := dates.ReplaceAllString(c.Detail, "DATE")
					d = serialHex.ReplaceAllString(d, "SERIAL")
					d = ports.ReplaceAllString(d, "ADDR")
					d = labAddr.ReplaceAllString(d, "LAB")
					got[e.Endpoint+" "+c.Check] = d
					if c.Fix == "" || c.Field == "" {
						t.Errorf("%s %s: a failure without a fix (%q) or a field (%q)", e.Endpoint, c.Check, c.Fix, c.Field)
					}
				}
			}
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("%s:\n got %q\nwant %q", k, got[k], want)
				}
			}
			for k := range got {
				if _, ok := tc.want[k]; !ok {
					t.Errorf("%s failed too: %s", k, got[k])
				}
			}
			if t.Failed() {
			}
		})
	}
}
