package plan

import (
	"errors"
	"strings"
	"testing"
)

func TestInstallProfileLine(t *testing.T) {
	params := []Param{
		{Name: "/mp", Value: "mp1.contoso.com"},
		{Name: "/source", Value: `D:\My Client`},
		{Name: "/UsePKICert"},
		{Name: "/regtoken", Value: "%IBCMC_BULK_TOKEN%", EnvRef: true},
	}
	props := []Param{
		{Name: "SMSSITECODE", Value: "P01"},
		{Name: "CCMCERTSEL", Value: "SubjectStr:a&b"},
		{Name: "CCMCERTISSUERS", Value: "CN=Root; O=Contoso, Ltd | CN=Other"},
	}
	for _, tc := range []struct {
		method        InstallMethod
		program       string
		params, props []Param
		want          string
	}{
		{"manual", "ccmsetup.exe", params, props,
			`ccmsetup.exe /mp:mp1.contoso.com /source:"D:\My Client" /UsePKICert /regtoken:%IBCMC_BULK_TOKEN% SMSSITECODE=P01 CCMCERTSEL="SubjectStr:a&b" CCMCERTISSUERS="CN=Root; O=Contoso, Ltd | CN=Other"`},
		// Intune: one quoted Windows Installer property; the values' quotes are doubled inside it.
		{"intune", "ccmsetup.msi", params, props,
			`ccmsetup.msi CCMSETUPCMD="/mp:mp1.contoso.com /source:""D:\My Client"" /UsePKICert /regtoken:%IBCMC_BULK_TOKEN% SMSSITECODE=P01 CCMCERTSEL=""SubjectStr:a&b"" CCMCERTISSUERS=""CN=Root; O=Contoso, Ltd | CN=Other"""`},
		// Group Policy provisions the arguments: no program.
		{InstallGPO, "CCMSetup.msi", params[2:3], props[:1], `/UsePKICert SMSSITECODE=P01`},
		{InstallSoftwareUpdate, "ccmsetup.exe", nil, props[:1], `SMSSITECODE=P01`},
		{"manual", "ccmsetup.exe", nil, nil, `ccmsetup.exe`},
	} {
		prof := &InstallProfile{Method: tc.method, Program: tc.program, Params: tc.params, Properties: tc.props}
		got, err := prof.Line(CanonicalValue)
		if err != nil || got != tc.want {
			t.Errorf("%s line\n got: %s (%v)\nwant: %s", tc.method, got, err, tc.want)
		}
	}
}

// The consumer's value writer decides each value and its refusal; Line names the argument that failed.
func TestInstallProfileLineWriterAndErrors(t *testing.T) {
	prof := &InstallProfile{Method: "manual", Program: "ccmsetup.exe",
		Params: []Param{{Name: "/UsePKICert"}}, Properties: []Param{{Name: "SMSSITECODE", Value: "P01"}, {Name: "FSP", Value: "bad"}}}
	lower := func(x Param, nested bool) (string, error) {
		if x.Value == "bad" {
			return "", errors.New("refused")
		}
		return strings.ToLower(x.Value), nil
	}
	if _, err := prof.Line(lower); err == nil || err.Error() != "FSP: refused" {
		t.Errorf("error %v, want FSP: refused", err)
	}
	prof.Properties = prof.Properties[:1]
	if got, err := prof.Line(lower); err != nil || got != "ccmsetup.exe /UsePKICert SMSSITECODE=p01" {
		t.Errorf("line %q (%v)", got, err)
	}
}
