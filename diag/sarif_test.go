package diag

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The parts of a result GitHub code scanning reads: level, message, root-relative location, fingerprint,
// and for a waived finding an accepted in-source suppression with the reason.
func TestWriteSARIFResults(t *testing.T) {
	l := List{sample[0], sample[1], {Code: "IB216", Name: "x", Severity: Warning, Message: "m", Path: "systems.a",
		Pos: Pos{File: filepath.FromSlash("/elsewhere/site.cue"), Line: 3, Column: 1}}}
	var b bytes.Buffer
	err := WriteSARIF(&b, l, SARIFOptions{
		ToolVersion: "1.2.3", InformationURI: "https://example.com/ibcmc",
		Rules: []RuleInfo{{Code: "IB403", Name: "port-forwarding", Summary: "port forwarding", Full: "What it checks", Help: "help text", HelpMD: "**help**", HelpURI: "https://learn.microsoft.com/x", Severity: Warning},
			{Code: "IB702", Name: "distribution-point-load", Summary: "load", Severity: Warning}},
		Files: &FileNames{Root: filepath.FromSlash("/repo"), Cwd: filepath.FromSlash("/repo")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["semanticVersion"] != "1.2.3" || driver["informationUri"] != "https://example.com/ibcmc" {
		t.Errorf("driver: %v", driver)
	}
	rules := driver["rules"].([]any)
	wantRule := map[string]any{
		"id": "IB403", "name": "port-forwarding",
		"shortDescription":     map[string]any{"text": "port forwarding."},
		"fullDescription":      map[string]any{"text": "What it checks."},
		"help":                 map[string]any{"text": "help text", "markdown": "**help**"},
		"helpUri":              "https://learn.microsoft.com/x",
		"defaultConfiguration": map[string]any{"level": "warning"},
	}
	if d := cmp.Diff(wantRule, rules[0]); d != "" {
		t.Errorf("rule (-want +got):\n%s", d)
	}
	// Without a paragraph of its own the full description repeats the summary; help is never empty.
	if r := rules[1].(map[string]any); r["fullDescription"].(map[string]any)["text"] != "load." || r["help"].(map[string]any)["text"] != "load" {
		t.Errorf("rule without explain text: %v", r)
	}
	results := run["results"].([]any)
	want := []any{
		map[string]any{
			"ruleId": "IB702", "ruleIndex": 1.0, "level": "warning",
			"message": map[string]any{"text": Text(sample[0])},
			"locations": []any{map[string]any{
				"physicalLocation": map[string]any{
					"artifactLocation": map[string]any{"uri": "designs/a,b:c.cue", "uriBaseId": "%SRCROOT%"},
					"region":           map[string]any{"startLine": 64.0, "startColumn": 4.0},
				},
				"logicalLocations": []any{map[string]any{"fullyQualifiedName": "systems.dp1.roles.distributionPoint"}},
			}},
			"partialFingerprints": map[string]any{FingerprintKey: Fingerprint(sample[0])},
		},
		map[string]any{
			"ruleId": "IB403", "ruleIndex": 0.0, "level": "error",
			"message": map[string]any{"text": "100% of traffic forwarded."},
			"locations": []any{map[string]any{
				"physicalLocation": map[string]any{
					"artifactLocation": map[string]any{"uri": "designs/site.cue", "uriBaseId": "%SRCROOT%"},
					"region":           map[string]any{"startLine": 36.0, "startColumn": 2.0},
				},
				"logicalLocations": []any{map[string]any{"fullyQualifiedName": "publishing.router.mode"}},
			}},
			"partialFingerprints": map[string]any{FingerprintKey: Fingerprint(sample[1])},
			"suppressions": []any{map[string]any{"kind": "inSource", "status": "accepted",
				"justification": "lab only (waivers[0], until 2027-06-30)"}},
		},
		map[string]any{
			"ruleId": "IB216", "level": "warning",
			"message": map[string]any{"text": "m."},
			"locations": []any{map[string]any{
				"physicalLocation": map[string]any{
					"artifactLocation": map[string]any{"uri": "file:///elsewhere/site.cue"},
					"region":           map[string]any{"startLine": 3.0, "startColumn": 1.0},
				},
				"logicalLocations": []any{map[string]any{"fullyQualifiedName": "systems.a"}},
			}},
			"partialFingerprints": map[string]any{FingerprintKey: Fingerprint(l[2])},
		},
	}
	if d := cmp.Diff(want, results); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
}

// The fingerprint follows the finding (code and design path), not its wording or line.
func TestFingerprint(t *testing.T) {
	a := Diagnostic{Code: "IB403", Path: "publishing.router.mode", Message: "one", Pos: Pos{File: "a.cue", Line: 1}}
	b := Diagnostic{Code: "IB403", Path: "publishing.router.mode", Message: "reworded", Pos: Pos{File: "a.cue", Line: 9}}
	c := Diagnostic{Code: "IB403", Path: "publishing.edge.mode"}
	d := Diagnostic{Code: "IB404", Path: "publishing.router.mode"}
	if Fingerprint(a) != Fingerprint(b) || Fingerprint(a) == Fingerprint(c) || Fingerprint(a) == Fingerprint(d) {
		t.Errorf("fingerprints: %s %s %s %s", Fingerprint(a), Fingerprint(b), Fingerprint(c), Fingerprint(d))
	}
	if got := Fingerprint(a); got != "185d69341eaab83d3b290c6ecb5942d8" {
		t.Errorf("fingerprint changed (GitHub would open new alerts for every finding): %s", got)
	}
}
