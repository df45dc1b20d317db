package firewall

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/plan"
)

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
// must be one of the script's fixed lines, so a script never touches rules of other groups.
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

// windowsMachines are the machines a design's scripts are for: its site systems, site server and database
// server.
func windowsMachines(p *plan.Plan) []string {
	out := []string{p.SiteServerName(), p.DatabaseName()}
	for _, s := range p.Systems {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func scripts(files map[string]string) map[string]string {
	out := map[string]string{}
	for path, content := range files {
		if name, ok := strings.CutPrefix(path, "firewall/windows/"); ok {
			out[strings.TrimSuffix(name, ".ps1")] = content
		}
	}
	return out
}

// wantRemote is -RemoteAddress of a flow's rule: its source's addresses, or Any for the whole internet.
func wantRemote(f *plan.Flow) []string {
	if slices.Contains(f.FromAddresses, "0.0.0.0/0") && slices.Contains(f.FromAddresses, "::/0") {
		return []string{"Any"}
	}
	return f.FromAddresses
}

const builtIn = "It leaves every other rule alone: it does not enable, disable or change Windows' built-in rules"

// TestWindowsScriptsHaveOneRulePerInboundFlow: every Windows machine of every example has a script, with
// exactly one rule per inbound flow from any zone, allowing the flow's source, protocol and ports.
func TestWindowsScriptsHaveOneRulePerInboundFlow(t *testing.T) {
	pinned := map[string][]string{
		"fabrikam-perimeter": {"cm01.corp.fabrikam.com", "cmfsp01", "cmibcm01", "cmmp01", "sql01.corp.fabrikam.com"},
		"woodgrove-cmg":      {"cm01.woodgrove.local", "cmcp01", "cmcp02", "cmmp01", "sql01.woodgrove.local"},
	}
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			files := emitFiles(t, p)
			ps := scripts(files)
			got := sortedKeys(ps)
			if want := windowsMachines(p); !reflect.DeepEqual(got, want) {
				t.Errorf("scripts for %v, want every site system, the site server and the database server %v", got, want)
			}
			if want, ok := pinned[name]; ok && !reflect.DeepEqual(got, want) {
				t.Errorf("scripts for %v, want %v", got, want)
			}
			group := "ibcmc " + p.Site.Code
			sameZone, crossing := 0, 0
			for _, f := range p.Flows {
				if plan.Windows(f.ToKind) {
					if _, ok := ps[f.To]; !ok {
						t.Errorf("flow %s reaches Windows machine %s, which has no script", f.ID, f.To)
					}
				}
			}
			for machine, content := range ps {
				path := "firewall/windows/" + machine + ".ps1"
				var want []*plan.Flow
				for _, f := range p.Flows {
					if f.To == machine && plan.Windows(f.ToKind) {
						want = append(want, f)
					}
				}
				rules := parseRules(t, content, group)
				if len(rules) != len(want) {
					var names []string
					for _, r := range rules {
						names = append(names, r["-Name"].values[0])
					}
					t.Errorf("%s has %d rules %v, want one per inbound flow (%d)", path, len(rules), names, len(want))
					continue
				}
				for i, r := range rules {
					f := want[i]
					checkRule(t, r, group)
					for param, v := range map[string][]string{
						"-Name":          {"ibcmc-" + p.Site.Code + "-" + f.ID},
						"-Protocol":      {strings.ToUpper(f.Protocol)},
						"-LocalPort":     strings.Split(plan.JoinPorts(f.Ports, ","), ","),
						"-RemoteAddress": wantRemote(f),
					} {
						if !reflect.DeepEqual(r[param].values, v) {
							t.Errorf("%s: rule of %s: %s = %q, want %q", path, f.ID, param, r[param].values, v)
						}
					}
					if f.Crosses() {
						crossing++
					} else {
						sameZone++
					}
				}
				for _, l := range []string{
					"Get-NetFirewallRule -Group '" + group + "' -ErrorAction SilentlyContinue | Remove-NetFirewallRule\n",
					"#Requires -RunAsAdministrator\n",
					builtIn,
				} {
					if !strings.Contains(content, l) {
						t.Errorf("%s lacks %q", path, l)
					}
				}
			}
			// Host firewalls need every inbound flow: fabrikam's have flows from their own zone and others.
			if name == "fabrikam-perimeter" && (sameZone == 0 || crossing == 0) {
				t.Errorf("%d rules for flows from the machine's own zone, %d from another zone; want both", sameZone, crossing)
			}
		})
	}
}

// findRule finds the rule of a script with this -RemoteAddress and a local port.
func findRule(rules []psRule, remote, port string) psRule {
	for _, r := range rules {
		if reflect.DeepEqual(r["-RemoteAddress"].values, []string{remote}) && slices.Contains(r["-LocalPort"].values, port) {
			return r
		}
	}
	return nil
}

