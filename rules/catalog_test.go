package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/rules"
)

// TestCatalogCases runs every rules/testdata/IBnnn-*.txtar case. A case holds design files and a "want"
// section of lines "file:line:col severity CODE path"; the test compares, in order, the diagnostics whose
// code is the case's rule (from the file name) or IB000 (a case design must otherwise be valid). A case with
// an empty want is a close variant on which the rule must stay silent. An optional "messages" section pins
// the text of the case rule's diagnostics, in order: for each, a line "path: message" and, when it has a
// hint, a line "  hint: hint".
func TestCatalogCases(t *testing.T) {
	files, err := filepath.Glob("testdata/IB*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in testdata")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txtar")
		code := name[:5]
		t.Run(name, func(t *testing.T) {
			if rules.Lookup(code) == nil {
				t.Fatalf("case for unknown rule %s", code)
			}
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			designs := map[string]string{}
			want := ""
			var wantMsgs *string
			for _, af := range ar.Files {
				switch af.Name {
				case "want":
					want = string(af.Data)
				case "messages":
					m := string(af.Data)
					wantMsgs = &m
				default:
					designs[af.Name] = string(af.Data)
				}
			}
			res := testdesign.Compile(t, designs)
			var got []string
			for _, d := range res.Diagnostics {
				if d.Code == code || d.Code == "IB000" {
					got = append(got, fmt.Sprintf("%s %s %s %s", d.Pos, d.Severity, d.Code, d.Path))
				}
			}
			gotText := strings.Join(got, "\n")
			if strings.TrimSpace(want) != gotText {
				var msgs []string
				for _, d := range res.Diagnostics {
					msgs = append(msgs, fmt.Sprintf("  %s %s %s %s: %s", d.Pos, d.Severity, d.Code, d.Path, d.Message))
				}
				t.Errorf("diagnostics for %s:\n got:\n%s\n want:\n%s\nall diagnostics:\n%s", code, gotText, strings.TrimSpace(want), strings.Join(msgs, "\n"))
			}
			if wantMsgs != nil {
				var text []string
				for _, d := range res.Diagnostics {
					if d.Code != code {
						continue
					}
					text = append(text, d.Path+": "+d.Message)
					if d.Hint != "" {
						text = append(text, "  hint: "+d.Hint)
					}
				}
				if got, want := strings.Join(text, "\n"), strings.TrimSpace(*wantMsgs); got != want {
					t.Errorf("messages for %s:\n got:\n%s\n want:\n%s", code, got, want)
				}
			}
		})
	}
}

// TestEveryRuleHasCases requires a triggering case and a silent variant for every rule with a check.
func TestEveryRuleHasCases(t *testing.T) {
	for _, r := range rules.All() {
		if r.Check == nil {
			continue
		}
		trig, _ := filepath.Glob("testdata/" + r.Code + "-*.txtar")
		var fires, silent int
		for _, f := range trig {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ar := txtar.Parse(data)
			for _, af := range ar.Files {
				if af.Name == "want" {
					if strings.Contains(string(af.Data), r.Code) {
						fires++
					} else {
						silent++
					}
				}
			}
		}
		if fires == 0 || silent == 0 {
			t.Errorf("%s %s: %d triggering and %d silent cases; want at least one of each", r.Code, r.Name, fires, silent)
		}
	}
}

// TestCatalogMetadata checks what `ibcmc explain` relies on.
func TestCatalogMetadata(t *testing.T) {
	for _, r := range rules.All() {
		if len(r.Code) != 5 || !strings.HasPrefix(r.Code, "IB") {
			t.Errorf("bad code %q", r.Code)
		}
		if r.Name == "" || strings.ToLower(r.Name) != r.Name || strings.ContainsAny(r.Name, " _") {
			t.Errorf("%s: name %q is not kebab-case", r.Code, r.Name)
		}
		if r.Summary == "" || r.Explain == "" || r.Severities == "" {
			t.Errorf("%s: summary, explain, source and severities are required", r.Code)
		}
	}
}

// TestCatalogIsUnique requires codes and names to be unique and every severity column to be spelled the one
// way the catalog reads, and shows that the check behind it refuses tables that break those rules.
func TestCatalogIsUnique(t *testing.T) {
	if problems := rules.CheckCatalog(rules.All()); len(problems) > 0 {
		t.Errorf("catalog problems: %q", problems)
	}
	ok := func(code, name, sev string) *rules.Rule { return &rules.Rule{Code: code, Name: name, Severities: sev} }
	for _, c := range []struct {
		table []*rules.Rule
		want  []string
	}{
		{[]*rules.Rule{ok("IB900", "a", "E"), ok("IB901", "b", "W/E"), ok("IB902", "c", "I/W"), ok("IB903", "d", "—")}, nil},
		{[]*rules.Rule{ok("IB900", "a", "E"), ok("IB900", "b", "E")}, []string{"duplicate rule code IB900"}},
		{[]*rules.Rule{ok("IB900", "a", "E"), ok("IB901", "a", "E")}, []string{"duplicate rule name a"}},
		{[]*rules.Rule{ok("IB900", "a", "E/W"), ok("IB901", "b", "X"), ok("IB902", "c", "W/W"), ok("IB903", "d", "")}, []string{
			`IB900: severity column "E/W": want E, W or I, several joined by "/" lowest first (W/E), or — for a retired rule`,
			`IB901: severity column "X": want E, W or I, several joined by "/" lowest first (W/E), or — for a retired rule`,
			`IB902: severity column "W/W": want E, W or I, several joined by "/" lowest first (W/E), or — for a retired rule`,
			`IB903: severity column "": want E, W or I, several joined by "/" lowest first (W/E), or — for a retired rule`,
		}},
	} {
		if diff := cmp.Diff(c.want, rules.CheckCatalog(c.table)); diff != "" {
			t.Errorf("problems of %d rules (-want +got):\n%s", len(c.table), diff)
		}
	}
}

