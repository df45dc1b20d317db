// Package testdesign compiles small designs written inline in tests.
package testdesign

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Compile writes each file (name → content) into a temporary directory and compiles them together; the
// diagnostics' positions are relative to that directory, so they read "site.cue:12:3".
func Compile(t testing.TB, files map[string]string) *compiler.Result {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	res, err := compiler.Compile(sorted(paths), compiler.Options{Cwd: dir})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return res
}

// CompileOne compiles a single site.cue.
func CompileOne(t testing.TB, src string) *compiler.Result {
	t.Helper()
	return Compile(t, map[string]string{"site.cue": src})
}

// Example compiles one of the example designs under examples/ (path relative to the repository root).
func Example(t testing.TB, root, name string) *compiler.Result {
	t.Helper()
	res, err := compiler.Compile([]string{filepath.Join(root, "examples", name, "site.cue")}, compiler.Options{Cwd: root})
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return res
}

// Examples are the names of the example designs under examples/.
var Examples = []string{"contoso-ibcm", "fabrikam-perimeter", "homelab", "woodgrove-cmg"}

// ExamplePlan compiles an example design and fails the test unless it yields a plan.
func ExamplePlan(t testing.TB, root, name string) *plan.Plan {
	t.Helper()
	res := Example(t, root, name)
	if res.Plan == nil {
		t.Fatalf("%s did not compile: %v", name, res.Diagnostics)
	}
	return res.Plan
}

// Codes returns the codes of the diagnostics, in order.
func Codes(l diag.List) []string {
	out := make([]string, 0, len(l))
	for _, d := range l {
		out = append(out, d.Code)
	}
	return out
}

// Find returns the diagnostics with a code.
func Find(l diag.List, code string) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Code == code {
			out = append(out, d)
		}
	}
	return out
}

func sorted(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// CertRequest returns the plan's certificate request with this ID, or fails the test.
func CertRequest(t testing.TB, p *plan.Plan, id string) *plan.CertRequest {
	t.Helper()
	for _, r := range p.CertRequests {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no request %s", id)
	return nil
}
