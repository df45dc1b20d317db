package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hexops/autogold/v2"

	"github.com/ibcmc/ibcmc/bench"
	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

func exampleSource(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../examples/" + name + "/site.cue")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func planOf(t *testing.T, src string) *plan.Plan {
	t.Helper()
	res := testdesign.CompileOne(t, src)
	if res.Plan == nil {
		t.Fatalf("design does not compile: %v", res.Diagnostics)
	}
	return res.Plan
}

func replace(t *testing.T, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("the example no longer holds %q", old)
	}
	return strings.Replace(src, old, new, 1)
}

// fabrikamChange edits Fabrikam the way a pull request might: a new site code (every install line), a new
// internet-facing distribution point (flows, endpoint, proxy routes, certificates), the proxy's public
// address and product, the perimeter domain controller's address, a larger key (certificate requests and
// a finding), the kiosks renamed, and the new distribution point's load warning waived.
func fabrikamChange(t *testing.T) (before, after string) {
	src := exampleSource(t, "fabrikam-perimeter")
	s := replace(t, src, `code:    "FAB"`, `code:    "FAC"`)
	s = replace(t, s, `	"cmmp01": {`, `	"cmdp02": {
		fqdn: {intranet: "cmdp02.dmz.fabrikam.com", internet: "dp2.fabrikam.com"}
		zone:                "perimeter"
		address:             "172.16.50.23"
		forest:              "dmz.fabrikam.com"
		siteServerInitiates: true
		installAccount:      "CORP\\svc-cm-install"
		roles: distributionPoint: {connections: "https", allow: "internet"}
	}
	"cmmp01": {`)
	s = replace(t, s, `systems: ["cmibcm01", "cmfsp01"]`, `systems: ["cmibcm01", "cmfsp01", "cmdp02"]`)
	s = replace(t, s, `public:  "203.0.113.10"`, `public:  "203.0.113.11"`)
	s = replace(t, s, `product: "nginx"`, `product: "haproxy"`)
	s = replace(t, s, `address: "172.16.50.5"`, `address: "172.16.50.6"`)
	s = replace(t, s, `keyLength: 2048`, `keyLength: 4096`)
	s = replace(t, s, `	"pos-kiosks": {`, `	"pos-terminals": {`)
	s += "\nwaivers: [{code: \"IB702\", path: \"systems.cmdp02\", reason: \"a third distribution point arrives in June\", expires: \"2031-06-30\"}]\n"
	return src, s
}

func diffSources(t *testing.T, before, after string) *Result {
	t.Helper()
	return &Result{Old: "main:site.cue", New: "site.cue", Entities: Plans(planOf(t, before), planOf(t, after))}
}

func render(t *testing.T, r *Result) (text, markdown, js string) {
	t.Helper()
	var tb, mb, jb bytes.Buffer
	if err := WriteText(&tb, r, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&mb, r, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&jb, r); err != nil {
		t.Fatal(err)
	}
	return tb.String(), mb.String(), jb.String()
}

