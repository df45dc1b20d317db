package rules

import (
	"time"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// IB001: the design's waivers. They are applied by Run once every other rule has reported, since a waiver
// is judged by the findings it matches; so IB001 has no Check of its own.

var staleWaiver = &Rule{
	Code: "IB001", Name: "stale-waiver", Severities: "W",
	Summary: "a waiver of the design has expired, accepts no finding, or names a rule whose findings cannot be waived",
	Explain: `What: an entry of waivers that accepts nothing: its expires day has passed (compared with
today's date in UTC) or is not a calendar day; no finding of its code lies at its path or below it; or
its code is one whose findings cannot be waived. A waiver accepts the findings of one rule at one place
of the design: they stay in every output (the report, JSON, SARIF as suppressed results), marked waived
with the reason, but no longer count as errors or warnings for the exit status and --strict.
Why: a waiver is a decision someone made for a reason and for a time. An expired waiver no longer applies,
so its findings count again; a waiver that accepts nothing is left over from a finding that is gone, or
names the wrong code or path, and would silently accept a new finding at that place later.
Fix: for an expired waiver, fix the finding, or review the reason and set a later expires day. For a
waiver that matches nothing, remove it, or correct its code and path: they are the code and path ibcmc
prints with the finding (a path above it accepts every finding of the code below it).
Reading: findings that mean the artifacts would be wrong or unsafe cannot be waived: schema errors
(IB000), unknown references (IB211), invalid or duplicate names (IB212), unsafe names and install values
(IB215, IB515), and IB001 itself.`,
	Source: "",
}

var waiverRules = []*Rule{staleWaiver}

// today is the date expiries are compared with; tests replace it.
var today = func() time.Time { return time.Now().UTC() }

// unwaivable are the rules a waiver cannot accept, with why: their findings mean the artifacts would be
// wrong or unsafe, whatever a reviewer decides (the others state Microsoft's support and recommendations,
// which a design may knowingly depart from).
var unwaivable = map[string]string{
	"IB000": "the design does not fit the design language, so nothing is built from it",
	"IB001": "a stale waiver is fixed in the waivers themselves",
	"IB211": "a name that refers to nothing drops flows, certificates and install properties",
	"IB212": "an invalid or duplicate name lands in certificates, proxy configs and install lines",
	"IB215": "the name would be unsafe in the generated files",
	"IB515": "the value would be unsafe in the generated install command lines",
}

// applyWaivers marks the findings the design's waivers accept and reports the waivers that have expired or
// accept nothing.
func applyWaivers(p *plan.Plan, l diag.List) diag.List {
	if len(p.Waivers) == 0 {
		return l
	}
	rep := &Reporter{rule: staleWaiver}
	day := today().Format(time.DateOnly)
	for _, w := range p.Waivers {
		if why, ok := unwaivable[w.Code]; ok {
			rep.Warn(plan.Join(w.Path, "code"), "remove the waiver and fix the finding: "+why,
				"%s findings cannot be waived", w.Code)
			continue
		}
		if w.Expires != "" {
			if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
				rep.Warn(plan.Join(w.Path, "expires"), "write the last day the waiver applies as YYYY-MM-DD",
					"waiver expires %q, which is not a calendar day: it accepts no finding", w.Expires)
				continue
			}
			if w.Expires < day {
				rep.Warn(plan.Join(w.Path, "expires"), "fix the finding, or review the reason and set a later expires day",
					"waiver of %s at %s expired on %s: its findings count again", w.Code, w.FindingPath, w.Expires)
				continue
			}
		}
		matched := false
		for i := range l {
			d := &l[i]
			if d.Code != w.Code || !w.Covers(d.Path) {
				continue
			}
			matched = true
			if d.Waived == nil { // the first waiver written that matches is the one the finding shows
				d.Waived = &diag.Waiver{Reason: w.Reason, Expires: w.Expires, Path: w.Path}
			}
		}
		if !matched {
			rep.Warn(w.Path, "remove the waiver, or correct its code and path to those ibcmc prints with the finding",
				"waiver of %s at %s matches no finding", w.Code, w.FindingPath)
		}
	}
	return append(l, rep.out...)
}
