package plan

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/internal/escape"
)

// GroupPolicyArgumentsLimit is the longest value the CCMSetup setting of ConfigMgrInstallation.adm accepts
// as Microsoft ships the template (its MAXLEN).
const GroupPolicyArgumentsLimit = 255

// EntraTenantGateway is the cloud management gateway whose tenant carries the site's Entra ID onboarding
// for an auth "entra" population: for a via "cmg" population, its gateway; for a via "ibcm" population, the
// gateway it names, or else the first gateway (by name) with a tenant. nil when there is none.
func (p *Plan) EntraTenantGateway(c *Population) *CMG {
	if c.Via == ViaCMG || c.CMG != "" {
		return p.DefaultCMG(c)
	}
	for _, g := range p.CMGs {
		if g.Tenant != nil {
			return g
		}
	}
	return nil
}

// Separator is what joins an argument's name and value: ":" for a parameter (/mp:…), "=" for a property.
func (x Param) Separator() string {
	if strings.HasPrefix(x.Name, "/") {
		return ":"
	}
	return "="
}

// ValueWriter writes one argument's value for the consumer of a ccmsetup line. nested is true inside the
// outer quotes of ccmsetup.msi CCMSETUPCMD="…", where Windows Installer reads a doubled quote as one.
type ValueWriter func(x Param, nested bool) (string, error)

// Line renders the profile's ccmsetup line, the one shape every artifact shows: the program, then the
// parameters, then the properties, each /Flag, /name:value or NAME=value, joined by spaces. For Group
// Policy methods it is the arguments alone (the value of the ConfigMgrInstallation.adm setting, not a line
// anyone runs); for Intune it is ccmsetup.msi CCMSETUPCMD="…" with the arguments inside the quotes. value
// writes each value: CanonicalValue for the plan's CommandLine, the .cmd emitter's escaping for a batch
// file; its error, with the argument's name, is Line's.
func (prof *InstallProfile) Line(value ValueWriter) (string, error) {
	nested := prof.Program == "ccmsetup.msi"
	args := make([]string, 0, len(prof.Params)+len(prof.Properties))
	for _, list := range [][]Param{prof.Params, prof.Properties} {
		for _, x := range list {
			if x.Flag() {
				args = append(args, x.Name)
				continue
			}
			v, err := value(x, nested)
			if err != nil {
				return "", fmt.Errorf("%s: %w", x.Name, err)
			}
			args = append(args, x.Name+x.Separator()+v)
		}
	}
	inner := strings.Join(args, " ")
	switch {
	case GroupPolicyArguments(prof.Method):
		return inner, nil
	case nested:
		return `ccmsetup.msi CCMSETUPCMD="` + inner + `"`, nil
	case inner == "":
		return prof.Program, nil
	}
	return prof.Program + " " + inner, nil
}

// CanonicalValue writes a value as a person types it at a command prompt: in double quotes when it holds
// whitespace or a cmd.exe metacharacter (doubled inside CCMSETUPCMD="…"), a %VARIABLE% reference as it
// is. It never fails: the install derivation has already left out values that cannot be written (IB515).
func CanonicalValue(x Param, nested bool) (string, error) {
	if x.EnvRef || !strings.ContainsAny(x.Value, escape.CmdQuoteTrigger) {
		return x.Value, nil
	}
	q := `"`
	if nested {
		q = `""`
	}
	return q + x.Value + q, nil
}
