package testdesign

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
)

// The fuzz targets of emit/registry and review mutate the example designs the same way: one string literal
// (a name, a label or any free text), and every literal spelled the same, replaced by a fuzzed value.
//
// Injection property: let M be InjectMarker. When the fuzzed value contains M and every occurrence of M in
// it directly follows a line break (LF, CR, VT, FF, NEL, U+2028 or U+2029), no line of any output (lines
// split at any of those breaks) may begin with M. Quoting a value, refusing it, or turning its breaks into
// spaces all keep M in the middle of a line; only a break that reached the output can put M at the start
// of one.

// InjectMarker is what a fuzzed value tries to put at the start of a line.
const InjectMarker = "IBCMC-INJECTED"

// LineBreaks are the characters some consumer of an artifact reads as the end of a line.
const LineBreaks = "\n\r\v\f\u0085\u2028\u2029"

// Source is an example design and the byte ranges of its string literals.
type Source struct {
	Name string
	Src  []byte
	Lits [][2]int // byte ranges of the single-line "…" string literals
}

// LoadExamples reads examples/*/site.cue below the repository root.
func LoadExamples(tb testing.TB, root string) []Source {
	paths, err := filepath.Glob(filepath.Join(root, "examples", "*", "site.cue"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no example designs: %v", err)
	}
	var out []Source
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Source{Name: filepath.Base(filepath.Dir(p)), Src: src, Lits: StringLiterals(src)})
	}
	return out
}

// StringLiterals lists the byte ranges of a CUE source's single-line double-quoted string literals,
// labels included, as the CUE scanner sees them (comments and multi-line strings are left alone).
func StringLiterals(src []byte) [][2]int {
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

// CUEQuote writes v as a CUE string literal. CUE's escapes are Go's except that \x is for bytes literals
// only, so the \xNN that strconv.Quote writes for ASCII control characters becomes \u00NN. Invalid UTF-8
// cannot be written in a CUE string and is replaced first.
func CUEQuote(v string) string {
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

// Mutate replaces string literal number which (modulo the count) of ex by v, and with it every literal
// spelled the same, so that a renamed zone, system or authority is renamed in its references too and the
// design still resolves.
func (ex Source) Mutate(which uint16, v string) []byte {
	r := ex.Lits[int(which)%len(ex.Lits)]
	old := string(ex.Src[r[0]:r[1]])
	var b bytes.Buffer
	last := 0
	for _, l := range ex.Lits {
		if string(ex.Src[l[0]:l[1]]) == old {
			b.Write(ex.Src[last:l[0]])
			b.WriteString(CUEQuote(v))
			last = l[1]
		}
	}
	b.Write(ex.Src[last:])
	return b.Bytes()
}

// InjectionApplies reports whether v holds the marker only directly after line breaks.
func InjectionApplies(v string) bool {
	if !strings.Contains(v, InjectMarker) {
		return false
	}
	for i := 0; ; {
		j := strings.Index(v[i:], InjectMarker)
		if j < 0 {
			return true
		}
		at := i + j
		if r, _ := utf8.DecodeLastRuneInString(v[:at]); at == 0 || !strings.ContainsRune(LineBreaks, r) {
			return false
		}
		i = at + len(InjectMarker)
	}
}

// InjectedLine returns the first line of content that begins with the marker.
func InjectedLine(content string) (string, bool) {
	for _, line := range strings.FieldsFunc(content, func(r rune) bool { return strings.ContainsRune(LineBreaks, r) }) {
		if strings.HasPrefix(line, InjectMarker) {
			return line, true
		}
	}
	return "", false
}

// CompileMutated compiles a fuzzed design source as the CLI would: nil when it is refused as input (a usage
// error); an internal error fails the test.
func CompileMutated(t *testing.T, src []byte) *compiler.Result {
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
		return nil
	}
	return res
}
