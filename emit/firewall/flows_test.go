package firewall

import (
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

var header = []string{"id", "from_zone", "from", "from_address", "to_zone", "to", "to_address", "to_public_address",
	"protocol", "ports", "purpose", "required_by", "firewalls", "source"}

// readCSV checks that flows.csv is plain RFC 4180 CSV as Excel and Python read it: header row first, CRLF
// after every record and nowhere else, and every record as wide as the header; then returns its records.
func readCSV(t *testing.T, content string) [][]string {
	t.Helper()
	if first := strings.Join(header, ",") + "\r\n"; !strings.HasPrefix(content, first) {
		t.Errorf("flows.csv does not start with the header line %q: %.200q", first, content)
	}
	if !strings.HasSuffix(content, "\r\n") || strings.Count(content, "\n") != strings.Count(content, "\r\n") ||
		strings.Count(content, "\r") != strings.Count(content, "\r\n") {
		t.Errorf("flows.csv has a line that does not end in CRLF, or a stray CR or LF")
	}
	r := csv.NewReader(strings.NewReader(content)) // default options: FieldsPerRecord from the header
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("flows.csv is not valid CSV: %v", err)
	}
	if len(recs) == 0 || !reflect.DeepEqual(recs[0], header) {
		t.Fatalf("header %q, want %q", recs, header)
	}
	for i, rec := range recs {
		if len(rec) != len(header) {
			t.Errorf("record %d has %d fields", i, len(rec))
		}
	}
	if strings.Count(content, "\r\n") != len(recs) {
		t.Errorf("%d lines for %d records: a record spans lines", strings.Count(content, "\r\n"), len(recs))
	}
	return recs
}

// cell is what a spreadsheet-safe CSV holds for a value: a value a spreadsheet would run as a formula
// starts with an apostrophe.
func cell(s string) string {
	if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		return "'" + s
	}
	return s
}

// TestFlowsCSV: in every example, flows.csv has one row per flow in the plan's order, and every value
// reads back as the plan has it.
func TestFlowsCSV(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			recs := readCSV(t, emitFiles(t, p)["firewall/flows.csv"])
			if len(recs) != len(p.Flows)+1 {
				t.Fatalf("%d rows for %d flows", len(recs)-1, len(p.Flows))
			}
			for i, f := range p.Flows {
				want := []string{f.ID, f.FromZone, f.From, strings.Join(f.FromAddresses, " "), f.ToZone, f.To,
					strings.Join(f.ToAddresses, " "), strings.Join(f.ToPublic, " "), f.Protocol, plan.JoinPorts(f.Ports, " "),
					f.Purpose, strings.Join(f.RequiredBy, "; "), strings.Join(f.Firewalls, " "), f.Source}
				for j := range want {
					want[j] = cell(want[j])
				}
				if got := recs[i+1]; !reflect.DeepEqual(got, want) {
					t.Errorf("row %d:\n%q\nwant:\n%q", i+1, got, want)
				}
				if !strings.HasPrefix(f.Source, "https://learn.microsoft.com/") {
					t.Errorf("flow %s has source %q, want a Microsoft Learn page", f.ID, f.Source)
				}
			}
		})
	}
}

