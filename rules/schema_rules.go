package rules

import (
	"regexp"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// Rules IB000 (reported by the compiler from the CUE evaluation) and IB215 (names that become file names).
var schemaRules = []*Rule{
	{
		Code: "IB000", Name: "schema", Severities: "E",
		Summary: "the design does not satisfy #Design (syntax, type, unknown field, enumeration, range, malformed name or address, conflicting values)",
		Explain: `What: the design is checked against the embedded CUE schema (` + "`ibcmc schema`" + ` prints it). A syntax
error, a wrong type, a field the schema does not know (a typo such as distributionPiont), a value outside
its enumeration or range, a malformed FQDN, IP address, CIDR or URL, or two files giving one field
different values all fail here, with the position CUE reports.
Why: every later check and every artifact relies on a well-formed design; a typo that silently dropped a
role would produce configs that look right and are not.
Fix: correct the value at the reported position. Unknown fields are usually misspellings of a field that
` + "`ibcmc schema`" + ` lists. A system must also name at least one of fqdn.intranet and fqdn.internet.`,
		Source: "",
	},
	{
		Code: "IB215", Name: "unsafe-name", Severities: "E",
		Summary: "a zone, system, publishing, client population, gateway or firewall name cannot be used as a file name",
		Explain: `What: names of zones, systems, publishing entries, client populations, gateways and firewalls become
file names (firewall/windows/<system>.ps1, ccmsetup/<population>.cmd, proxy/<name>/...,
firewall/nftables/<firewall>.nft). They must be 1-64 characters
of letters, digits, '.', '_' and '-', start with a letter or digit, not end with '.', and not be a
reserved Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension).
Why: a name such as "../../etc/x" or "C:\\x" must never write outside the output directory, and a name
such as "CON" produces a file Windows cannot open. ibcmc refuses such names rather than silently
renaming them, so that the file a reviewer reads is the name the design wrote.
Fix: rename the entry.`,
		Source: "",
		Check:  checkUnsafeNames,
	},
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

var reservedDevice = regexp.MustCompile(`(?i)^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$`)

// SafeFileName reports whether a design name may be used as a file name as-is.
func SafeFileName(name string) bool {
	return safeName.MatchString(name) && !strings.HasSuffix(name, ".") && !reservedDevice.MatchString(name)
}

func checkUnsafeNames(p *plan.Plan, r *Reporter) {
	check := func(kind, name, path string) {
		if !SafeFileName(name) {
			r.Error(path, "rename it to letters, digits, '.', '_' and '-' (at most 64 characters)",
				"%s name %q cannot be used as a file name", kind, name)
		}
	}
	for _, z := range p.Zones {
		check("zone", z.Name, z.Path)
	}
	for _, s := range p.Systems {
		check("system", s.Name, s.Path)
	}
	for _, x := range p.Publishing {
		check("publishing entry", x.Name, x.Path)
	}
	for _, c := range p.Clients {
		check("client population", c.Name, c.Path)
	}
	for _, g := range p.CMGs {
		check("gateway", g.Name, g.Path)
	}
	for _, fw := range p.Firewalls {
		if fw.Declared { // firewall/nftables/<name>.nft
			check("firewall", fw.Name, fw.Path)
		}
	}
}
