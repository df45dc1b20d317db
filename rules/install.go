package rules

import (
	"unicode/utf8"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// IntuneCommandLimit is the longest command line Intune accepts for a Windows line-of-business app.
const IntuneCommandLimit = 1024

func init() {
	register(&Rule{
		Code: "IB514", Name: "intune-command-too-long", Severity: diag.Error, Severities: "E",
		Summary: "an Intune-installed population's ccmsetup.msi CCMSETUPCMD=\"…\" line is longer than the 1,024 characters Intune accepts",
		Explain: `What: a population with install.method "intune" is installed by Intune as a Windows line-of-business app,
ccmsetup.msi with CCMSETUPCMD="<parameters and properties>". ibcmc counts the characters of the whole line it
writes (ccmsetup.msi CCMSETUPCMD="…", the form in ccmsetup/<population>.cmd and report.md) and reports it when it
exceeds 1,024. Counting the whole line rather than only the arguments field keeps a 13-character margin.
Why: Intune caps the command line at 1,024 characters; a longer one cannot be saved, or is cut, and the
client installs without the properties at its end (Entra ID application IDs, certificate issuers).
Fix: shorten what the line carries: Entra-joined clients since 1810 fetch AADCLIENTAPPID and AADRESOURCEURI
from the gateway, so a shorter tenant.serverAppURI helps; a long site.communication.trustedRoots list makes
CCMCERTISSUERS long (set install.certificate.issuers: false and rely on the list the site publishes);
shorten install.certificate.select; or install the population another way.`,
		Source: "facts §3.1 (ccmsetup.msi), spec/outputs.md (ccmsetup command lines)",
		Check:  checkIntuneCommandLength,
	})
	register(&Rule{
		Code: "IB515", Name: "unsafe-install-value", Severity: diag.Error, Severities: "E",
		Summary: "a value that goes into a ccmsetup command line cannot be written safely (quote, line break, trailing backslash, separator inside a root's subject)",
		Explain: `What: every design value on a ccmsetup command line (install.source, signingCert, certificate.select and
store, the CMG tenant values, the subjects of the trusted roots in CCMCERTISSUERS) is written into
ccmsetup/<population>.cmd and report.md. ibcmc quotes values that hold spaces or the cmd.exe characters
& | < > ^ ( ), and doubles % in the .cmd file so that it stays literal. A value it cannot carry unchanged is
refused with this error and left out of the line: a double quote (it would end the quoted value early), a
control character such as a line break (it would end the command and start another), a value that needs
quotes and ends with a backslash (the backslash would escape the closing quote), and a trusted root
subject with ";" or "|" inside an attribute value (CCMCERTISSUERS uses them to separate attributes and
roots).
Why: a design value must never add a command, a property or a line to a script an administrator runs
with administrative rights, and a line with a value silently rewritten would install the client wrongly.
Fix: remove the character from the value (for a folder, drop the trailing backslash; for a subject,
write the distinguished name without quotes around values, escaping commas inside a value as "\,").`,
		Source: "spec/outputs.md (ccmsetup command lines); engineering standard: design values are untrusted",
		Check:  checkUnsafeInstallValues,
	})
}

func checkIntuneCommandLength(p *plan.Plan, r *Reporter) {
	for _, prof := range p.Installs {
		if prof.Program != "ccmsetup.msi" {
			continue
		}
		if n := utf8.RuneCountInString(prof.CommandLine); n > IntuneCommandLimit {
			r.Error(plan.Join(prof.Path, "install", "method"),
				"shorten the values on the line (see ibcmc explain IB514) or install the population another way",
				"the Intune command line of population %s is %d characters; Intune accepts at most %d", prof.Population, n, IntuneCommandLimit)
		}
	}
}

func checkUnsafeInstallValues(p *plan.Plan, r *Reporter) {
	seen := map[string]bool{} // a trusted root's subject is reported once, not once per population
	for _, prof := range p.Installs {
		for _, x := range prof.Refused {
			if seen[x.Path+"\x00"+x.Reason] {
				continue
			}
			seen[x.Path+"\x00"+x.Reason] = true
			r.Error(x.Path, "remove the character from the value (see ibcmc explain IB515)",
				"cannot write the ccmsetup line of population %s: %s", prof.Population, x.Reason)
		}
	}
}