// goFieldNames are the exported field names of the plan's entity types: none may reach a reviewer.
func goFieldNames() []string {
	var names []string
	for _, v := range []any{plan.Flow{}, plan.Endpoint{}, plan.CertRequest{}, plan.InstallProfile{}, plan.Param{},
		plan.Refusal{}, plan.ProxyRoute{}, plan.PortRange{}, diag.Diagnostic{}, diag.Pos{}, diag.Waiver{}} {
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			if rt.Field(i).IsExported() {
				names = append(names, rt.Field(i).Name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// dumps lists where text shows a Go value dump or a Go field name: "{Name=… Also=[] …}", "ToAddress",
// "CommonName:" and the like. Field names that are also English words (Purpose, Hash) count only in dump
// position, followed by = or :.
func dumps(text string) []string {
	var found []string
	context := func(i, j int) string { return text[max(0, i-80):min(len(text), j+80)] }
	for _, bad := range []string{"{", "}", "=[]", "[]", "map[", "<nil>", "%!", "&{"} {
		if i := strings.Index(text, bad); i >= 0 {
			found = append(found, fmt.Sprintf("%q: …%s…", bad, context(i, i+len(bad))))
		}
	}
	for _, name := range goFieldNames() {
		camel := regexp.MustCompile(`^[A-Z][a-z]+[A-Z]`).MatchString(name) || strings.ToUpper(name) == name
		pattern := `\b` + name + `[=:]`
		if camel {
			pattern = `\b` + name + `\b`
		}
		if loc := regexp.MustCompile(pattern).FindStringIndex(text); loc != nil {
			found = append(found, fmt.Sprintf("Go field name %s: …%s…", name, context(loc[0], loc[1])))
		}
	}
	return found
}

func refuseDumps(t *testing.T, what, text string) {
	t.Helper()
	for _, d := range dumps(text) {
		t.Errorf("%s shows %s", what, d)
	}
}

// The detector finds what issue reviewers saw: a struct dump and internal field names.
func TestDumpsAreDetected(t *testing.T) {
	for _, text := range []string{
		"Properties: `[{Name=SMSSITECODE Value=FAB Origin=site.code Also=[] EnvRef=false}]`",
		"ToAddress: 10.0.0.5",
		"changed ToAddresses",
		"Hash: sha256",
	} {
		if len(dumps(text)) == 0 {
			t.Errorf("%q passes", text)
		}
	}
	if d := dumps("SMSSITECODE=FAB → SMSSITECODE=FAC; to addresses: 10.0.0.5 → 10.0.0.6; hash: sha256"); len(d) > 0 {
		t.Errorf("user words refused: %v", d)
	}
}

// jsonKeys are the documented names of diff --format json.
var jsonKeys = []string{"old", "new", "changes", "kind", "id", "action", "summary", "fields", "name", "value", "items",
	"before", "after", "added", "removed", "files", "path", "diff", "add", "change", "remove"}

// walkJSON checks every key against the documented names and every string value like the text outputs.
func walkJSON(t *testing.T, v any, strs *strings.Builder) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !slices.Contains(jsonKeys, k) {
				t.Errorf("JSON key %q is not one of the documented names", k)
			}
			walkJSON(t, e, strs)
		}
	case []any:
		for _, e := range x {
			walkJSON(t, e, strs)
		}
	case string:
		strs.WriteString(x + "\n")
	}
}

// Every kind of change of two rich diffs — one edited design, and one example replaced by another — reads
// in the user's words in all three formats.
func TestEveryChangeReadsInUserWords(t *testing.T) {
	before, after := fabrikamChange(t)
	results := []*Result{
		diffSources(t, before, after),
		diffSources(t, exampleSource(t, "fabrikam-perimeter"), exampleSource(t, "woodgrove-cmg")),
		diffSources(t, exampleSource(t, "contoso-ibcm"), exampleSource(t, "homelab")),
	}
	seen := map[string]bool{}
	for _, r := range results {
		for _, e := range r.Entities {
			seen[e.Kind+" "+string(e.Action)] = true
		}
		text, md, js := render(t, r)
		refuseDumps(t, "text", text)
		refuseDumps(t, "markdown", md)
		var v any
		if err := json.Unmarshal([]byte(js), &v); err != nil {
			t.Fatal(err)
		}
		var strs strings.Builder
		walkJSON(t, v, &strs)
		refuseDumps(t, "JSON values", strs.String())
	}
	for _, k := range kinds {
		for _, a := range []Action{Add, Change, Remove} {
			if !seen[k.Name+" "+string(a)] && !(k.Name == "finding" && a == Change) {
				t.Errorf("no %s %s among the test diffs: the test does not cover it", k.Name, a)
			}
		}
	}
}

// The reviewer's words for each kind, pinned in the text rendering.
func TestChangesReadAsReviewersSpellThem(t *testing.T) {
	before, after := fabrikamChange(t)
	text, _, _ := render(t, diffSources(t, before, after))
	for _, want := range []string{
		// A property as on the command line.
		"  ~ install line roaming-laptops\n",
		"      SMSSITECODE=FAB → SMSSITECODE=FAC\n",
		// A flow names its ends' addresses, so a reviewer sees what it opens.
		"  + flow edge-to-cmdp02-tcp-443\n      edge (172.16.50.10) → cmdp02 (172.16.50.23) 443/tcp: ",
		"      to addresses: 172.16.50.5 → 172.16.50.6\n",
		"any (0.0.0.0/0, ::/0) → edge (public 203.0.113.11, forwarded to 172.16.50.10) 443/tcp",
		// A publishing entry's public address and where it forwards to.
		"      public address: 203.0.113.10 → 203.0.113.11\n",
		"      product: nginx → haproxy\n",
		// A certificate by its request and names.
		"  ~ certificate request cmibcm01-webserver\n",
		"      key length: 2048 → 4096\n",
		"      DNS names: added dp2.fabrikam.com\n",
		// Install lines of a renamed population: one removed, one added.
		"  - install line pos-kiosks\n",
		"  + install line pos-terminals\n",
		// A waived finding says so, with the reason.
		"  + finding IB702 systems.cmdp02.roles.distributionPoint\n      warning IB702 distribution-point-load: 18,600 internet clients over 2 internet-facing distribution point(s) is 9,300 per distribution point; one supports 4,000 (waived: a third distribution point arrives in June)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

// The pull-request comment of a representative change, pinned. Update with `go test ./review -update`.
func TestMarkdownPinned(t *testing.T) {
	before, after := fabrikamChange(t)
	_, md, _ := render(t, diffSources(t, before, after))
	autogold.ExpectFile(t, autogold.Raw(md), autogold.Name("fabrikam-change"))

	// The smallest review: one property of one install line.
	home := exampleSource(t, "homelab")
	_, md, _ = render(t, diffSources(t, home, replace(t, home, `code:        "LAB"`, `code:        "LBB"`)))
	autogold.ExpectFile(t, autogold.Raw(md), autogold.Name("homelab-site-code"))
}

// A generated large change: a 300-system design grown to 600 systems, with another site code.
func largeChange(t *testing.T) *Result {
	t.Helper()
	before := bench.Design(300)
	after := strings.Replace(bench.Design(600), `code:    "BIG"`, `code:    "BIH"`, 1)
	return diffSources(t, before, after)
}

// The pull-request comment of a change too large for one: counts first, each kind folded, and for every
// kind cut, a line saying how many changes are not shown; shown and not shown add up to the count.
func TestMarkdownStaysWithinGitHubsLimit(t *testing.T) {
	r := largeChange(t)
	text, md, _ := render(t, r)
	if len(md) > MaxMarkdown {
		t.Fatalf("markdown is %d bytes, over %d", len(md), MaxMarkdown)
	}
	if len(text) < 4*MaxMarkdown {
		t.Fatalf("the generated change is too small to need cutting (%d bytes of text)", len(text))
	}
	table := strings.Index(md, "| | to add | to change | to remove |")
	if first := strings.Index(md, "<details"); table < 0 || first < table {
		t.Errorf("the counts do not come first:\n%s", md[:min(len(md), 2000)])
	}
	summaryRe := regexp.MustCompile(`<details(?: open)?><summary><b>([^<]+)</b>: ([^<]+)</summary>`)
	moreRe := regexp.MustCompile(`\*\*(\d+) more ([a-z ]+) not shown\*\* to keep this comment within GitHub's size limit: ` +
		"`ibcmc diff` with `--format text` or `--format json` lists every change.")
	groupRe := regexp.MustCompile(` and (\d+) more \| `)
	blocks := strings.Split(md, "</details>")
	cut := 0
	for _, c := range countKinds(r) {
		var block string
		for _, b := range blocks {
			if m := summaryRe.FindStringSubmatch(b); m != nil && m[1] == c.kind.Title {
				block = b
				if m[2] != c.String() {
					t.Errorf("%s: summary %q, want %q", c.kind.Title, m[2], c.String())
				}
			}
		}
		if block == "" {
			t.Errorf("no folded section for %s", c.kind.Title)
			continue
		}
		shown := 0
		for _, line := range strings.Split(block, "\n") {
			if !strings.HasPrefix(line, "| `") {
				continue
			}
			cells := strings.Split(line, " | ")
			shown += strings.Count(cells[1], "`, `") + 1
			if m := groupRe.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				shown += n
			}
		}
		notShown := 0
		if m := moreRe.FindStringSubmatch(block); m != nil {
			notShown, _ = strconv.Atoi(m[1])
			if m[2] != c.kind.Plural {
				t.Errorf("%s: the cut line counts %q", c.kind.Title, m[2])
			}
			cut++
		}
		if shown == 0 || shown+notShown != c.total() {
			t.Errorf("%s: %d shown + %d not shown, want %d in all, at least one shown", c.kind.Title, shown, notShown, c.total())
		}
	}
	if cut == 0 {
		t.Error("nothing was cut")
	}
}

// One kind with thousands of changes does not crowd out a small one.
func TestFitSharesTheRoomFairly(t *testing.T) {
	big := &section{head: "big\n", noun: "flows", where: "run it locally"}
	for i := 0; i < 5000; i++ {
		big.rows, big.counts = append(big.rows, strings.Repeat("f", 99)+"\n"), append(big.counts, 1)
	}
	small := &section{head: "small\n", noun: "install lines", rows: []string{"a\n", "b\n"}, counts: []int{1, 1}}
	fit([]*section{big, small}, 10000)
	if small.shown != 2 {
		t.Errorf("small section shows %d of 2 rows", small.shown)
	}
	if got := len(big.String()) + len(small.String()); got > 10000 || big.shown < 90 {
		t.Errorf("big section shows %d rows, %d bytes in all", big.shown, got)
	}
	if !strings.Contains(big.String(), fmt.Sprintf("**%d more flows not shown** to keep this comment within GitHub's size limit: run it locally.\n", 5000-big.shown)) {
		t.Errorf("no cut line: %s", big.String()[len(big.String())-300:])
	}
}

func TestEmptyDiff(t *testing.T) {
	src := exampleSource(t, "woodgrove-cmg")
	r := diffSources(t, src, src)
	text, md, js := render(t, r)
	if !r.Empty() || !strings.Contains(text, "No changes: both designs produce the same findings") ||
		!strings.Contains(md, "No changes to findings, flows") || !strings.Contains(js, `"changes": []`) {
		t.Errorf("an unchanged design:\n%s\n%s\n%s", text, md, js)
	}
}

// Every field of the plan's entities that a reviewer can act on shows in the comparison: changing it
// changes the entity's attributes. The rest are listed here with the reason they are left out; a field
// added to the plan fails this test until it is described (describe.go) or listed.
var notCompared = map[string]string{
	"Flow.ID": "the key", "Endpoint.ID": "the key", "ProxyRoute.ID": "the key", "CertRequest.ID": "the key",
	"InstallProfile.ID": "the key",
	"Flow.Path":         "where in the design", "Endpoint.Path": "where in the design", "ProxyRoute.Path": "where in the design",
	"CertRequest.Path": "where in the design", "InstallProfile.Path": "where in the design",
	"Diagnostic.Pos":   "a finding that moves lines is the same finding",
	"Flow.FromAddress": "FromAddresses, joined", "Flow.ToAddress": "ToAddresses, joined",
	"InstallProfile.CommandLine": "made of Program, Params and Properties; the summary",
	"Param.Origin":               "where in the design", "Param.Also": "where in the design",
	"Param.Why": "explains the value", "Param.EnvRef": "the value already reads %VARIABLE%",
}

// mutate changes one field's value.
func mutate(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "-changed")
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Slice:
		elem := reflect.New(v.Type().Elem()).Elem()
		switch elem.Kind() {
		case reflect.String:
			elem.SetString("changed")
		case reflect.Struct:
			for i := 0; i < elem.NumField(); i++ {
				mutate(t, elem.Field(i))
			}
		}
		v.Set(reflect.Append(v.Slice3(0, v.Len(), v.Len()), elem))
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			mutate(t, v.Field(i))
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		mutate(t, p.Elem())
		v.Set(p)
	default:
		t.Fatalf("cannot mutate a %s", v.Kind())
	}
}

