package report

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// The findings section: counts that leave waived findings out, then one full-width item per finding, a
// waived one marked with its waiver's reason; design values are escaped.
func TestFindingsSection(t *testing.T) {
	p := &plan.Plan{Findings: diag.List{
		{Code: "IB216", Name: "domain-member-without-dc", Severity: diag.Warning, Path: "systems.cm.forest",
			Message: `system "cm" lists no domain controller`, Hint: "add the forest's domain controllers",
			Pos: diag.Pos{File: "site.cue", Line: 26, Column: 2}},
		{Code: "IB403", Name: "port-forwarding", Severity: diag.Warning, Path: "publishing.router.mode",
			Message: `publishing entry "router" forwards ports straight to site systems`,
			Pos:     diag.Pos{File: "site.cue", Line: 36, Column: 2},
			Waived:  &diag.Waiver{Reason: "lab only | *not* production", Expires: "2027-06-30", Path: "waivers[0]"}},
		{Code: "IB405", Name: "third-party-bridging", Severity: diag.Info, Path: `publishing."e|dge".mode`,
			Message: "Microsoft does not configure third-party bridging."},
	}}
	var b bytes.Buffer
	findings(&b, p, emit.Options{})
	want := "## Findings\n\n" +
		"0 error(s), 1 warning(s), 1 info(s), 1 waived (accepted by the design's waivers, not counted). `ibcmc explain CODE` tells why each rule exists.\n\n" +
		"- **warning** `IB216` domain-member-without-dc at `systems.cm.forest` (site.cue:26:2): system \"cm\" lists no domain controller. Fix: add the forest's domain controllers.\n" +
		"- **warning, waived** `IB403` port-forwarding at `publishing.router.mode` (site.cue:36:2): publishing entry \"router\" forwards ports straight to site systems. **Waived:** lab only \\| \\*not\\* production (waivers\\[0\\], until 2027-06-30)\n" +
		"- **info** `IB405` third-party-bridging at `publishing.\"e\\|dge\".mode`: Microsoft does not configure third-party bridging.\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
