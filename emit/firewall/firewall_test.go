package firewall

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

var examples = testdesign.Examples

var opts = emit.Options{ToolVersion: "test"}

func examplePlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	return testdesign.ExamplePlan(t, filepath.Join("..", ".."), name)
}

func emitFiles(t *testing.T, p *plan.Plan) map[string]string {
	t.Helper()
	files, err := Emit(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		if err := emit.CheckPath(f.Path); err != nil {
			t.Error(err)
		}
		if _, dup := out[f.Path]; dup {
			t.Errorf("%s written twice", f.Path)
		}
		out[f.Path] = string(f.Content)
		if !strings.HasPrefix(out[f.Path], emit.Provenance(emit.Hash, p, opts)) {
			t.Errorf("%s does not start with the provenance comment", f.Path)
		}
	}
	return out
}

// loadNft checks and loads a ruleset twice in a new, unprivileged network namespace (never the host's
// firewall) and returns the resulting ruleset.
func loadNft(t *testing.T, content string) string {
	t.Helper()
	nft, unshare := testtool.Require(t, "nft"), testtool.Require(t, "unshare")
	f := filepath.Join(t.TempDir(), "rules.nft")
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `"$1" -c -f "$2" && "$1" -f "$2" && "$1" -f "$2" && "$1" list ruleset`
	out, err := exec.Command(unshare, "-rn", "sh", "-c", script, "sh", nft, f).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "unshare failed") && os.Getenv("IBCMC_REQUIRE_TOOLS") != "1" {
			t.Skipf("user namespaces are not available: %s", out)
		}
		t.Fatalf("nft rejected the ruleset: %v\n%s\n%s", err, out, content)
	}
	return string(out)
}

func TestNftablesExamplesLoadAndReload(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			files := emitFiles(t, p)
			n := 0
			for path, content := range files {
				if !strings.HasPrefix(path, "firewall/nftables/") {
					continue
				}
				n++
				listed := loadNft(t, content)
				if strings.Count(listed, "table inet ibcmc {") != 1 {
					t.Errorf("%s: want exactly one table inet ibcmc after two loads:\n%s", path, listed)
				}
				for _, f := range p.Flows {
					if f.FromZone+"-to-"+f.ToZone+".nft" != filepath.Base(path) {
						continue
					}
					if c := strings.Count(listed, `comment "`+f.ID+`"`); c < 1 || c > 2 {
						t.Errorf("%s: flow %s has %d rules after reloading, want 1 (or 2 for two address families)", path, f.ID, c)
					}
				}
			}
			if n == 0 {
				t.Errorf("%s: no nftables ruleset", name)
			}
		})
	}
}

// acceptRules returns the rules of a ruleset that accept a flow (not the return-traffic rule).
func acceptRules(content string) []string {
	var out []string
	for _, l := range strings.Split(content, "\n") {
		l = strings.TrimSpace(l)
		if strings.Contains(l, " ct state new accept ") {
			out = append(out, l)
		}
	}
	return out
}