// checkFields mutates each exported field of *x in turn and checks that describe tells the difference.
func checkFields[T any](t *testing.T, typ string, x T, describe func(*T) entity) {
	base := describe(&x).fields
	rt := reflect.TypeOf(x)
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name := typ + "." + f.Name
		if !f.IsExported() {
			continue
		}
		y := x
		mutate(t, reflect.ValueOf(&y).Elem().Field(i))
		changed := len(fieldChanges(base, describe(&y).fields)) > 0
		if _, skip := notCompared[name]; skip {
			if changed && !strings.HasSuffix(name, ".ID") {
				t.Errorf("%s is listed as not compared, but it is", name)
			}
			continue
		}
		if !changed {
			t.Errorf("a change of %s does not show in the diff: describe it, or list it in notCompared with why", name)
		}
	}
}

func TestEveryPlanFieldIsCompared(t *testing.T) {
	_, after := fabrikamChange(t)
	p := planOf(t, after)
	checkFields(t, "Flow", *p.Flows[0], flowEntity)
	checkFields(t, "Endpoint", *p.Endpoints[0], endpointEntity)
	checkFields(t, "ProxyRoute", *p.ProxyRoutes[0], routeEntity)
	checkFields(t, "CertRequest", *p.CertRequests[0], certEntity)
	checkFields(t, "InstallProfile", *p.Installs[0], installEntity)
	checkFields(t, "Diagnostic", p.Findings[0], func(d *diag.Diagnostic) entity { return findingEntity(finding{id: "x", d: *d}) })
	install := *p.Installs[0]
	checkFields(t, "Param", install.Properties[0], func(x *plan.Param) entity {
		in := install
		in.Properties = append([]plan.Param{*x}, install.Properties[1:]...)
		return installEntity(&in)
	})
}