func TestWindowsFabrikamRules(t *testing.T) {
	files := emitFiles(t, examplePlan(t, "fabrikam-perimeter"))
	ps := scripts(files)

	// The database server: the site server and both management points, from the intranet and the perimeter.
	sql := parseRules(t, ps["sql01.corp.fabrikam.com"], "ibcmc FAB")
	var remotes []string
	for _, r := range sql {
		if !reflect.DeepEqual(r["-LocalPort"].values, []string{"1433"}) || !reflect.DeepEqual(r["-Protocol"].values, []string{"TCP"}) {
			t.Errorf("sql01 rule %v is not TCP 1433", r["-Name"].values)
		}
		remotes = append(remotes, r["-RemoteAddress"].values...)
	}
	slices.Sort(remotes)
	if want := []string{"10.20.0.10", "10.20.0.11", "172.16.50.21"}; !reflect.DeepEqual(remotes, want) {
		t.Errorf("sql01 allows 1433 from %v, want %v (cm01, cmmp01, cmibcm01)", remotes, want)
	}
	if r := findRule(sql, "172.16.50.21", "1433"); r == nil ||
		!reflect.DeepEqual(r["-DisplayName"].values, []string{"ibcmc FAB: cmibcm01 to sql01.corp.fabrikam.com TCP 1433"}) ||
		!reflect.DeepEqual(r["-Name"].values, []string{"ibcmc-FAB-cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433"}) {
		t.Errorf("sql01 rule for cmibcm01: %v", r)
	}

	// An intranet site system: the site server installs it over SMB, in its own zone.
	mp := parseRules(t, ps["cmmp01"], "ibcmc FAB")
	if r := findRule(mp, "10.20.0.10", "445"); r == nil ||
		!reflect.DeepEqual(r["-LocalPort"].values, []string{"135", "445", "49152-65535"}) || !reflect.DeepEqual(r["-Protocol"].values, []string{"TCP"}) {
		t.Errorf("cmmp01 does not allow 445 from the site server: %v", r)
	}
	if r := findRule(mp, "10.20.0.0/16", "443"); r == nil {
		t.Errorf("cmmp01 does not allow intranet clients on 443")
	}

	// A published perimeter system: the site server and the proxy reach it, the internet does not.
	ibcm := parseRules(t, ps["cmibcm01"], "ibcmc FAB")
	if r := findRule(ibcm, "10.20.0.10", "445"); r == nil ||
		!reflect.DeepEqual(r["-Name"].values, []string{"ibcmc-FAB-cm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535"}) {
		t.Errorf("cmibcm01 site server rule: %v", r)
	}
	if r := findRule(ibcm, "172.16.50.10", "443"); r == nil {
		t.Errorf("cmibcm01 does not allow the publishing proxy edge on 443")
	}
	for _, r := range ibcm {
		if slices.Contains(r["-RemoteAddress"].values, "Any") {
			t.Errorf("cmibcm01 is published through edge but allows any address: %v", r["-Name"].values)
		}
	}

	// The site server itself has a script, and its database connection is not in it.
	cm := ps["cm01.corp.fabrikam.com"]
	if cm == "" || strings.Contains(cm, "tcp-1433") {
		t.Errorf("site server script:\n%s", cm)
	}
}

// TestWindowsDirectlyReachableSystemAllowsAny: a site system the internet reaches without a proxy allows
// any remote address on its client ports.
func TestWindowsDirectlyReachableSystemAllowsAny(t *testing.T) {
	ps := scripts(emitFiles(t, examplePlan(t, "contoso-ibcm")))
	rules := parseRules(t, ps["ibcm01"], "ibcmc P01")
	if r := findRule(rules, "Any", "443"); r == nil || !reflect.DeepEqual(r["-Name"].values, []string{"ibcmc-P01-any-to-ibcm01-tcp-443"}) {
		t.Errorf("ibcm01 does not allow the internet on 443: %v", r)
	}
}

func TestWindowsHostileValuesStayQuoted(t *testing.T) {
	p := hostilePlan()
	ps := scripts(emitFiles(t, p))
	if got, want := sortedKeys(ps), []string{"cm01.p01.test", "idle01", "mp01"}; !reflect.DeepEqual(got, want) {
		t.Errorf("scripts for %v, want %v", got, want)
	}
	script := ps["mp01"]
	rules := parseRules(t, script, "ibcmc P01")
	if len(rules) != 4 {
		t.Fatalf("%d rules, want 4 (the flow without an address is skipped):\n%s", len(rules), script)
	}
	for _, r := range rules {
		checkRule(t, r, "ibcmc P01")
	}
	desc := rules[0]["-Description"].values[0]
	if !strings.HasPrefix(desc, "=HYPERLINK(\"x\"),x\" accept } table ip evil") || strings.ContainsAny(desc, "\r\n\x00") {
		t.Errorf("description %q", desc)
	}
	for i, want := range [][]string{{"192.0.2.10", "2001:db8::10"}, {"192.0.2.0/25", "2001:db8::/48"}, {"Any"}, {"10.0.0.6"}} {
		if got := rules[i]["-RemoteAddress"].values; !reflect.DeepEqual(got, want) {
			t.Errorf("rule %d remote addresses %v, want %v", i, got, want)
		}
	}
	if got := rules[0]["-LocalPort"].values; !reflect.DeepEqual(got, []string{"443", "8530-8531"}) {
		t.Errorf("local ports %v", got)
	}
	if !strings.Contains(script, "# not created: the design gives no address for c and zone perimeter has no cidrs\n") {
		t.Errorf("the skipped flow is not explained:\n%s", script)
	}
	for _, machine := range []string{"idle01", "cm01.p01.test"} {
		s := ps[machine]
		if rules := parseRules(t, s, "ibcmc P01"); len(rules) != 0 || !strings.Contains(s, "Remove-NetFirewallRule") {
			t.Errorf("a machine without inbound flows still clears its group and creates nothing:\n%s", s)
		}
	}
}
