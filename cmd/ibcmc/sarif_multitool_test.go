package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testtool"
)

// multitoolConfig turns off SARIF2006, which fetches every helpUri over HTTP: a note-level check that
// only makes the test slow, and flaky offline.
const multitoolConfig = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" />
  </Properties>
</Properties>
`

// TestSARIFMultitoolGitHubRules validates, with Microsoft's SARIF Multitool and its GitHub rule set (as
// GitHub code scanning ingests SARIF), the `vet --format sarif` output of every example, of a design whose
// findings are waived (suppressions) and of a design outside the repository (absolute file URIs): no error
// and no warning. A control log with the rule help removed must fail, so a tool that checks nothing cannot
// pass. .ci/install-sarif-multitool.sh installs the tool; without it the test skips, or fails under
// IBCMC_REQUIRE_TOOLS=1.
func TestSARIFMultitoolGitHubRules(t *testing.T) {
	tool := os.Getenv("IBCMC_SARIF_MULTITOOL")
	if tool == "" {
		tool = testtool.Require(t, "sarif-multitool")
	}
	designs := map[string]string{}
	for _, name := range exampleNames {
		designs[name] = "examples/" + name + "/site.cue"
	}
	designs["homelab-waived-outside-repository"] = homelabWithWaivers(t, t.TempDir(), map[string]bool{"IB403": true, "IB216": true}, "")
	dir := t.TempDir()
	args := []string{"validate", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning", "--config", filepath.Join(dir, "config.xml"), "--output", filepath.Join(dir, "validation.sarif")}
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(multitoolConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, design := range designs {
		_, out, errb := run(t, "vet", "--format", "sarif", design)
		var log map[string]any
		if err := json.Unmarshal([]byte(out), &log); err != nil {
			t.Fatalf("%s: no SARIF: %v\n%s", name, err, errb)
		}
		in := filepath.Join(dir, name+".sarif")
		if err := os.WriteFile(in, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, in)
		if name == "homelab" {
			rule := log["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[0].(map[string]any)
			delete(rule, "help")
			control, _ := json.Marshal(log)
			in := filepath.Join(dir, "control.sarif")
			if err := os.WriteFile(in, control, 0o644); err != nil {
				t.Fatal(err)
			}
			args = append(args, in)
		}
	}
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, b)
	}
	data, err := os.ReadFile(filepath.Join(dir, "validation.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID  string
				Level   string
				Message struct {
					ID        string
					Arguments []string
				}
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("validation log: %v\n%s", err, data)
	}
	control := 0
	for _, r := range log.Runs[0].Results {
		file := ""
		if len(r.Locations) > 0 {
			file = filepath.Base(r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
		if file == "control.sarif" {
			if r.RuleID == "GH2012" && r.Message.ID == "Error_MissingHelp" {
				control++
			}
			continue
		}
		if r.Level != "note" && r.Level != "none" {
			t.Errorf("%s: %s %s: %s %s", file, r.Level, r.RuleID, r.Message.ID, strings.Join(r.Message.Arguments, " "))
		}
	}
	if control != 1 {
		t.Errorf("the control log without help on its first rule got %d GH2012 Error_MissingHelp results, want 1: the tool is not checking", control)
	}
}