// TestFlowsCSVFabrikamRows pins rows of fabrikam-perimeter: a published flow with its inside and public
// address and firewall, a crossing flow with ports and requirements, and a flow inside one zone.
func TestFlowsCSVFabrikamRows(t *testing.T) {
	content := emitFiles(t, examplePlan(t, "fabrikam-perimeter"))["firewall/flows.csv"]
	recs := readCSV(t, content)
	byID := map[string][]string{}
	for _, r := range recs[1:] {
		byID[r[0]] = r
	}
	want := map[string][]string{
		"any-to-edge-tcp-443": {"any-to-edge-tcp-443", "internet", "any", "0.0.0.0/0 ::/0", "perimeter", "edge", "172.16.50.10", "203.0.113.10",
			"tcp", "443", "internet clients to HTTPS ibcm.fabrikam.com (distributionPoint, managementPoint) published by edge",
			"cmibcm01 distributionPoint; cmibcm01 managementPoint", "internet-perimeter", "https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports"},
		"cm01.corp.fabrikam.com-to-sql01.corp.fabrikam.com-tcp-1433": {"cm01.corp.fabrikam.com-to-sql01.corp.fabrikam.com-tcp-1433", "intranet",
			"cm01.corp.fabrikam.com", "10.20.0.10", "intranet", "sql01.corp.fabrikam.com", "10.20.0.20", "", "tcp", "1433",
			"site server to the site database (SQL Server)", "site server", "", "https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports"},
	}
	for id, w := range want {
		if !reflect.DeepEqual(byID[id], w) {
			t.Errorf("row %s:\n%q\nwant:\n%q", id, byID[id], w)
		}
	}
	raw := "\r\ncm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535,intranet,cm01.corp.fabrikam.com,10.20.0.10,perimeter,cmibcm01,172.16.50.21,,tcp,135 445 49152-65535," +
		"\"site server installs and configures site system roles (SMB 445, RPC endpoint mapper 135, dynamic RPC 49152-65535)\"," +
		"\"cmibcm01 distributionPoint; cmibcm01 managementPoint; cmibcm01 softwareUpdatePoint\",intranet-perimeter,https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports\r\n"
	if !strings.Contains(content, raw) {
		t.Errorf("flows.csv lacks the line\n%q", raw)
	}
}

func TestFlowsCSVHostileValues(t *testing.T) {
	h := hostilePlan()
	recs := readCSV(t, emitFiles(t, h)["firewall/flows.csv"])
	if len(recs) != len(h.Flows)+1 {
		t.Fatalf("hostile values changed the row count: %d rows for %d flows", len(recs)-1, len(h.Flows))
	}
	row := recs[1]
	if row[0] != `evil-1" drop ` || !strings.HasPrefix(row[10], "'=HYPERLINK(\"x\"),x\" accept } table ip evil") ||
		row[3] != "192.0.2.10 2001:db8::10" || row[12] != "intranet-perimeter" || row[13] != "https://learn.microsoft.com/x\"  =cmd" {
		t.Errorf("hostile row %q", row)
	}
	for _, r := range recs {
		for _, v := range r {
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Errorf("a line break or NUL reached a cell: %q", v)
			}
		}
	}
	if recs[5][12] != "" {
		t.Errorf("a flow inside one zone passes firewalls %q", recs[5][12])
	}
}

// TestReadme: firewall/README.md carries the provenance that flows.csv cannot, and explains every file and
// how to load it.
func TestReadme(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			files := emitFiles(t, p)
			readme := files["firewall/README.md"]
			if first, _, _ := strings.Cut(readme, "\n"); first+"\n" != emit.Provenance(emit.Markdown, p, opts) {
				t.Errorf("README.md first line %q, want the provenance", first)
			}
			for _, s := range []string{"`flows.csv`", "`windows/<machine>.ps1`", "https://learn.microsoft.com/"} {
				if !strings.Contains(readme, s) {
					t.Errorf("README.md does not mention %s", s)
				}
			}
			for file := range rulesets(files) {
				for _, s := range []string{"`nftables/" + file + "`", "`nft -c -f " + file + " && nft -f " + file + "`"} {
					if !strings.Contains(readme, s) {
						t.Errorf("README.md lacks %s", s)
					}
				}
			}
		})
	}
	h := hostilePlan()
	readme := emitFiles(t, h)["firewall/README.md"]
	first, _, _ := strings.Cut(readme, "\n")
	if strings.Count(first, "-->") != 1 || !strings.HasSuffix(first, " -->") || strings.Contains(readme, "\r") {
		t.Errorf("the design's name broke out of the provenance comment: %q", first)
	}
}
