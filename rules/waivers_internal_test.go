package rules

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// A waiver applies through its expires day (UTC) and stops the day after; a finding shows the first
// waiver written that matches it, and only findings of the waiver's code at or below its path are waived.
func TestApplyWaiversDaysAndMatching(t *testing.T) {
	defer func(f func() time.Time) { today = f }(today)
	today = func() time.Time { return time.Date(2027, 6, 30, 23, 59, 0, 0, time.UTC) }
	findings := func() diag.List {
		return diag.List{
			{Code: "IB403", Severity: diag.Warning, Path: "publishing.router.mode"},
			{Code: "IB403", Severity: diag.Warning, Path: "publishing.routerB.mode"}, // a sibling, not below
			{Code: "IB216", Severity: diag.Warning, Path: "publishing.router.mode"},
		}
	}
	p := &plan.Plan{Waivers: []*plan.Waiver{
		{Path: "waivers[0]", Code: "IB403", FindingPath: "publishing.router", Reason: "lab only", Expires: "2027-06-30"},
		{Path: "waivers[1]", Code: "IB403", FindingPath: "publishing.router.mode", Reason: "second"},
	}}
	got := applyWaivers(p, findings())
	want := diag.List{
		{Code: "IB403", Severity: diag.Warning, Path: "publishing.router.mode", Waived: &diag.Waiver{Reason: "lab only", Expires: "2027-06-30", Path: "waivers[0]"}},
		{Code: "IB403", Severity: diag.Warning, Path: "publishing.routerB.mode"},
		{Code: "IB216", Severity: diag.Warning, Path: "publishing.router.mode"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("on the last day (-want +got):\n%s", d)
	}
	if e, w := got.Count(); e != 0 || w != 2 || got.Waived() != 1 || got.Strict().HasErrors(false) != true {
		t.Errorf("counts: %d errors, %d warnings, %d waived", e, w, got.Waived())
	}

	today = func() time.Time { return time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC) }
	got = applyWaivers(p, findings())
	if got[0].Waived == nil || got[0].Waived.Path != "waivers[1]" {
		t.Errorf("the day after: finding should fall to the waiver without an end, got %+v", got[0].Waived)
	}
	last := got[len(got)-1]
	if last.Code != "IB001" || last.Path != "waivers[0].expires" || last.Severity != diag.Warning {
		t.Errorf("the day after: want IB001 at waivers[0].expires, got %+v", last)
	}
}

// A waived error no longer fails the build, and --strict leaves a waived warning a warning.
func TestWaivedFindingsDoNotCount(t *testing.T) {
	l := diag.List{
		{Code: "IB403", Severity: diag.Error, Path: "publishing.router.mode", Waived: &diag.Waiver{Reason: "lab", Path: "waivers[0]"}},
		{Code: "IB216", Severity: diag.Warning, Path: "systems.cm.forest", Waived: &diag.Waiver{Reason: "no DCs in the lab", Path: "waivers[1]"}},
	}
	if l.HasErrors(false) || l.Strict().HasErrors(false) {
		t.Errorf("waived findings count: %+v", l.Strict())
	}
	if l.Strict()[1].Severity != diag.Warning {
		t.Error("--strict promoted a waived warning")
	}
}
