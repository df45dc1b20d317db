package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// TestExampleFindings pins the exact findings of each example design: no errors, and these warnings and
// infos. A rule change that adds or drops one shows up here, to be judged against the scenario.
func TestExampleFindings(t *testing.T) {
	want := map[string][]string{
		// The server sits in the perimeter while the CA publishes its CRL to LDAP only (the CA publishes no HTTP CDP).
		"contoso-ibcm": {"warning IB302 systems.ibcm01.zone", "warning IB216 systems.ibcm01.forest"},
		"fabrikam-perimeter": {
			"warning IB702 systems.cmibcm01.roles.distributionPoint", // 18,600 internet clients on one internet DP
			"warning IB409 publishing.edge.product",                  // nginx bridging cannot carry user policy's NTLM
			"info IB405 publishing.edge.mode",                        // third-party SSL bridging
			`warning IB501 clients."roaming-laptops".features[5]`,    // osDeployment only on the intranet
		},
		"homelab":       {"warning IB216 systems.cm.forest", "warning IB403 publishing.router.mode"}, // no DC listed; port forwarding in a lab
		"woodgrove-cmg": nil,
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			res := testdesign.Example(t, "..", name)
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, fmt.Sprintf("%s %s %s", d.Severity, d.Code, d.Path))
			}
			if strings.Join(got, "\n") != strings.Join(w, "\n") {
				t.Errorf("findings:\n got: %q\nwant: %q", got, w)
			}
		})
	}
}
