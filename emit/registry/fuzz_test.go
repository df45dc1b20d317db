package registry

import (
	"bytes"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// FuzzEmitters mutates one string literal of an example design (a name, a label or any free text; see
// mutate) into a fuzzed value. Whenever the mutated design compiles without errors, every emitter must succeed, every path
// must stay inside the output directory, two runs must write the same bytes, and a value can never start
// a line of its own in any artifact:
//
// Injection property: let M be testdesign.InjectMarker. When the fuzzed value contains M and every occurrence of M in
// it directly follows a line break (LF, CR, VT, FF, NEL, U+2028 or U+2029), no line of any emitted file
// (lines split at any of those breaks) may begin with M. Quoting a value, refusing it, or turning its
// breaks into spaces all keep M in the middle of a line; only a break that reached the artifact can put M
// at the start of one.

// TestInjectionProperty pins down when the fuzz target's injection check applies and what it catches.
func TestInjectionProperty(t *testing.T) {
	for v, want := range map[string]bool{
		"x\n" + testdesign.InjectMarker:                                 true,
		"\u2028" + testdesign.InjectMarker + " & calc":                  true,
		testdesign.InjectMarker:                                         false, // a value may legitimately start a line
		"x " + testdesign.InjectMarker:                                  false,
		"x\n" + testdesign.InjectMarker + " " + testdesign.InjectMarker: false,
		"no marker\n": false,
	} {
		if got := testdesign.InjectionApplies(v); got != want {
			t.Errorf("testdesign.InjectionApplies(%q) = %v, want %v", v, got, want)
		}
	}
	for content, want := range map[string]bool{
		"REM x\r\n" + testdesign.InjectMarker + " & calc\r\n": true,
		"a = \"x\"\v" + testdesign.InjectMarker:               true,
		"REM x " + testdesign.InjectMarker + "\n":             false,
		"a = \"x " + testdesign.InjectMarker + "\"\n":         false,
	} {
		if _, got := testdesign.InjectedLine(content); got != want {
			t.Errorf("testdesign.InjectedLine(%q) = %v, want %v", content, got, want)
		}
	}
}

// hostileValues are seeds for the fuzzed value: attacks on each artifact format and on file names.
var hostileValues = []string{
	"x\n" + testdesign.InjectMarker, "x\r\n" + testdesign.InjectMarker, "x\u2028" + testdesign.InjectMarker, "\n" + testdesign.InjectMarker + " & calc",
	"../../etc/passwd", "CON", "a/b", `a\b`, "a b", "x;y{z}#", `x" & calc & "`, "100%", "$host", "it's",
	"=cmd|' /C calc'!A0", "CN=x\nCN=" + testdesign.InjectMarker, "a\x00b", "",
}

func compileDesign(t *testing.T, src []byte) (*compiler.Result, bool) {
	t.Helper()
	res := testdesign.CompileMutated(t, src)
	if res == nil || res.Plan == nil || res.Diagnostics.HasErrors(false) {
		return nil, false
	}
	return res, true
}

func FuzzEmitters(f *testing.F) {
	examples := testdesign.LoadExamples(f, "../..")
	for i, ex := range examples {
		// Every literal once, with the hostile values in turn.
		for j := range ex.Lits {
			f.Add(uint8(i), uint16(j), hostileValues[j%len(hostileValues)])
		}
	}
	opts := emit.Options{ToolVersion: "fuzz", CertDir: "/etc/ibcmc/pki"}
	f.Fuzz(func(t *testing.T, pick uint8, which uint16, v string) {
		ex := examples[int(pick)%len(examples)]
		res, ok := compileDesign(t, ex.Mutate(which, v))
		if !ok {
			return
		}
		files, err := EmitAll(res.Plan, opts)
		if err != nil {
			t.Fatalf("%s with %q: EmitAll: %v", ex.Name, v, err)
		}
		again, err := EmitAll(res.Plan, opts)
		if err != nil || len(again) != len(files) {
			t.Fatalf("%s with %q: second EmitAll: %d files, %v", ex.Name, v, len(again), err)
		}
		inject := testdesign.InjectionApplies(v)
		for i, file := range files {
			if err := emit.CheckPath(file.Path); err != nil {
				t.Fatalf("%s with %q: %v", ex.Name, v, err)
			}
			if again[i].Path != file.Path || !bytes.Equal(again[i].Content, file.Content) {
				t.Fatalf("%s with %q: %s differs between two runs", ex.Name, v, file.Path)
			}
			if !inject {
				continue
			}
			if line, found := testdesign.InjectedLine(string(file.Content)); found {
				t.Fatalf("%s with %q: %s has the injected line %q", ex.Name, v, file.Path, line)
			}
		}
	})
}
