package firewall

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

var examples = testdesign.Examples

var opts = emit.Options{ToolVersion: "test"}

const root = "../.."

func examplePlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	return testdesign.ExamplePlan(t, root, name)
}

func fabrikamSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "examples", "fabrikam-perimeter", "site.cue"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// fabrikamWith compiles the fabrikam-perimeter example with extra CUE appended (a firewalls section, say)
// and fails unless it compiles without errors.
func fabrikamWith(t *testing.T, extra string) *plan.Plan {
	t.Helper()
	res := testdesign.CompileOne(t, fabrikamSource(t)+"\n"+extra+"\n")
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		t.Fatalf("the variant does not compile: %v", res.Diagnostics)
	}
	return res.Plan
}

// emitFiles runs the emitter and checks what every file must satisfy: a safe path, written once, and the
// provenance first (a Markdown comment in README.md; flows.csv has no comments and starts with its header).
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
		if _, dup := out[strings.ToLower(f.Path)]; dup {
			t.Errorf("%s written twice", f.Path)
		}
		out[f.Path] = string(f.Content)
		switch {
		case f.Path == "firewall/flows.csv":
			if !strings.HasPrefix(out[f.Path], "id,from_zone,") {
				t.Errorf("flows.csv does not start with its header row: %.80q", out[f.Path])
			}
		case f.Path == "firewall/README.md":
			if !strings.HasPrefix(out[f.Path], emit.Provenance(emit.Markdown, p, opts)) {
				t.Errorf("%s does not start with the Markdown provenance comment", f.Path)
			}
		default:
			if !strings.HasPrefix(out[f.Path], emit.Provenance(emit.Hash, p, opts)) {
				t.Errorf("%s does not start with the provenance comment", f.Path)
			}
		}
	}
	for _, want := range []string{"firewall/README.md", "firewall/flows.csv"} {
		if _, ok := out[want]; !ok {
			t.Errorf("no %s", want)
		}
	}
	return out
}

