package report

import (
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// The report names the probe command after the internet endpoints, and what it checks at each one.
func TestProbeHint(t *testing.T) {
	p := testdesign.ExamplePlan(t, "../..", "fabrikam-perimeter")
	var b strings.Builder
	probeHint(&b, p)
	want := "\nAfter deployment, check every endpoint from a machine on the internet, with the design's CA certificates and a " +
		"client certificate of a managed client (`ibcmc probe --help` describes each check):\n\n" +
		"`ibcmc probe examples/fabrikam-perimeter/site.cue --ca CA-CERTS.pem --client-cert CLIENT.pem --client-key CLIENT.key`\n\n" +
		"- `fsp.fabrikam.com:80`: resolve, connect, fsp\n" +
		"- `ibcm.fabrikam.com:443`: resolve, connect, tls, certificate, crl, client-auth, mplist, mpcert, dp, verbs, headers\n" +
		"- `ibcm.fabrikam.com:8530`: resolve, connect, sup\n" +
		"- `ibcm.fabrikam.com:8531`: resolve, connect, tls, certificate, crl, sup\n"
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// A design file name is quoted for the shell, and the command stays one code span.
	p.Sources = []string{"my site's design.cue"}
	b.Reset()
	probeHint(&b, p)
	if !strings.Contains(b.String(), "`ibcmc probe 'my site'\\''s design.cue' --ca ") {
		t.Errorf("design file not quoted for the shell:\n%s", b.String())
	}
	b.Reset()
	probeHint(&b, &plan.Plan{})
	if b.String() != "" {
		t.Errorf("a design without internet endpoints got a probe hint: %q", b.String())
	}
}
