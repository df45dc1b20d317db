package compiler_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// comprehensionDesign writes mp1 by hand and dp1 and dp2 with a comprehension. The dp systems accept
// internet clients from the intranet zone, written in the comprehension, and nothing publishes them
// (IB210 on zone); they are not domain-joined, which the comprehension does not write (IB202 on forest).
const comprehensionDesign = `package site

site: {code: "P01", server: "cm01.contoso.com", forest: "contoso.com"}
forests: "contoso.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: mp1: {
	fqdn: intranet: "mp1.contoso.com"
	forest: "contoso.com"
	roles: managementPoint: {}
}
for n in ["dp1", "dp2"] {
	systems: (n): {
		fqdn: {intranet: "\(n).contoso.com", internet: "\(n).contoso-public.com"}
		zone: "intranet"
		siteServerInitiates: true
		installAccount: "CORP\\cminstall"
		roles: distributionPoint: allow: "internet"
	}
}
publishing: {}
clients: {}
`

// Findings about systems a comprehension makes point into the comprehension: at the field it writes
// (zone), or for a field it does not write (forest) at the system's label in the comprehension, never at
// another system's line; and only the field that is not written is said to be.
func TestComprehensionPositions(t *testing.T) {
	res := testdesign.CompileOne(t, comprehensionDesign)
	var got []string
	for _, d := range res.Diagnostics {
		if d.Code != "IB210" && d.Code != "IB202" {
			continue
		}
		line := fmt.Sprintf("%s %s %s", d.Pos, d.Code, d.Path)
		if n := d.Note(); n != "" {
			line += " (" + n + ")"
		}
		got = append(got, line)
	}
	want := []string{
		"site.cue:13:11 IB202 systems.dp1.forest (systems.dp1.forest is not written in the design and has no default)",
		"site.cue:13:11 IB202 systems.dp2.forest (systems.dp2.forest is not written in the design and has no default)",
		"site.cue:15:3 IB210 systems.dp1.zone",
		"site.cue:15:3 IB210 systems.dp2.zone",
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("findings:\n got:\n%s\n want:\n%s\nall: %v", g, w, res.Diagnostics)
	}
	if p := res.Plan; p == nil {
		t.Fatal("no plan")
	} else if got := p.Pos("systems.dp2.roles.distributionPoint.allow").String(); got != "site.cue:18:29" {
		t.Errorf("plan position of dp2's allow = %s, want the comprehension's site.cue:18:29", got)
	}
}

// A finding about a field the design leaves to the schema carries the default that applies, and every
// format says so: text as a note line, JSON as a member, SARIF (and the report, GitHub) in the message.
func TestDefaultAppliedIsAFlag(t *testing.T) {
	src := strings.Replace(comprehensionDesign, "\t\tzone: \"intranet\"\n", "", 1)
	res := testdesign.CompileOne(t, src)
	var zone *diag.Diagnostic
	for i, d := range res.Diagnostics {
		if d.Code == "IB210" && d.Path == "systems.dp1.zone" {
			zone = &res.Diagnostics[i]
		}
	}
	if zone == nil {
		t.Fatalf("no IB210 on systems.dp1.zone: %v", res.Diagnostics)
	}
	if zone.Default == nil || *zone.Default != (diag.Default{Value: `"intranet"`}) || zone.Pos.String() != "site.cue:13:11" {
		t.Fatalf("IB210 at %s with default %+v; want the schema's \"intranet\" at the system's label", zone.Pos, zone.Default)
	}
	if strings.Contains(zone.Message, "not written") {
		t.Errorf("the message carries the note: %q", zone.Message)
	}

	var text bytes.Buffer
	if err := diag.WriteText(&text, diag.List{*zone}); err != nil {
		t.Fatal(err)
	}
	wantText := `site.cue:13:11: error IB210 ` + zone.Name + `: systems.dp1.zone: ` + zone.Message + `
    note: systems.dp1.zone is not written in the design: its default, "intranet", applies
    hint: ` + zone.Hint + `
1 error(s), 0 warning(s)
`
	if text.String() != wantText {
		t.Errorf("text:\n got:\n%s\n want:\n%s", text.String(), wantText)
	}

	var js bytes.Buffer
	if err := diag.WriteJSON(&js, diag.List{*zone}); err != nil {
		t.Fatal(err)
	}
	if want := `"default": {
        "value": "\"intranet\""
      }`; !strings.Contains(js.String(), want) {
		t.Errorf("JSON lacks %s:\n%s", want, js.String())
	}

	var sarif bytes.Buffer
	if err := diag.WriteSARIF(&sarif, diag.List{*zone}, diag.SARIFOptions{Files: &diag.FileNames{}}); err != nil {
		t.Fatal(err)
	}
	if want := `Note: systems.dp1.zone is not written in the design: its default, \"intranet\", applies. Fix: `; !strings.Contains(sarif.String(), want) {
		t.Errorf("SARIF message lacks %s:\n%s", want, sarif.String())
	}
}

// Positions come from the values for every input format, and a field written in several places points at
// the first place that writes it.
func TestPositionsOfWrittenFields(t *testing.T) {
	json := `{"site": {"code": "P01", "server": "cm01.contoso.com", "forest": "contoso.com"},
 "forests": {"contoso.com": {}}, "zones": {"intranet": {"kind": "intranet", "cidrs": ["10.0.0.0/16"]}},
 "pki": {"authorities": {"Root": {"subject": "CN=Root"}}, "issuer": "Root"},
 "systems": {"mp1": {"fqdn": {"intranet": "mp1.contoso.com"}, "forest": "contoso.com", "roles": {"managementPoint": {}}}},
 "publishing": {}, "clients": {}}`
	yaml := "site: {code: P01, server: cm01.contoso.com, forest: contoso.com}\nforests: {contoso.com: {}}\n" +
		"zones:\n  intranet: {kind: intranet, cidrs: [10.0.0.0/16]}\npki: {authorities: {Root: {subject: CN=Root}}, issuer: Root}\n" +
		"systems:\n  mp1:\n    fqdn: {intranet: mp1.contoso.com}\n    forest: contoso.com\n    roles:\n      managementPoint: {}\n" +
		"publishing: {}\nclients: {}\n"
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"JSON", map[string]string{"site.json": json}, map[string]string{
			// CUE's JSON reader places a member's name just inside its opening quote.
			"systems.mp1":                             "site.json:4:15",
			"systems.mp1.roles.managementPoint":       "site.json:4:99",
			"systems.mp1.roles.managementPoint.allow": "site.json:4:99", // a default: its nearest written field
			"zones.intranet.cidrs[0]":                 "site.json:2:87",
		}},
		{"YAML", map[string]string{"site.yaml": yaml}, map[string]string{
			"systems.mp1.forest":                "site.yaml:9:5",
			"systems.mp1.roles.managementPoint": "site.yaml:11:7",
			"zones.intranet.cidrs[0]":           "site.yaml:4:38",
		}},
		{"written twice", map[string]string{"a.cue": minimal, "b.cue": "package site\nsystems: mp1: zone: \"intranet\"\n"}, map[string]string{
			"systems.mp1":      "a.cue:7:10",
			"systems.mp1.zone": "b.cue:2:15",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := testdesign.Compile(t, c.files)
			if res.Plan == nil {
				t.Fatalf("no plan: %v", res.Diagnostics)
			}
			for path, want := range c.want {
				if got := res.Plan.Pos(path).String(); got != want {
					t.Errorf("Pos(%s) = %s, want %s", path, got, want)
				}
			}
		})
	}
}