// TestSeverityColumn checks the one record of a rule's severities against what it reports: the severities
// of its findings across its cases must be exactly its column (a "W/E" rule needs a case of each), and the
// highest is the default level SARIF shows. IB000 has no cases here (the compiler's tests cover the schema),
// and retired rules have none.
func TestSeverityColumn(t *testing.T) {
	files, err := filepath.Glob("testdata/IB*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[diag.Severity]bool{}
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name != "want" {
				continue
			}
			for _, line := range strings.Split(strings.TrimSpace(string(af.Data)), "\n") {
				fields := strings.Fields(line) // file:line:col severity CODE path
				if len(fields) < 3 {
					continue
				}
				var sev diag.Severity
				if err := sev.UnmarshalText([]byte(fields[1])); err != nil {
					t.Fatalf("%s: want line %q: %v", f, line, err)
				}
				if seen[fields[2]] == nil {
					seen[fields[2]] = map[diag.Severity]bool{}
				}
				seen[fields[2]][sev] = true
			}
		}
	}
	for _, r := range rules.All() {
		var reported []diag.Severity
		for _, s := range []diag.Severity{diag.Info, diag.Warning, diag.Error} {
			if seen[r.Code][s] {
				reported = append(reported, s)
			}
		}
		if len(reported) == 0 && r.Check == nil {
			continue
		}
		if diff := cmp.Diff(r.Reports(), reported); diff != "" {
			t.Errorf("%s %s: severity column %q disagrees with its cases' findings (-column +cases):\n%s", r.Code, r.Name, r.Severities, diff)
		}
		if sevs := r.Reports(); len(sevs) > 0 && r.Severity() != sevs[len(sevs)-1] {
			t.Errorf("%s: Severity() = %s, want the highest of %q", r.Code, r.Severity(), r.Severities)
		}
	}
	if got := rules.Lookup("IB407"); got == nil || !got.Retired() || got.Reports() != nil {
		t.Errorf("IB407 is retired and reports nothing: %+v", got)
	}
}

// internalReference matches what users must never read: our seed and fact-sheet names, spec file names and
// paths outside the repository. Users get Microsoft Learn URLs instead.
var internalReference = regexp.MustCompile(`(?i)\bseed\b|\bfacts\s*(§|R-)|§\s*\d|\.\./shared|\b(design-language|rules|outputs|configmgr-facts|microsoft-docs-audit)\.md\b|\b00[0-9]_[0-9a-f]{16}\.txt\b|\bR-(IBCM|CMG|DEP|PRX|TOP)-\d`)

// TestCatalogCitesLearn requires every rule's source to be a Microsoft Learn URL (or empty for ibcmc's own
// checks, which no Microsoft page documents), and no text users read to cite an internal document.
func TestCatalogCitesLearn(t *testing.T) {
	for _, r := range rules.All() {
		if r.Source != "" && !strings.HasPrefix(r.Source, "https://learn.microsoft.com/") {
			t.Errorf("%s: source %q is not a Microsoft Learn URL", r.Code, r.Source)
		}
		for field, text := range map[string]string{"summary": r.Summary, "explain": r.Explain, "source": r.Source} {
			if m := internalReference.FindString(text); m != "" {
				t.Errorf("%s: %s cites an internal document (%q)", r.Code, field, m)
			}
		}
	}
	files, _ := filepath.Glob("testdata/IB*.txtar")
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "messages" {
				if m := internalReference.FindString(string(af.Data)); m != "" {
					t.Errorf("%s: a message or hint cites an internal document (%q)", f, m)
				}
			}
		}
	}
}

// TestEveryRulePinsItsText requires, for every rule with a check, a firing case whose "messages" section pins
// what users read (message and hint), not only the code and position.
func TestEveryRulePinsItsText(t *testing.T) {
	for _, r := range rules.All() {
		if r.Check == nil {
			continue
		}
		files, _ := filepath.Glob("testdata/" + r.Code + "-*.txtar")
		pinned := false
		for _, f := range files {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, af := range ar.Files {
				if af.Name == "messages" && strings.Contains(string(af.Data), ": ") {
					pinned = true
				}
			}
		}
		if !pinned {
			t.Errorf("%s %s: no case pins its message and hint (add a -- messages -- section to a firing case)", r.Code, r.Name)
		}
	}
}