// With --files, file diffs share the same limit; those that do not fit are counted.
func TestMarkdownFilesWithinLimit(t *testing.T) {
	before, after := fabrikamChange(t)
	r := diffSources(t, before, after)
	for i := 0; i < 40; i++ {
		r.Files = append(r.Files, FileChange{Path: fmt.Sprintf("firewall/host-%02d.ps1", i), Action: Change,
			Diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-" + strings.Repeat("old ", 500) + "\n+" + strings.Repeat("new ", 500) + "\n"})
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r, true); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if len(md) > MaxMarkdown || !strings.Contains(md, "<details><summary><b>Changed files</b>: 40</summary>") ||
		!regexp.MustCompile("\\*\\*\\d+ more changed files not shown\\*\\* to keep this comment within GitHub's size limit: `ibcmc diff --files` with `--format text` shows every file.").MatchString(md) ||
		!strings.Contains(md, "`firewall/host-00.ps1`\n\n```diff\n--- a/x\n") {
		t.Errorf("%d bytes:\n%s", len(md), md[max(0, len(md)-3000):])
	}
	// Files do not crowd out the changes of the review.
	if !strings.Contains(md, "`SMSSITECODE=FAB` → `SMSSITECODE=FAC`") {
		t.Error("the install line change was crowded out by files")
	}
}
