package report_test

import (
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// section returns the report's "## title" section, up to the next heading.
func section(t *testing.T, md, title string) string {
	t.Helper()
	start := strings.Index(md, "\n## "+title+"\n")
	if start < 0 {
		t.Fatalf("no section %q in:\n%s", title, md)
	}
	rest := md[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+3]
	}
	return rest
}

func TestClientInstallationContoso(t *testing.T) {
	got := section(t, reportOf(t, "contoso-ibcm"), "Client installation")
	want := "## Client installation\n\n" +
		"One command line per client population; `ccmsetup/<population>.cmd` explains each parameter and property and the design field it came from.\n\n" +
		"| Population | Method | Authentication | Command line |\n" +
		"|---|---|---|---|\n" +
		"| domain-laptops | manual from intranet | pki via ibcm | `ccmsetup.exe /UsePKICert /NoCRLCheck SMSSITECODE=P01 SMSMP=https://IBCM-Intra.contoso.local CCMHOSTNAME=IBCM-Internet.public.com` |\n"
	if got != want {
		t.Errorf("section\n got:\n%q\nwant:\n%q", got, want)
	}
}

// TestClientInstallationEveryPopulation: one row per population of every example, and a notes line for
// the token and Intune populations.
func TestClientInstallationEveryPopulation(t *testing.T) {
	for _, name := range examples {
		res := testdesign.Example(t, "../..", name)
		got := section(t, reportOf(t, name), "Client installation")
		for _, prof := range res.Plan.Installs {
			row := "| " + prof.Population + " | "
			if strings.Count(got, row) != 1 || !strings.Contains(got, " | `"+prof.CommandLine+"` |\n") {
				t.Errorf("%s: no single row for %s with its line:\n%s", name, prof.Population, got)
			}
		}
		if rows := strings.Count(got, "\n| ") - 1; rows != len(res.Plan.Clients) {
			t.Errorf("%s: %d rows for %d populations", name, rows, len(res.Plan.Clients))
		}
	}
	wg := section(t, reportOf(t, "woodgrove-cmg"), "Client installation")
	for _, line := range []string{
		"- cloud-laptops: Intune: add ccmsetup.msi as a Windows line-of-business app with the command-line arguments CCMSETUPCMD=\"...\" shown here; Intune accepts at most 1,024 characters (this line has 367).\n",
		"- lobby-kiosks: Create the bulk registration token on the top-level site server with BulkRegistrationTokenTool.exe /new \\[/lifetime &lt;minutes&gt;\\] (default 3 days, at most 7) and set IBCMC\\_BULK\\_TOKEN to it before running the line; the token is a credential and ibcmc never writes it.\n",
	} {
		if !strings.Contains(wg, line) {
			t.Errorf("woodgrove notes lack %q:\n%s", line, wg)
		}
	}
}

// TestClientInstallationHostile: a value with table and code-span syntax stays inside its cell, and a
// population ccmsetup cannot install gets a row that says so.
func TestClientInstallationHostile(t *testing.T) {
	res := testdesign.CompileOne(t, `package site

site: {code: "P01", server: "cm01.contoso.com", forest: "contoso.com"}
forests: "contoso.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: mp1: {fqdn: intranet: "mp1.contoso.com", forest: "contoso.com", roles: managementPoint: {}}
publishing: {}
clients: {
	macs: {platform: "macos", join: "workgroup", management: "intranetOnly", features: []}
	pcs: {
		join: "domain", forest: "contoso.com", management: "intranetOnly", features: []
		install: certificate: {select: "SubjectStr:a | b `+"`x`"+` <b> | evil | row |", firstCert: false}
	}
}
`)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	files, err := report.Emit(res.Plan, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	got := section(t, string(files[0].Content), "Client installation")
	wantRows := "| macs | manual from intranet | pki via ibcm | none: ccmsetup installs Windows clients, and this population's platform is macos |\n" +
		"| pcs | manual from intranet | pki via ibcm | ``ccmsetup.exe /UsePKICert SMSSITECODE=P01 CCMCERTSEL=\"SubjectStr:a \\| b `x` <b> \\| evil \\| row \\|\"`` |\n"
	if !strings.Contains(got, wantRows) {
		t.Errorf("rows\n got:\n%s\nwant:\n%s", got, wantRows)
	}
	if strings.Contains(got, "| evil |") {
		t.Errorf("a design value added a table row:\n%s", got)
	}
}