// rulesets returns the nftables rulesets of the files by file name (internet-perimeter.nft).
func rulesets(files map[string]string) map[string]string {
	out := map[string]string{}
	for path, content := range files {
		if name, ok := strings.CutPrefix(path, "firewall/nftables/"); ok {
			out[name] = content
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// nftFirewalls are the plan's firewalls that get an nftables ruleset.
func nftFirewalls(p *plan.Plan) []*plan.Firewall {
	var out []*plan.Firewall
	for _, fw := range p.Firewalls {
		if fw.Product == "nftables" {
			out = append(out, fw)
		}
	}
	return out
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

// tableOf is the table a firewall's ruleset owns, for firewalls whose names do not collide once mapped.
func tableOf(p *plan.Plan, fw string) string {
	return "ibcmc_" + p.Site.Code + "_" + nonIdent.ReplaceAllString(fw, "_")
}

// chainRules returns the rules of a chain of a ruleset as written (trimmed), without comments, blank lines
// and the chain's type line.
func chainRules(content, chain string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(content, "\n") {
		switch {
		case l == "\tchain "+chain+" {":
			in = true
		case in && l == "\t}":
			return out
		case in:
			l = strings.TrimSpace(l)
			if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "type ") {
				out = append(out, l)
			}
		}
	}
	return out
}

// acceptRules returns the forward rules that accept a flow (not return traffic or the bypass mark).
func acceptRules(content string) []string {
	var out []string
	for _, r := range chainRules(content, "forward") {
		if strings.Contains(r, " ct state new accept comment ") {
			out = append(out, r)
		}
	}
	return out
}

// dropLines returns the forward rules that drop.
func dropLines(content string) []string {
	var out []string
	for _, r := range chainRules(content, "forward") {
		if strings.Contains(r, " drop comment ") {
			out = append(out, r)
		}
	}
	return out
}

// flowRules returns the accept rules of a flow, by its comment.
func flowRules(content, id string) []string {
	var out []string
	for _, r := range acceptRules(content) {
		if strings.HasSuffix(r, ` comment "`+id+`"`) {
			out = append(out, r)
		}
	}
	return out
}

// nftLine is every line a ruleset may have: comments, the table and chain structure, and rules that end in
// a verdict (or a translation) and a comment. A value that broke out of its comment or quotes would make
// a line that is none of these.
var nftLine = regexp.MustCompile(`^(?:` +
	`|\t*#[^\n]*` +
	`|table inet \w+ \{\}|delete table inet \w+|table inet \w+ \{|\}` +
	`|\tchain (?:forward|prerouting) \{|\t\}` +
	`|\t\ttype filter hook forward priority filter; policy accept;` +
	`|\t\ttype nat hook prerouting priority dstnat; policy accept;` +
	`|\t\t(?:ip|ip6|iifname|oifname|ct|meta) (?:[^"#]|"[^"]*")*? (?:accept|drop|dnat ip6? to [0-9a-f.:]+) comment "[^"]*"` +
	`)$`)

var tableLine = regexp.MustCompile(`(?m)^table inet (\w+) \{$`)

// checkNftStructure checks that every line of a ruleset is one nftLine may be, that it owns exactly one
// table (created, deleted and defined again, so that loading it replaces only that table), and that it
// never sets a drop policy: it must not cut the firewall's other traffic.
func checkNftStructure(t *testing.T, name, content string) (table string) {
	t.Helper()
	for i, l := range strings.Split(strings.TrimSuffix(content, "\n"), "\n") {
		if !nftLine.MatchString(l) {
			t.Errorf("%s:%d: unexpected line %q", name, i+1, l)
		}
	}
	m := tableLine.FindAllStringSubmatch(content, -1)
	if len(m) != 1 {
		t.Errorf("%s defines %d tables, want 1", name, len(m))
		return ""
	}
	table = m[0][1]
	if l := "table inet " + table + " {}\ndelete table inet " + table + "\ntable inet " + table + " {\n"; !strings.Contains(content, l) {
		t.Errorf("%s does not replace its table in one load (want %q)", name, l)
	}
	if strings.Contains(content, "policy drop") {
		t.Errorf("%s sets policy drop", name)
	}
	fwd := chainRules(content, "forward")
	if len(fwd) < 2 || fwd[0] != `ct state established,related accept comment "return traffic of accepted connections"` ||
		fwd[1] != `meta mark 0x1bc accept comment "allowed by the firewall's own rules"` {
		t.Errorf("%s: the forward chain does not start by accepting return traffic and the bypass mark: %q", name, fwd)
	}
	// Drops come after every accept, or they would drop flows.
	lastAccept, firstDrop := -1, len(fwd)
	for i, r := range fwd {
		if strings.Contains(r, " accept comment ") {
			lastAccept = i
		}
		if strings.Contains(r, " drop comment ") && i < firstDrop {
			firstDrop = i
		}
	}
	if firstDrop < lastAccept {
		t.Errorf("%s: a drop rule comes before an accept rule:\n%s", name, strings.Join(fwd, "\n"))
	}
	return table
}

// inNamespace runs a shell script in a new, unprivileged network namespace (never the host's firewall),
// with nft's path as $1 and args after it, and returns its output.
func inNamespace(t *testing.T, script string, args ...string) string {
	t.Helper()
	nft, unshare := testtool.Require(t, "nft"), testtool.Require(t, "unshare")
	out, err := exec.Command(unshare, append([]string{"-rn", "sh", "-c", script, "sh", nft}, args...)...).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "unshare failed") && os.Getenv("IBCMC_REQUIRE_TOOLS") != "1" {
			t.Skipf("user namespaces are not available: %s", out)
		}
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	return string(out)
}

// writeTemp writes content to a file named name in a new temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// loadNft checks a ruleset, loads it twice in a new network namespace and returns the resulting ruleset,
// which must be the same as after the first load.
func loadNft(t *testing.T, name, content string) string {
	t.Helper()
	out := inNamespace(t, `"$1" -c -f "$2" && "$1" -f "$2" && "$1" list ruleset && echo "== again" && "$1" -f "$2" && "$1" list ruleset`,
		writeTemp(t, name, content))
	once, twice, _ := strings.Cut(out, "== again\n")
	if once != twice {
		t.Errorf("%s: the ruleset after loading it twice differs from after loading it once:\n%s\nthen:\n%s", name, once, twice)
	}
	return twice
}

// listedTables are the "table inet x" lines of nft list ruleset/tables output, in order.
func listedTables(listed string) []string {
	var out []string
	for _, l := range strings.Split(listed, "\n") {
		if strings.HasPrefix(l, "table ") {
			out = append(out, strings.TrimSuffix(l, " {"))
		}
	}
	return out
}

// TestNftablesExamplesLoadAndReload: every example emits one ruleset per nftables firewall of its plan;
// each is well-formed, nft accepts it, loading it twice leaves exactly its one table, and it holds an
// accept rule for each flow that passes the firewall and none for any other flow.
func TestNftablesExamplesLoadAndReload(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			files := emitFiles(t, p)
			sets := rulesets(files)
			var want []string
			for _, fw := range nftFirewalls(p) {
				want = append(want, fw.Name+".nft")
			}
			slices.Sort(want)
			if got := sortedKeys(sets); len(got) == 0 || !reflect.DeepEqual(got, want) {
				t.Fatalf("rulesets %v, want one per nftables firewall %v", got, want)
			}
			for _, f := range p.Flows {
				if f.Crosses() != (len(f.Firewalls) > 0) {
					t.Errorf("flow %s (%s to %s) passes firewalls %v", f.ID, f.FromZone, f.ToZone, f.Firewalls)
				}
				for _, fw := range f.Firewalls {
					if p.FirewallNamed(fw) == nil {
						t.Errorf("flow %s passes firewall %q, which the plan does not have", f.ID, fw)
					}
				}
			}
			for _, fw := range nftFirewalls(p) {
				file := fw.Name + ".nft"
				content := sets[file]
				table := checkNftStructure(t, file, content)
				if want := tableOf(p, fw.Name); table != want {
					t.Errorf("%s owns table %s, want %s", file, table, want)
				}
				listed := loadNft(t, file, content)
				if got := listedTables(listed); !reflect.DeepEqual(got, []string{"table inet " + table}) {
					t.Errorf("%s: tables after two loads %q, want exactly table inet %s", file, got, table)
				}
				for _, f := range p.Flows {
					n := 0
					for _, l := range strings.Split(listed, "\n") {
						if strings.Contains(l, ` comment "`+f.ID+`"`) && strings.Contains(l, " accept ") {
							n++
						}
					}
					switch passes := slices.Contains(f.Firewalls, fw.Name); {
					case passes && (n < 1 || n > 2):
						t.Errorf("%s: flow %s has %d accept rules after reloading, want 1 (2 for two address families)", file, f.ID, n)
					case !passes && n != 0:
						t.Errorf("%s: flow %s (%s to %s) does not pass %s but has %d accept rules", file, f.ID, f.FromZone, f.ToZone, fw.Name, n)
					}
				}
			}
		})
	}
}

const adminTable = "table inet admin {\n\tchain f {\n\t\ttype filter hook forward priority 0; policy accept;\n\t\ttcp dport 9 drop\n\t}\n}\n"