func TestNftablesFabrikamRules(t *testing.T) {
	files := emitFiles(t, examplePlan(t, "fabrikam-perimeter"))
	var names []string
	for path := range files {
		if strings.HasPrefix(path, "firewall/nftables/") {
			names = append(names, filepath.Base(path))
		}
	}
	slices.Sort(names)
	if want := []string{"internet-to-perimeter.nft", "intranet-to-perimeter.nft", "perimeter-to-intranet.nft"}; !reflect.DeepEqual(names, want) {
		t.Errorf("rulesets %v, want %v", names, want)
	}
	want := map[string][]string{
		"internet-to-perimeter.nft": {
			`ip daddr 203.0.113.10 tcp dport 443 ct state new accept comment "any-to-edge-tcp-443"`,
			`ip daddr 203.0.113.10 tcp dport 80 ct state new accept comment "any-to-edge-tcp-80"`,
			`ip daddr 203.0.113.10 tcp dport 8531 ct state new accept comment "any-to-edge-tcp-8531"`,
		},
		"perimeter-to-intranet.nft": {
			`ip saddr 172.16.50.21 ip daddr 10.20.0.5 tcp dport { 53, 88, 135, 389, 3268, 49152-65535 } ct state new accept comment "cmibcm01-to-dc01.corp.fabrikam.com-tcp-53_88_135_389_3268_49152-65535"`,
			`ip saddr 172.16.50.21 ip daddr 10.20.0.5 udp dport { 53, 88, 389 } ct state new accept comment "cmibcm01-to-dc01.corp.fabrikam.com-udp-53_88_389"`,
			`ip saddr 172.16.50.21 ip daddr 10.20.0.20 tcp dport 1433 ct state new accept comment "cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433"`,
		},
	}
	for name, rules := range want {
		content := files["firewall/nftables/"+name]
		if got := acceptRules(content); !reflect.DeepEqual(got, rules) {
			t.Errorf("%s rules:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(rules, "\n"))
		}
		for _, l := range []string{"table inet ibcmc {}", "delete table inet ibcmc", "\t\ttype filter hook forward priority filter; policy drop;",
			"\t\tct state established,related accept comment \"return traffic of accepted connections\""} {
			if !slices.Contains(strings.Split(content, "\n"), l) {
				t.Errorf("%s lacks the line %q", name, l)
			}
		}
	}
}

// hostilePlan has flows whose names and text try to break out of every format.
func hostilePlan() *plan.Plan {
	evil := "x\" accept\n}\ntable ip evil { chain c { type filter hook input priority 0; policy accept; } }\r\n#'; Remove-Item -Recurse C:\\ #\x00$(calc) `&|<>^%"
	return &plan.Plan{
		Sources: []string{"hostile\n.cue"},
		Site:    plan.Site{Code: "P01"},
		Systems: []*plan.System{{Name: "mp01"}, {Name: "idle01"}},
		Flows: []*plan.Flow{
			{ID: "evil-1\" drop\n", FromZone: "perimeter", From: evil, FromKind: plan.PeerProxy, FromAddresses: []string{"192.0.2.10", "2001:db8::10"},
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5", "2001:db8:1::5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 443, To: 443}, {From: 8530, To: 8531}},
				Purpose: "=HYPERLINK(\"x\")," + evil, RequiredBy: []string{evil, "role"}, Path: "x"},
			// Overlapping ranges would be a conflicting interval for nft; the /16 covers the /24.
			{ID: "evil-2", FromZone: "perimeter", From: "zone", FromKind: plan.PeerInternet, FromAddresses: []string{"10.1.0.0/16", "10.1.2.0/24", "0.0.0.0/0", "::/0"},
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5"},
				Protocol: "udp", Ports: []plan.PortRange{{From: 135, To: 135}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x"},
			// Any to any is never written.
			{ID: "evil-3", FromZone: "perimeter", From: "a", FromKind: plan.PeerInternet, FromAddresses: []string{"0.0.0.0/0"},
				ToZone: "intranet", To: "b", ToKind: plan.PeerCDP, ToAddresses: []string{"0.0.0.0/0"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 80, To: 80}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x"},
			// No address: nothing to open.
			{ID: "evil-4", FromZone: "perimeter", From: "c", FromKind: plan.PeerSystem,
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 1433, To: 1433}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x"},
		},
	}
}

func TestNftablesHostileValuesStayInsideTheirComment(t *testing.T) {
	files := emitFiles(t, hostilePlan())
	content := files["firewall/nftables/perimeter-to-intranet.nft"]
	want := []string{
		`ip saddr 192.0.2.10 ip daddr 10.0.0.5 tcp dport { 443, 8530-8531 } ct state new accept comment "evil-1' drop "`,
		`ip6 saddr 2001:db8::10 ip6 daddr 2001:db8:1::5 tcp dport { 443, 8530-8531 } ct state new accept comment "evil-1' drop "`,
		`ip daddr 10.0.0.5 udp dport 135 ct state new accept comment "evil-2"`,
	}
	if got := acceptRules(content); !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(content, "\t\t# not opened: it would match any source and any destination\n") ||
		!strings.Contains(content, "\t\t# not opened: the design gives no address for c and zone perimeter has no cidrs\n") {
		t.Errorf("unopened flows are not explained:\n%s", content)
	}
	listed := loadNft(t, content)
	if strings.Contains(listed, "evil {") || strings.Count(listed, "table ") != 1 {
		t.Errorf("a value added a table:\n%s", listed)
	}
}

// psToken is one word of a PowerShell command line: a bare word or a comma-separated list of
// single-quoted strings (already unquoted).
type psToken struct {
	bare   string
	values []string
}

// tokenizePS splits a command line the way PowerShell reads single-quoted strings (a doubled quote stands for one) and fails
// on an unterminated string.
func tokenizePS(t *testing.T, line string) []psToken {
	t.Helper()
	var out []psToken
	i := 0
	for i < len(line) {
		if line[i] == ' ' {
			i++
			continue
		}
		if line[i] != '\'' {
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			out = append(out, psToken{bare: line[i : i+j]})
			i += j
			continue
		}
		var tok psToken
		for {
			var v strings.Builder
			i++ // opening quote
			for {
				if i >= len(line) {
					t.Fatalf("unterminated string in %q", line)
				}
				if line[i] == '\'' {
					if i+1 < len(line) && line[i+1] == '\'' {
						v.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				v.WriteByte(line[i])
				i++
			}
			tok.values = append(tok.values, v.String())
			if i < len(line) && line[i] == ',' && i+1 < len(line) && line[i+1] == '\'' {
				i++
				continue
			}
			break
		}
		out = append(out, tok)
	}
	return out
}

type psRule map[string]psToken

// parseRules reads every New-NetFirewallRule line: parameters and their values. Any other executable line
// must be one of the script's fixed lines.
func parseRules(t *testing.T, script, group string) []psRule {
	t.Helper()
	fixed := []string{
		"#Requires -RunAsAdministrator",
		"$ErrorActionPreference = 'Stop'",
		"Get-NetFirewallRule -Group '" + group + "' -ErrorAction SilentlyContinue | Remove-NetFirewallRule",
	}
	var rules []psRule
	for _, line := range strings.Split(strings.TrimSuffix(script, "\n"), "\n") {
		if line == "" || (strings.HasPrefix(line, "# ") || line == "#") && !strings.HasPrefix(line, "#Requires") {
			continue
		}
		if !strings.HasPrefix(line, "New-NetFirewallRule ") {
			if !slices.Contains(fixed, line) {
				t.Errorf("unexpected line %q", line)
			}
			continue
		}
		toks := tokenizePS(t, line)
		if n := len(toks); n < 3 || toks[n-2].bare != "|" || toks[n-1].bare != "Out-Null" {
			t.Errorf("rule does not end in | Out-Null: %q", line)
			continue
		}
		r := psRule{}
		for i := 1; i < len(toks)-2; i += 2 {
			name := toks[i].bare
			if !strings.HasPrefix(name, "-") || i+1 >= len(toks)-2 {
				t.Errorf("parameter expected at %d in %q", i, line)
				break
			}
			if _, dup := r[name]; dup {
				t.Errorf("%s twice in %q", name, line)
			}
			r[name] = toks[i+1]
		}
		rules = append(rules, r)
	}
	return rules
}

var quotedParams = []string{"-Name", "-DisplayName", "-Description", "-Group", "-Protocol", "-LocalPort", "-RemoteAddress", "-Enabled"}

func checkRule(t *testing.T, r psRule, group string) {
	t.Helper()
	for _, p := range quotedParams {
		if tok, ok := r[p]; !ok || tok.bare != "" || len(tok.values) == 0 {
			t.Errorf("%s missing or not quoted in %v", p, r)
		}
	}
	for p, want := range map[string]string{"-Direction": "Inbound", "-Action": "Allow", "-Profile": "Any"} {
		if r[p].bare != want {
			t.Errorf("%s = %v, want %s", p, r[p], want)
		}
	}
	if !reflect.DeepEqual(r["-Enabled"].values, []string{"True"}) || !reflect.DeepEqual(r["-Group"].values, []string{group}) {
		t.Errorf("-Enabled %v, -Group %v", r["-Enabled"].values, r["-Group"].values)
	}
	if len(r) != 11 {
		t.Errorf("%d parameters, want 11: %v", len(r), r)
	}
}

func TestWindowsScriptsHaveOneRulePerInboundFlow(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			files := emitFiles(t, p)
			for _, s := range p.Systems {
				if _, ok := files["firewall/windows/"+s.Name+".ps1"]; !ok {
					t.Errorf("no script for site system %s", s.Name)
				}
			}
			for path, content := range files {
				if !strings.HasPrefix(path, "firewall/windows/") {
					continue
				}
				machine := strings.TrimSuffix(filepath.Base(path), ".ps1")
				var want []string
				for _, f := range p.Flows {
					if f.To == machine && plan.Windows(f.ToKind) {
						want = append(want, "ibcmc-"+p.Site.Code+"-"+f.ID)
					}
				}
				var got []string
				for _, r := range parseRules(t, content, "ibcmc "+p.Site.Code) {
					checkRule(t, r, "ibcmc "+p.Site.Code)
					got = append(got, r["-Name"].values[0])
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s rules %v, want one per inbound flow %v", path, got, want)
				}
				if !strings.Contains(content, "Get-NetFirewallRule -Group 'ibcmc "+p.Site.Code+"' -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n") {
					t.Errorf("%s does not remove the group's rules first", path)
				}
			}
		})
	}
}

func TestWindowsFabrikamSQLRule(t *testing.T) {
	files := emitFiles(t, examplePlan(t, "fabrikam-perimeter"))
	rules := parseRules(t, files["firewall/windows/sql01.corp.fabrikam.com.ps1"], "ibcmc FAB")
	if len(rules) != 1 {
		t.Fatalf("%d rules on the SQL server, want 1", len(rules))
	}
	r := rules[0]
	for p, want := range map[string][]string{
		"-Name": {"ibcmc-FAB-cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433"}, "-Protocol": {"TCP"},
		"-LocalPort": {"1433"}, "-RemoteAddress": {"172.16.50.21"},
		"-DisplayName": {"ibcmc FAB: cmibcm01 to sql01.corp.fabrikam.com TCP 1433"},
	} {
		if !reflect.DeepEqual(r[p].values, want) {
			t.Errorf("%s = %v, want %v", p, r[p].values, want)
		}
	}
	mp := parseRules(t, files["firewall/windows/cmibcm01.ps1"], "ibcmc FAB")
	var siteServer psRule
	for _, r := range mp {
		if r["-Name"].values[0] == "ibcmc-FAB-cm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535" {
			siteServer = r
		}
	}
	if siteServer == nil || !reflect.DeepEqual(siteServer["-LocalPort"].values, []string{"135", "445", "49152-65535"}) ||
		!reflect.DeepEqual(siteServer["-RemoteAddress"].values, []string{"10.20.0.10"}) {
		t.Errorf("site server rule on cmibcm01: %v", siteServer)
	}
}

func TestWindowsHostileValuesStayQuoted(t *testing.T) {
	p := hostilePlan()
	files := emitFiles(t, p)
	script := files["firewall/windows/mp01.ps1"]
	rules := parseRules(t, script, "ibcmc P01")
	if len(rules) != 2 {
		t.Fatalf("%d rules, want 2 (the flow without an address is skipped):\n%s", len(rules), script)
	}
	for _, r := range rules {
		checkRule(t, r, "ibcmc P01")
	}
	desc := rules[0]["-Description"].values[0]
	if !strings.HasPrefix(desc, "=HYPERLINK(\"x\"),x\" accept } table ip evil") || strings.ContainsAny(desc, "\r\n\x00") {
		t.Errorf("description %q", desc)
	}
	if got := rules[0]["-RemoteAddress"].values; !reflect.DeepEqual(got, []string{"192.0.2.10", "2001:db8::10"}) {
		t.Errorf("remote addresses %v", got)
	}
	if got := rules[1]["-RemoteAddress"].values; !reflect.DeepEqual(got, []string{"Any"}) {
		t.Errorf("a source that is the whole address space: %v, want Any", got)
	}
	if !strings.Contains(script, "# not created: the design gives no address for c and zone perimeter has no cidrs\n") {
		t.Errorf("the skipped flow is not explained:\n%s", script)
	}
	idle := files["firewall/windows/idle01.ps1"]
	if rules := parseRules(t, idle, "ibcmc P01"); len(rules) != 0 || !strings.Contains(idle, "Remove-NetFirewallRule") {
		t.Errorf("a system without inbound flows still clears its group and creates nothing:\n%s", idle)
	}
}

func readCSV(t *testing.T, content string, p *plan.Plan) [][]string {
	t.Helper()
	prov := emit.Provenance(emit.Hash, p, opts)
	if !strings.HasPrefix(content, prov) {
		t.Fatalf("flows.csv does not start with the provenance line")
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(content, prov)))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("flows.csv is not valid CSV: %v", err)
	}
	return recs
}

