package report

import (
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/probe"
	"github.com/ibcmc/ibcmc/plan"
)

// probeHint follows the internet endpoints table: the `ibcmc probe` command that checks the deployment from
// the internet, and what it checks at each endpoint. It writes nothing for a design without one.
func probeHint(b out, p *plan.Plan) {
	if len(p.Endpoints) == 0 {
		return
	}
	b.WriteString("\nAfter deployment, check every endpoint from a machine on the internet, with the design's CA " +
		"certificates and a client certificate of a managed client (`ibcmc probe --help` describes each check):\n\n")
	cmd := []string{"ibcmc", "probe"}
	for _, s := range p.Sources {
		cmd = append(cmd, escape.ShWord(s))
	}
	cmd = append(cmd, "--ca", "CA-CERTS.pem", "--client-cert", "CLIENT.pem", "--client-key", "CLIENT.key")
	writeCode(b, strings.Join(cmd, " "))
	b.WriteString("\n\n")
	for _, e := range p.Endpoints {
		b.WriteString("- ")
		writeCode(b, strings.ToLower(e.FQDN)+":"+strconv.Itoa(e.Port))
		b.WriteString(": ")
		writeMD(b, strings.Join(probe.ChecksFor(p, e), ", "))
		b.WriteString("\n")
	}
}
