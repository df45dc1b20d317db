package registry

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
)

// FuzzEmitters mutates one string literal of an example design (a name, a label or any free text; see
// mutate) into a fuzzed value. Whenever the mutated design compiles without errors, every emitter must succeed, every path
// must stay inside the output directory, two runs must write the same bytes, and a value can never start
// a line of its own in any artifact:
//
// Injection property: let M be injectMarker. When the fuzzed value contains M and every occurrence of M in
// it directly follows a line break (LF, CR, VT, FF, NEL, U+2028 or U+2029), no line of any emitted file
// (lines split at any of those breaks) may begin with M. Quoting a value, refusing it, or turning its
// breaks into spaces all keep M in the middle of a line; only a break that reached the artifact can put M
// at the start of one.

const injectMarker = "IBCMC-INJECTED"

// lineBreaks are the characters some consumer of an artifact reads as the end of a line.
const lineBreaks = "\n\r\v\f\u0085\u2028\u2029"

type example struct {
	name string
	src  []byte
	lits [][2]int // byte ranges of the single-line "…" string literals
}

func loadExamples(tb testing.TB) []example {
	paths, err := filepath.Glob("../../examples/*/site.cue")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no example designs: %v", err)
	}
	var out []example
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, example{name: filepath.Base(filepath.Dir(p)), src: src, lits: stringLiterals(src)})
	}
	return out
}

// stringLiterals lists the byte ranges of a CUE source's single-line double-quoted string literals,
// labels included, as the CUE scanner sees them (comments and multi-line strings are left alone).
func stringLiterals(src []byte) [][2]int {
	var s scanner.Scanner
	s.Init(token.NewFile("site.cue", -1, len(src)), src, nil, 0)
	var out [][2]int
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.STRING && strings.HasPrefix(lit, `"`) && !strings.HasPrefix(lit, `"""`) {
			out = append(out, [2]int{pos.Offset(), pos.Offset() + len(lit)})
		}
	}
}

// cueQuote writes v as a CUE string literal. CUE's escapes are Go's except that \x is for bytes literals
// only, so the \xNN that strconv.Quote writes for ASCII control characters becomes \u00NN. Invalid UTF-8
// cannot be written in a CUE string and is replaced first.
func cueQuote(v string) string {
	q := strconv.Quote(strings.ToValidUTF8(v, "\uFFFD"))
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			if q[i+1] == 'x' {
				b.WriteString(`\u00`)
			} else {
				b.WriteString(q[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// mutate replaces string literal number which (modulo the count) of ex by v, and with it every literal
// spelled the same, so that a renamed zone, system or authority is renamed in its references too and the
// design still resolves.
func mutate(ex example, which uint16, v string) []byte {
	r := ex.lits[int(which)%len(ex.lits)]
	old := string(ex.src[r[0]:r[1]])
	var b bytes.Buffer
	last := 0
	for _, l := range ex.lits {
		if string(ex.src[l[0]:l[1]]) == old {
			b.Write(ex.src[last:l[0]])
			b.WriteString(cueQuote(v))
			last = l[1]
		}
	}
	b.Write(ex.src[last:])
	return b.Bytes()
}

// injectionApplies reports whether v holds the marker only directly after line breaks.
func injectionApplies(v string) bool {
	if !strings.Contains(v, injectMarker) {
		return false
	}
	for i := 0; ; {
		j := strings.Index(v[i:], injectMarker)
		if j < 0 {
			return true
		}
		at := i + j
		if r, _ := utf8.DecodeLastRuneInString(v[:at]); at == 0 || !strings.ContainsRune(lineBreaks, r) {
			return false
		}
		i = at + len(injectMarker)
	}
}

// injectedLine returns the first line of content that begins with the marker.
func injectedLine(content string) (string, bool) {
	for _, line := range strings.FieldsFunc(content, func(r rune) bool { return strings.ContainsRune(lineBreaks, r) }) {
		if strings.HasPrefix(line, injectMarker) {
			return line, true
		}
	}
	return "", false
}

// TestInjectionProperty pins down when the fuzz target's injection check applies and what it catches.
func TestInjectionProperty(t *testing.T) {
	for v, want := range map[string]bool{
		"x\n" + injectMarker:                      true,
		"\u2028" + injectMarker + " & calc":       true,
		injectMarker:                              false, // a value may legitimately start a line
		"x " + injectMarker:                       false,
		"x\n" + injectMarker + " " + injectMarker: false,
		"no marker\n":                             false,
	} {
		if got := injectionApplies(v); got != want {
			t.Errorf("injectionApplies(%q) = %v, want %v", v, got, want)
		}
	}
	for content, want := range map[string]bool{
		"REM x\r\n" + injectMarker + " & calc\r\n": true,
		"a = \"x\"\v" + injectMarker:               true,
		"REM x " + injectMarker + "\n":             false,
		"a = \"x " + injectMarker + "\"\n":         false,
	} {
		if _, got := injectedLine(content); got != want {
			t.Errorf("injectedLine(%q) = %v, want %v", content, got, want)
		}
	}
}

// hostileValues are seeds for the fuzzed value: attacks on each artifact format and on file names.
var hostileValues = []string{
	"x\n" + injectMarker, "x\r\n" + injectMarker, "x\u2028" + injectMarker, "\n" + injectMarker + " & calc",
	"../../etc/passwd", "CON", "a/b", `a\b`, "a b", "x;y{z}#", `x" & calc & "`, "100%", "$host", "it's",
	"=cmd|' /C calc'!A0", "CN=x\nCN=" + injectMarker, "a\x00b", "",
}

func compileDesign(t *testing.T, src []byte) (*compiler.Result, bool) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "site.cue")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
	if err != nil {
		if strings.HasPrefix(err.Error(), "internal error") {
			t.Fatalf("compiler: %v", err)
		}
		return nil, false
	}
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		return nil, false
	}
	return res, true
}

func FuzzEmitters(f *testing.F) {
	examples := loadExamples(f)
	for i, ex := range examples {
		// Every literal once, with the hostile values in turn.
		for j := range ex.lits {
			f.Add(uint8(i), uint16(j), hostileValues[j%len(hostileValues)])
		}
	}
	opts := emit.Options{ToolVersion: "fuzz", CertDir: "/etc/ibcmc/pki"}
	f.Fuzz(func(t *testing.T, pick uint8, which uint16, v string) {
		ex := examples[int(pick)%len(examples)]
		res, ok := compileDesign(t, mutate(ex, which, v))
		if !ok {
			return
		}
		files, err := EmitAll(res.Plan, opts)
		if err != nil {
			t.Fatalf("%s with %q: EmitAll: %v", ex.name, v, err)
		}
		again, err := EmitAll(res.Plan, opts)
		if err != nil || len(again) != len(files) {
			t.Fatalf("%s with %q: second EmitAll: %d files, %v", ex.name, v, len(again), err)
		}
		inject := injectionApplies(v)
		for i, file := range files {
			if err := emit.CheckPath(file.Path); err != nil {
				t.Fatalf("%s with %q: %v", ex.name, v, err)
			}
			if again[i].Path != file.Path || !bytes.Equal(again[i].Content, file.Content) {
				t.Fatalf("%s with %q: %s differs between two runs", ex.name, v, file.Path)
			}
			if !inject {
				continue
			}
			if line, found := injectedLine(string(file.Content)); found {
				t.Fatalf("%s with %q: %s has the injected line %q", ex.name, v, file.Path, line)
			}
		}
	})
}