func TestFlowsCSV(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	content := emitFiles(t, p)["firewall/flows.csv"]
	recs := readCSV(t, content, p)
	if want := []string{"id", "from_zone", "from", "from_address", "to_zone", "to", "to_address", "protocol", "ports", "purpose", "required_by"}; !reflect.DeepEqual(recs[0], want) {
		t.Errorf("header %v", recs[0])
	}
	if len(recs) != len(p.Flows)+1 {
		t.Fatalf("%d rows for %d flows", len(recs)-1, len(p.Flows))
	}
	for i, f := range p.Flows {
		if recs[i+1][0] != f.ID {
			t.Errorf("row %d is %s, want %s (plan order)", i+1, recs[i+1][0], f.ID)
		}
	}
	want := "cm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535,intranet,cm01.corp.fabrikam.com,10.20.0.10,perimeter,cmibcm01,172.16.50.21,tcp,135 445 49152-65535," +
		"\"site server installs and configures site system roles (SMB 445, RPC endpoint mapper 135, dynamic RPC 49152-65535)\"," +
		"cmibcm01 distributionPoint; cmibcm01 managementPoint; cmibcm01 softwareUpdatePoint\r\n"
	if !strings.Contains(content, "\r\n"+want) {
		t.Errorf("flows.csv lacks the row\n%s\n%s", want, content)
	}

	h := hostilePlan()
	hostile := readCSV(t, emitFiles(t, h)["firewall/flows.csv"], h)
	if len(hostile) != len(h.Flows)+1 {
		t.Fatalf("hostile values changed the row count: %d", len(hostile))
	}
	row := hostile[1]
	if len(row) != 11 || !strings.HasPrefix(row[9], "'=HYPERLINK(\"x\"),x\" accept } table ip evil") || row[3] != "192.0.2.10 2001:db8::10" {
		t.Errorf("hostile row %q", row)
	}
}

func TestEmitIsDeterministic(t *testing.T) {
	p := examplePlan(t, "woodgrove-cmg")
	a, _ := Emit(p, opts)
	b, _ := Emit(examplePlan(t, "woodgrove-cmg"), opts)
	if len(a) != len(b) {
		t.Fatalf("%d files then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Content, b[i].Content) {
			t.Errorf("%s differs between two runs", a[i].Path)
		}
	}
}