// coexist loads an admin's own table, then every ruleset, then every ruleset again, all in one namespace,
// and checks that the tables are exactly the admin's and one per ruleset, and that the admin's rule is intact.
func coexist(t *testing.T, sets map[string]string, tables []string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{filepath.Join(dir, "admin.nft")}
	if err := os.WriteFile(args[0], []byte(adminTable), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range sortedKeys(sets) {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(sets[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
	}
	script := `nft="$1"; admin="$2"; shift 2
"$nft" -f "$admin" || exit 1
for f in "$@"; do "$nft" -c -f "$f" && "$nft" -f "$f" || exit 1; done
for f in "$@"; do "$nft" -f "$f" || exit 1; done
echo "== tables"; "$nft" list tables
echo "== admin"; "$nft" list table inet admin || echo "(no table inet admin)"`
	out := inNamespace(t, script, args...)
	listed, admin, _ := strings.Cut(out, "== admin\n")
	got := listedTables(listed)
	slices.Sort(got)
	want := []string{"table inet admin"}
	for _, tb := range tables {
		want = append(want, "table inet "+tb)
	}
	slices.Sort(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tables after loading and reloading every ruleset next to the admin's:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(admin, "\t\ttcp dport 9 drop\n") || !strings.Contains(admin, "policy accept;") {
		t.Errorf("the admin's table changed:\n%s", admin)
	}
}

// TestNftablesCoexistWithOtherTables: all rulesets of a site, and of every example site together, load into
// one firewall next to an admin's own table and reload without touching it or each other.
func TestNftablesCoexistWithOtherTables(t *testing.T) {
	all := map[string]string{}
	var allTables []string
	for _, name := range examples {
		p := examplePlan(t, name)
		sets := rulesets(emitFiles(t, p))
		var tables []string
		for _, fw := range nftFirewalls(p) {
			tables = append(tables, tableOf(p, fw.Name))
			all[p.Site.Code+"-"+fw.Name+".nft"] = sets[fw.Name+".nft"]
		}
		allTables = append(allTables, tables...)
		t.Run(name, func(t *testing.T) { coexist(t, sets, tables) })
	}
	t.Run("every-site", func(t *testing.T) {
		if len(allTables) != len(all) || len(all) < len(examples) {
			t.Fatalf("%d rulesets, %d tables", len(all), len(allTables))
		}
		coexist(t, all, allTables)
	})
}

// TestNftablesFabrikamRules pins the rules of fabrikam-perimeter's three derived firewalls.
func TestNftablesFabrikamRules(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	sets := rulesets(emitFiles(t, p))
	if got, want := sortedKeys(sets), []string{"internet-intranet.nft", "internet-perimeter.nft", "intranet-perimeter.nft"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rulesets %v, want %v", got, want)
	}
	const (
		// The internet zone is every address in no other zone; the perimeter includes edge's public address.
		internet  = `!= { 10.20.0.0/16, 172.16.50.0/24, 203.0.113.10 }`
		perimeter = `{ 172.16.50.0/24, 203.0.113.10 }`
	)
	accepts := map[string][]string{
		"internet-perimeter.nft": {
			// Published through edge: the proxy's inside and public addresses, since no firewall translates.
			`ip saddr ` + internet + ` ip daddr { 172.16.50.10, 203.0.113.10 } tcp dport 443 ct state new accept comment "any-to-edge-tcp-443"`,
			`ip saddr ` + internet + ` ip daddr { 172.16.50.10, 203.0.113.10 } tcp dport 80 ct state new accept comment "any-to-edge-tcp-80"`,
			`ip saddr ` + internet + ` ip daddr { 172.16.50.10, 203.0.113.10 } tcp dport 8531 ct state new accept comment "any-to-edge-tcp-8531"`,
			`ip saddr 172.16.50.21 ip daddr ` + internet + ` tcp dport 80 ct state new accept comment "cmibcm01-to-pki.fabrikam.com-tcp-80"`,
			`ip saddr 172.16.50.10 ip daddr ` + internet + ` tcp dport 80 ct state new accept comment "edge-to-pki.fabrikam.com-tcp-80"`,
			`ip saddr 172.16.50.21 ip daddr ` + internet + ` tcp dport { 80, 443 } ct state new accept comment "cmibcm01-to-microsoft-update-tcp-80_443"`,
		},
		"intranet-perimeter.nft": {
			`ip saddr 10.20.0.0/16 ip daddr 172.16.50.22 tcp dport 80 ct state new accept comment "intranet-clients-to-cmfsp01-tcp-80"`,
			`ip saddr 172.16.50.21 ip daddr 10.20.0.20 tcp dport 1433 ct state new accept comment "cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433"`,
			`ip saddr 10.20.0.10 ip daddr 172.16.50.21 tcp dport { 135, 445, 49152-65535 } ct state new accept comment "cm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535"`,
			`ip saddr 172.16.50.21 ip daddr 10.20.0.11 tcp dport 443 ct state new accept comment "cmibcm01-to-cmmp01-tcp-443"`,
			`ip saddr 172.16.50.21 ip daddr 10.20.0.5 tcp dport { 53, 88, 135, 389, 636, 3268, 49152-65535 } ct state new accept comment "cmibcm01-to-dc01.corp.fabrikam.com-tcp-53_88_135_389_636_3268_49152-65535"`,
		},
		"internet-intranet.nft": {
			`ip saddr 10.20.0.11 ip daddr ` + internet + ` tcp dport 80 ct state new accept comment "cmmp01-to-pki.fabrikam.com-tcp-80"`,
			`ip saddr 10.20.0.0/16 ip daddr ` + internet + ` tcp dport 80 ct state new accept comment "intranet-clients-to-pki.fabrikam.com-tcp-80"`,
		},
	}
	drops := map[string][]string{
		"internet-perimeter.nft": {
			`ip saddr ` + internet + ` ip daddr ` + perimeter + ` drop comment "internet to perimeter: no flow allows it"`,
			`ip saddr ` + perimeter + ` ip daddr ` + internet + ` drop comment "perimeter to internet: no flow allows it"`,
		},
		"intranet-perimeter.nft": {
			`ip saddr 10.20.0.0/16 ip daddr ` + perimeter + ` drop comment "intranet to perimeter: no flow allows it"`,
			`ip saddr ` + perimeter + ` ip daddr 10.20.0.0/16 drop comment "perimeter to intranet: no flow allows it"`,
		},
		"internet-intranet.nft": {
			`ip saddr ` + internet + ` ip daddr 10.20.0.0/16 drop comment "internet to intranet: no flow allows it"`,
			`ip saddr 10.20.0.0/16 ip daddr ` + internet + ` drop comment "intranet to internet: no flow allows it"`,
		},
	}
	for name, content := range sets {
		table := "ibcmc_FAB_" + strings.ReplaceAll(strings.TrimSuffix(name, ".nft"), "-", "_")
		if got := checkNftStructure(t, name, content); got != table {
			t.Errorf("%s owns table %s, want %s", name, got, table)
		}
		got := acceptRules(content)
		for _, r := range accepts[name] {
			if !slices.Contains(got, r) {
				t.Errorf("%s lacks the rule\n%s\nit has:\n%s", name, r, strings.Join(got, "\n"))
			}
		}
		if d := dropLines(content); !reflect.DeepEqual(d, drops[name]) {
			t.Errorf("%s drops:\n%s\nwant:\n%s", name, strings.Join(d, "\n"), strings.Join(drops[name], "\n"))
		}
		if strings.Contains(content, "chain prerouting") || strings.Contains(content, "dnat") {
			t.Errorf("%s translates addresses, but no firewall is declared with dnat", name)
		}
	}
	// cmibcm01 is published through edge: the internet reaches the proxy, never the site system itself.
	for _, r := range acceptRules(sets["internet-perimeter.nft"]) {
		if strings.Contains(r, "daddr 172.16.50.21") || strings.Contains(r, "daddr 172.16.50.22") {
			t.Errorf("the internet reaches a published site system directly: %s", r)
		}
	}
	// Flows inside one zone are for the hosts' firewalls only.
	for name, content := range sets {
		for _, id := range []string{"cm01.corp.fabrikam.com-to-sql01.corp.fabrikam.com-tcp-1433", "edge-to-cmibcm01-tcp-443", "any-to-pki.fabrikam.com-tcp-80"} {
			if r := flowRules(content, id); len(r) != 0 {
				t.Errorf("%s has a rule for the same-zone flow %s: %q", name, id, r)
			}
		}
	}
}

// edgeFirewall is fabrikam with one firewall between all three zones.
const edgeFirewall = `firewalls: "edge-fw": {interfaces: {internet: "eth0", perimeter: "eth1", intranet: "eth2"}, dnat: %s}`

// TestNftablesDeclaredFirewallWithDNAT: a declared three-legged firewall that translates the publishing
// entry's public address gets one ruleset matching its interfaces, with a prerouting chain, forward rules on
// the inside address only, and drops between every pair of its interfaces.
func TestNftablesDeclaredFirewallWithDNAT(t *testing.T) {
	p := fabrikamWith(t, strings.Replace(edgeFirewall, "%s", "true", 1))
	if len(p.Firewalls) != 1 || !p.Firewalls[0].Declared || !p.Firewalls[0].DNAT {
		t.Fatalf("firewalls %+v, want only the declared edge-fw", p.Firewalls)
	}
	for _, f := range p.Flows {
		if f.Crosses() && !reflect.DeepEqual(f.Firewalls, []string{"edge-fw"}) {
			t.Errorf("flow %s (%s to %s) passes %v, want [edge-fw]", f.ID, f.FromZone, f.ToZone, f.Firewalls)
		}
	}
	files := emitFiles(t, p)
	sets := rulesets(files)
	if got := sortedKeys(sets); !reflect.DeepEqual(got, []string{"edge-fw.nft"}) {
		t.Fatalf("rulesets %v, want [edge-fw.nft]", got)
	}
	content := sets["edge-fw.nft"]
	if table := checkNftStructure(t, "edge-fw.nft", content); table != "ibcmc_FAB_edge_fw" {
		t.Errorf("table %s, want ibcmc_FAB_edge_fw", table)
	}
	if !strings.Contains(content, "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n") {
		t.Errorf("no prerouting nat chain:\n%s", content)
	}
	wantDNAT := []string{
		`iifname "eth0" ip daddr 203.0.113.10 tcp dport 443 dnat ip to 172.16.50.10 comment "any-to-edge-tcp-443"`,
		`iifname "eth0" ip daddr 203.0.113.10 tcp dport 80 dnat ip to 172.16.50.10 comment "any-to-edge-tcp-80"`,
		`iifname "eth0" ip daddr 203.0.113.10 tcp dport 8530 dnat ip to 172.16.50.10 comment "any-to-edge-tcp-8530"`,
		`iifname "eth0" ip daddr 203.0.113.10 tcp dport 8531 dnat ip to 172.16.50.10 comment "any-to-edge-tcp-8531"`,
	}
	if got := chainRules(content, "prerouting"); !reflect.DeepEqual(got, wantDNAT) {
		t.Errorf("prerouting:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantDNAT, "\n"))
	}
	accepts := acceptRules(content)
	for _, r := range []string{
		// After translation the packet goes to the proxy's inside address.
		`iifname "eth0" oifname "eth1" ip daddr 172.16.50.10 tcp dport 443 ct state new accept comment "any-to-edge-tcp-443"`,
		`iifname "eth1" oifname "eth2" ip saddr 172.16.50.21 ip daddr 10.20.0.20 tcp dport 1433 ct state new accept comment "cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433"`,
		`iifname "eth2" oifname "eth1" ip saddr 10.20.0.0/16 ip daddr 172.16.50.22 tcp dport 80 ct state new accept comment "intranet-clients-to-cmfsp01-tcp-80"`,
		`iifname "eth1" oifname "eth0" ip saddr 172.16.50.21 tcp dport 80 ct state new accept comment "cmibcm01-to-pki.fabrikam.com-tcp-80"`,
	} {
		if !slices.Contains(accepts, r) {
			t.Errorf("edge-fw.nft lacks the rule\n%s\nit has:\n%s", r, strings.Join(accepts, "\n"))
		}
	}
	for _, r := range accepts {
		if strings.Contains(r, "203.0.113.10") {
			t.Errorf("a forward rule matches the public address, which the prerouting chain translated away: %s", r)
		}
		if !strings.HasPrefix(r, `iifname "eth`) || !strings.Contains(r, ` oifname "eth`) {
			t.Errorf("a forward rule does not match the interfaces: %s", r)
		}
	}
	wantDrops := []string{
		`iifname "eth0" oifname "eth2" drop comment "internet to intranet: no flow allows it"`,
		`iifname "eth0" oifname "eth1" drop comment "internet to perimeter: no flow allows it"`,
		`iifname "eth2" oifname "eth0" drop comment "intranet to internet: no flow allows it"`,
		`iifname "eth2" oifname "eth1" drop comment "intranet to perimeter: no flow allows it"`,
		`iifname "eth1" oifname "eth0" drop comment "perimeter to internet: no flow allows it"`,
		`iifname "eth1" oifname "eth2" drop comment "perimeter to intranet: no flow allows it"`,
	}
	if got := dropLines(content); !reflect.DeepEqual(got, wantDrops) {
		t.Errorf("drops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantDrops, "\n"))
	}
	listed := loadNft(t, "edge-fw.nft", content)
	if !strings.Contains(listed, `iifname "eth0" ip daddr 203.0.113.10 tcp dport 443 dnat ip to 172.16.50.10 comment "any-to-edge-tcp-443"`) ||
		!reflect.DeepEqual(listedTables(listed), []string{"table inet ibcmc_FAB_edge_fw"}) {
		t.Errorf("loaded ruleset:\n%s", listed)
	}
	readme := files["firewall/README.md"]
	if !strings.Contains(readme, "`nftables/edge-fw.nft`") || !strings.Contains(readme, "`nft -c -f edge-fw.nft && nft -f edge-fw.nft`") {
		t.Errorf("README.md does not explain edge-fw.nft:\n%s", readme)
	}
}

// TestNftablesDeclaredFirewallWithoutDNAT: without dnat, a declared firewall sees a published flow's packet
// before or after another device translated it, so it matches both the public and the inside address, and
// has no nat chain.
func TestNftablesDeclaredFirewallWithoutDNAT(t *testing.T) {
	p := fabrikamWith(t, strings.Replace(edgeFirewall, "%s", "false", 1))
	sets := rulesets(emitFiles(t, p))
	content, ok := sets["edge-fw.nft"]
	if !ok || len(sets) != 1 {
		t.Fatalf("rulesets %v, want [edge-fw.nft]", sortedKeys(sets))
	}
	checkNftStructure(t, "edge-fw.nft", content)
	if strings.Contains(content, "prerouting") || strings.Contains(content, "dnat") {
		t.Errorf("a firewall without dnat translates:\n%s", content)
	}
	want := `iifname "eth0" oifname "eth1" ip daddr { 172.16.50.10, 203.0.113.10 } tcp dport 443 ct state new accept comment "any-to-edge-tcp-443"`
	if got := flowRules(content, "any-to-edge-tcp-443"); !reflect.DeepEqual(got, []string{want}) {
		t.Errorf("rules of any-to-edge-tcp-443 %q, want %q", got, want)
	}
	loadNft(t, "edge-fw.nft", content)
}

// TestNftablesTwoLeggedDeclaredFirewall: a declared firewall between the internet and the perimeter only
// carries the flows between those two zones and drops only between them; the intranet's traffic is not its
// business.
func TestNftablesTwoLeggedDeclaredFirewall(t *testing.T) {
	p := fabrikamWith(t, `firewalls: outer: interfaces: {internet: "ext0", perimeter: "dmz0"}`)
	content, ok := rulesets(emitFiles(t, p))["outer.nft"]
	if !ok {
		t.Fatal("no outer.nft")
	}
	checkNftStructure(t, "outer.nft", content)
	for _, f := range p.Flows {
		n := len(flowRules(content, f.ID))
		between := f.Crosses() && (f.FromZone == "internet" || f.ToZone == "internet") && (f.FromZone == "perimeter" || f.ToZone == "perimeter")
		if between != (n > 0) {
			t.Errorf("flow %s (%s to %s) has %d rules in outer.nft", f.ID, f.FromZone, f.ToZone, n)
		}
	}
	want := []string{
		`iifname "ext0" oifname "dmz0" drop comment "internet to perimeter: no flow allows it"`,
		`iifname "dmz0" oifname "ext0" drop comment "perimeter to internet: no flow allows it"`,
	}
	if got := dropLines(content); !reflect.DeepEqual(got, want) {
		t.Errorf("drops %q, want %q", got, want)
	}
	loadNft(t, "outer.nft", content)
}

// TestNftablesSharedInterface: when two zones share an interface of a declared firewall, the interface does
// not tell them apart, so rules match addresses too: a flow from the internet must not also accept the
// intranet hosts behind the same interface, and the drops between the two zones go by address.
func TestNftablesSharedInterface(t *testing.T) {
	p := fabrikamWith(t, `firewalls: flat: interfaces: {internet: "eth0", intranet: "eth0", perimeter: "eth1"}`)
	content, ok := rulesets(emitFiles(t, p))["flat.nft"]
	if !ok {
		t.Fatal("no flat.nft")
	}
	checkNftStructure(t, "flat.nft", content)
	for _, f := range p.Flows {
		if !slices.Contains(f.Firewalls, "flat") || f.FromZone != "internet" {
			continue
		}
		rules := flowRules(content, f.ID)
		if len(rules) == 0 {
			t.Errorf("flow %s has no rule", f.ID)
		}
		for _, r := range rules {
			if !strings.Contains(r, " ip saddr != ") {
				t.Errorf("flow %s from the internet arrives on eth0, which the intranet shares, but its rule does not exclude the intranet's addresses, so it lets intranet hosts through as well:\n%s", f.ID, r)
			}
		}
	}
	drops := dropLines(content)
	for _, prefix := range []string{
		`iifname "eth0" oifname "eth1" ip saddr 10.20.0.0/16 ip daddr `,            // intranet to perimeter
		`iifname "eth0" oifname "eth0" ip saddr 10.20.0.0/16 ip daddr != `,         // intranet to internet
		`iifname "eth0" oifname "eth0" ip saddr != { 10.20.0.0/16, 172.16.50.0/24`, // internet to intranet
		`iifname "eth1" oifname "eth0" ip saddr `,                                  // perimeter to both
	} {
		found := false
		for _, d := range drops {
			found = found || strings.HasPrefix(d, prefix)
		}
		if !found {
			t.Errorf("flat.nft has no drop starting %s; it has:\n%s", prefix, strings.Join(drops, "\n"))
		}
	}
	for _, d := range drops {
		if strings.HasPrefix(d, `iifname "eth0" oifname "eth1" drop`) {
			t.Errorf("a drop by interface alone on the shared interface: %s", d)
		}
	}
	loadNft(t, "flat.nft", content)
}

// TestNftablesOtherProductGetsNoRuleset: a firewall of product "other" gets no ruleset; the flows still name
// it and the README says how to configure it.
func TestNftablesOtherProductGetsNoRuleset(t *testing.T) {
	p := fabrikamWith(t, `firewalls: asa: {product: "other", interfaces: {internet: "outside", perimeter: "dmz", intranet: "inside"}}`)
	files := emitFiles(t, p)
	if sets := rulesets(files); len(sets) != 0 {
		t.Errorf("rulesets %v for a firewall that is not nftables", sortedKeys(sets))
	}
	if !strings.Contains(files["firewall/README.md"], "firewall `asa` (product other): no ruleset") {
		t.Errorf("README.md does not say asa gets no ruleset:\n%s", files["firewall/README.md"])
	}
	recs := readCSV(t, files["firewall/flows.csv"])
	n := 0
	for _, r := range recs[1:] {
		if r[12] == "asa" {
			n++
		}
	}
	if n == 0 {
		t.Errorf("no flow of flows.csv passes asa")
	}
}

// TestDeclaredFirewallNamesAreSafeFileNames: a declared firewall's name becomes its ruleset's file name. A
// design the compiler accepts without errors must not make the emitter write a path outside
// firewall/nftables/ (the build then stops with an internal error); a name that cannot be a file name must
// be refused with a diagnostic, as the names of zones and systems are (IB215).
func TestDeclaredFirewallNamesAreSafeFileNames(t *testing.T) {
	for _, name := range []string{"edge fw", "../edge", "edge/fw", "CON"} {
		res := testdesign.CompileOne(t, fabrikamSource(t)+"\nfirewalls: "+strconv.Quote(name)+`: interfaces: {internet: "eth0", perimeter: "eth1"}`+"\n")
		if res.Plan == nil || res.Diagnostics.HasErrors(false) {
			continue // refused with a diagnostic
		}
		files, err := Emit(res.Plan, opts)
		if err != nil {
			continue
		}
		for _, f := range files {
			err := emit.CheckPath(f.Path)
			if err == nil && strings.HasPrefix(f.Path, "firewall/nftables/") && strings.Count(f.Path, "/") != 2 {
				err = errors.New("not directly in firewall/nftables/")
			}
			if err != nil || strings.EqualFold(f.Path, "firewall/nftables/CON.nft") {
				t.Errorf("firewall %q compiles without errors, but its ruleset is written to %q (%v)", name, f.Path, err)
			}
		}
	}
}

// TestNftablesTableNamesAreUnique: firewall names that spell the same table name get distinct tables, and
// their rulesets load side by side.
func TestNftablesTableNamesAreUnique(t *testing.T) {
	p := &plan.Plan{
		Sources: []string{"t.cue"},
		Site:    plan.Site{Code: "T01", Server: "cm01.t01.test", Database: plan.Database{Server: "cm01.t01.test"}},
		Zones: []*plan.Zone{
			{Name: "a", CIDRs: []string{"10.1.0.0/16"}}, {Name: "b", CIDRs: []string{"10.2.0.0/16"}},
		},
	}
	for _, name := range []string{"x-y", "x.y", "x_y", "x_y_2"} {
		p.Firewalls = append(p.Firewalls, &plan.Firewall{Name: name, Product: "nftables", Zones: []string{"a", "b"}})
	}
	p.Reindex()
	sets := rulesets(emitFiles(t, p))
	if len(sets) != 4 {
		t.Fatalf("rulesets %v", sortedKeys(sets))
	}
	var tables []string
	for name, content := range sets {
		tables = append(tables, checkNftStructure(t, name, content))
	}
	slices.Sort(tables)
	if u := slices.Compact(slices.Clone(tables)); len(u) != 4 {
		t.Errorf("tables %v are not distinct", tables)
	}
	coexist(t, sets, tables)
}

// TestNftablesNeverAnyToAny: a flow between two zones without addresses on a firewall that matches addresses
// would accept everything; it is left out, with the reason. On a firewall with interfaces the same flow is
// bounded by them and is written.
func TestNftablesNeverAnyToAny(t *testing.T) {
	flow := func() *plan.Flow {
		return &plan.Flow{ID: "a-to-b-tcp-80", FromZone: "lab", From: "a", FromKind: plan.PeerInternet, FromAddresses: []string{"0.0.0.0/0", "::/0"},
			ToZone: "dmz", To: "b", ToKind: plan.PeerCDP, ToAddresses: []string{"0.0.0.0/0", "::/0"},
			Protocol: "tcp", Ports: []plan.PortRange{{From: 80, To: 80}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x"}
	}
	zones := []*plan.Zone{{Name: "dmz"}, {Name: "lab"}}
	derived := &plan.Plan{Sources: []string{"t.cue"}, Site: plan.Site{Code: "T01", Server: "cm01.t01.test", Database: plan.Database{Server: "cm01.t01.test"}}, Zones: zones, Flows: []*plan.Flow{flow()},
		Firewalls: []*plan.Firewall{{Name: "dmz-lab", Product: "nftables", Zones: []string{"dmz", "lab"}}}}
	derived.Flows[0].Firewalls = []string{"dmz-lab"}
	content := rulesets(emitFiles(t, derived))["dmz-lab.nft"]
	checkNftStructure(t, "dmz-lab.nft", content)
	if got := acceptRules(content); len(got) != 0 {
		t.Errorf("rules for a flow from anywhere to anywhere: %q", got)
	}
	if !strings.Contains(content, "\t\t# not opened: it would match any source and any destination\n") {
		t.Errorf("the flow left out is not explained:\n%s", content)
	}
	loadNft(t, "dmz-lab.nft", content)

	declared := &plan.Plan{Sources: []string{"t.cue"}, Site: plan.Site{Code: "T01", Server: "cm01.t01.test", Database: plan.Database{Server: "cm01.t01.test"}}, Zones: zones, Flows: []*plan.Flow{flow()},
		Firewalls: []*plan.Firewall{{Name: "fw", Product: "nftables", Declared: true, Zones: []string{"dmz", "lab"},
			Interfaces: []plan.Interface{{Zone: "dmz", Name: "eth1"}, {Zone: "lab", Name: "eth0"}}}}}
	declared.Flows[0].Firewalls = []string{"fw"}
	content = rulesets(emitFiles(t, declared))["fw.nft"]
	checkNftStructure(t, "fw.nft", content)
	// One rule per address family the ends share; both are the whole space here, so the two are the same.
	want := `iifname "eth0" oifname "eth1" tcp dport 80 ct state new accept comment "a-to-b-tcp-80"`
	got := acceptRules(content)
	if len(got) == 0 || len(got) > 2 {
		t.Errorf("rules %q, want %q", got, want)
	}
	for _, r := range got {
		if r != want {
			t.Errorf("rule %q, want %q", r, want)
		}
	}
	loadNft(t, "fw.nft", content)
}

// TestNftablesNestedZones: a zone inside another zone's CIDR is excluded from the outer zone's matches, so
// a drop between the outer zone and another does not catch the inner zone's traffic.
func TestNftablesNestedZones(t *testing.T) {
	p := &plan.Plan{
		Sources: []string{"t.cue"}, Site: plan.Site{Code: "T01", Server: "cm01.t01.test", Database: plan.Database{Server: "cm01.t01.test"}},
		Zones: []*plan.Zone{
			{Name: "internet", Kind: "internet", CIDRs: []string{"0.0.0.0/0", "::/0"}},
			{Name: "intranet", Kind: "intranet", CIDRs: []string{"10.0.0.0/8", "fd00::/8"}},
			{Name: "lab", Kind: "intranet", CIDRs: []string{"10.9.0.0/16"}},
		},
		Firewalls: []*plan.Firewall{{Name: "intranet-lab", Product: "nftables", Zones: []string{"intranet", "lab"}}},
	}
	content := rulesets(emitFiles(t, p))["intranet-lab.nft"]
	checkNftStructure(t, "intranet-lab.nft", content)
	want := []string{
		`ip saddr 10.0.0.0/8 ip saddr != 10.9.0.0/16 ip daddr 10.9.0.0/16 drop comment "intranet to lab: no flow allows it"`,
		`ip saddr 10.9.0.0/16 ip daddr 10.0.0.0/8 ip daddr != 10.9.0.0/16 drop comment "lab to intranet: no flow allows it"`,
	}
	if got := dropLines(content); !reflect.DeepEqual(got, want) {
		t.Errorf("drops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	loadNft(t, "intranet-lab.nft", content)
}

// hostile is text that tries to break out of every format the emitter writes.
const hostile = "x\" accept\n}\ntable ip evil { chain c { type filter hook input priority 0; policy accept; } }\r\n#'; Remove-Item -Recurse C:\\ #\x00$(calc) `&|<>^%"

// hostilePlan has flows whose names and text try to break out of every format, on two derived firewalls.
func hostilePlan() *plan.Plan {
	p := &plan.Plan{
		Sources: []string{"hostile\n.cue -->"},
		Site:    plan.Site{Code: "P01", Server: "cm01.p01.test", Database: plan.Database{Server: "cm01.p01.test"}},
		Zones: []*plan.Zone{
			{Name: "internet", Kind: "internet", CIDRs: []string{"0.0.0.0/0", "::/0"}},
			{Name: "intranet", Kind: "intranet", CIDRs: []string{"10.0.0.0/8", "2001:db8:1::/48"}},
			{Name: "perimeter", Kind: "perimeter", CIDRs: []string{"192.0.2.0/24", "2001:db8::/48"}},
		},
		Systems: []*plan.System{{Name: "mp01", Zone: "intranet", Address: "10.0.0.5"}, {Name: "idle01", Zone: "intranet"}},
		Firewalls: []*plan.Firewall{
			{Name: "internet-intranet", Product: "nftables", Zones: []string{"internet", "intranet"}},
			{Name: "intranet-perimeter", Product: "nftables", Zones: []string{"intranet", "perimeter"}},
		},
		Flows: []*plan.Flow{
			{ID: "evil-1\" drop\n", FromZone: "perimeter", From: hostile, FromKind: plan.PeerProxy, FromAddresses: []string{"192.0.2.10", "2001:db8::10"},
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5", "2001:db8:1::5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 443, To: 443}, {From: 8530, To: 8531}},
				Purpose: "=HYPERLINK(\"x\")," + hostile, RequiredBy: []string{hostile, "role"}, Path: "x",
				Source: "https://learn.microsoft.com/x\"\r\n=cmd", Firewalls: []string{"intranet-perimeter"}},
			// Overlapping ranges would be a conflicting interval for nft; the /25 covers the /26, the /48 the /64.
			{ID: "evil-2", FromZone: "perimeter", From: "zone", FromKind: plan.PeerClients, FromAddresses: []string{"192.0.2.64/26", "192.0.2.0/25", "2001:db8::/64", "2001:db8::/48"},
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5", "2001:db8:1::5"},
				Protocol: "udp", Ports: []plan.PortRange{{From: 135, To: 135}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x",
				Firewalls: []string{"intranet-perimeter"}},
			// From the whole internet: every address in no other zone.
			{ID: "evil-3", FromZone: "internet", From: "any", FromKind: plan.PeerInternet, FromAddresses: []string{"0.0.0.0/0", "::/0"},
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5", "2001:db8:1::5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 443, To: 443}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x",
				Firewalls: []string{"internet-intranet"}},
			// No address: nothing to open.
			{ID: "evil-4", FromZone: "perimeter", From: "c", FromKind: plan.PeerSystem,
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 1433, To: 1433}}, Purpose: "p", RequiredBy: []string{"r"}, Path: "x",
				Firewalls: []string{"intranet-perimeter"}},
			// Inside one zone: the host firewall only.
			{ID: "evil-5", FromZone: "intranet", From: "idle01", FromKind: plan.PeerSystem, FromAddresses: []string{"10.0.0.6"},
				ToZone: "intranet", To: "mp01", ToKind: plan.PeerSystem, ToAddresses: []string{"10.0.0.5"},
				Protocol: "tcp", Ports: []plan.PortRange{{From: 445, To: 445}}, Purpose: hostile, RequiredBy: []string{"r"}, Path: "x"},
		},
	}
	p.Reindex()
	return p
}

func TestNftablesHostileValuesStayInsideTheirComment(t *testing.T) {
	sets := rulesets(emitFiles(t, hostilePlan()))
	if got := sortedKeys(sets); !reflect.DeepEqual(got, []string{"internet-intranet.nft", "intranet-perimeter.nft"}) {
		t.Fatalf("rulesets %v", got)
	}
	want := map[string][]string{
		"intranet-perimeter.nft": {
			`ip saddr 192.0.2.10 ip daddr 10.0.0.5 tcp dport { 443, 8530-8531 } ct state new accept comment "evil-1' drop "`,
			`ip6 saddr 2001:db8::10 ip6 daddr 2001:db8:1::5 tcp dport { 443, 8530-8531 } ct state new accept comment "evil-1' drop "`,
			`ip saddr 192.0.2.0/25 ip daddr 10.0.0.5 udp dport 135 ct state new accept comment "evil-2"`,
			`ip6 saddr 2001:db8::/48 ip6 daddr 2001:db8:1::5 udp dport 135 ct state new accept comment "evil-2"`,
		},
		"internet-intranet.nft": {
			`ip saddr != { 10.0.0.0/8, 192.0.2.0/24 } ip daddr 10.0.0.5 tcp dport 443 ct state new accept comment "evil-3"`,
			`ip6 saddr != { 2001:db8:1::/48, 2001:db8::/48 } ip6 daddr 2001:db8:1::5 tcp dport 443 ct state new accept comment "evil-3"`,
		},
	}
	for name, content := range sets {
		checkNftStructure(t, name, content)
		if got := acceptRules(content); !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s rules:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want[name], "\n"))
		}
		listed := loadNft(t, name, content)
		if strings.Contains(listed, "evil {") || len(listedTables(listed)) != 1 {
			t.Errorf("%s: a value added a table:\n%s", name, listed)
		}
	}
	if !strings.Contains(sets["intranet-perimeter.nft"], "\t\t# not opened: the design gives no address for c and zone perimeter has no cidrs\n") {
		t.Errorf("the flow without an address is not explained:\n%s", sets["intranet-perimeter.nft"])
	}
	for name, content := range sets {
		if strings.Contains(content, "evil-5") {
			t.Errorf("%s has the same-zone flow evil-5", name)
		}
	}
}

// TestEmitIsDeterministic: two builds of the same design give the same files in the same order, and
// emitting does not change the plan.
func TestEmitIsDeterministic(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			a, _ := Emit(p, opts)
			b, _ := Emit(examplePlan(t, name), opts)
			if len(a) != len(b) {
				t.Fatalf("%d files then %d", len(a), len(b))
			}
			for i := range a {
				if a[i].Path != b[i].Path || !bytes.Equal(a[i].Content, b[i].Content) {
					t.Errorf("%s differs between two runs", a[i].Path)
				}
			}
			fresh := examplePlan(t, name)
			if !reflect.DeepEqual(p.Flows, fresh.Flows) || !reflect.DeepEqual(p.Firewalls, fresh.Firewalls) {
				t.Errorf("Emit changed the plan's flows or firewalls")
			}
		})
	}
	h := hostilePlan()
	a, _ := Emit(h, opts)
	b, _ := Emit(h, opts)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the hostile plan emits differently twice")
	}
}
