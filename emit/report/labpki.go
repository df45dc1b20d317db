package report

import (
	"fmt"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// labPKI warns, first thing in the report, that the build wrote a throwaway PKI with private keys; a normal
// build writes nothing here.
func labPKI(b out, p *plan.Plan, o emit.Options) {
	if !o.LabPKI {
		return
	}
	b.WriteString("## LAB ONLY: throwaway PKI\n\n")
	b.WriteString("This build ran with `--lab-pki`: `lab-pki/` holds a throwaway certification authority chain, CRLs, " +
		"certificates **and their private keys**, and the proxy configs point at that directory. " +
		"Use it to try the design in a lab; never deploy it. Build again without `--lab-pki` for production configs, " +
		"which expect certificates under `--cert-dir`.\n\n")
	fmt.Fprintf(b, "Keys are random on every build, so `lab-pki/` is not reproducible; `lab-pki/README.txt` lists what is in it. "+
		"It mirrors the client certificate chain (%d CA(s)), issues the %d certificate(s) the design requests, "+
		"and adds a client certificate and a revoked one for tests.\n", max(len(p.ClientChain()), 1), len(p.CertRequests))
}
