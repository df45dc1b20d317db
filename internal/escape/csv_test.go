package escape

import (
	"strings"
	"testing"
)

func TestCSVField(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cmibcm01", "cmibcm01"},
		{"", ""},
		{"135 445 49152-65535", "135 445 49152-65535"},
		{"a,b", `"a,b"`},
		{`say "hi"`, `"say ""hi"""`},
		{"two\nlines\r\nhere", "two lines  here"},
		{"nul\x00byte", "nul byte"},
		{"=HYPERLINK(\"http://x\")", `"'=HYPERLINK(""http://x"")"`},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "' =1+1"},
		{" lead", `" lead"`},
		{"a;b&c|d<e>f^g%h{i}", `"a;b&c|d<e>f^g%h{i}"`},
		{"a;=1+2", `"a;=1+2"`}, // one cell where ; separates cells, so never a formula
		{"b&c|d<e>f^g%h{i}", "b&c|d<e>f^g%h{i}"},
		{"10.20.0.0/16 172.16.50.0/24", "10.20.0.0/16 172.16.50.0/24"},
	}
	for _, c := range cases {
		if got := CSVField(c.in); got != c.want {
			t.Errorf("CSVField(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCSVRecord(t *testing.T) {
	got := CSVRecord("id", "a,b", "line\nbreak", "=cmd|' /C calc'!A0")
	want := "id,\"a,b\",line break,'=cmd|' /C calc'!A0\r\n"
	if got != want {
		t.Errorf("CSVRecord = %q, want %q", got, want)
	}
}

// TestCSVFieldMatchesReference pins AppendCSVField to the string code it replaced.
func TestCSVFieldMatchesReference(t *testing.T) {
	reference := func(s string) string {
		s = OneLine(s)
		if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
			s = "'" + s
		}
		if strings.ContainsAny(s, `",;`) || strings.TrimSpace(s) != s {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	values := []string{"", " ", "plain", `a"b`, `""`, "a,b", " x", "x ", "=1+2", "  -x", "@a\"b", "x\ny", "\t=x", "caf\xc3"}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		values = append(values, s, "a"+s+"b", s+s, " "+s)
	}
	for _, v := range values {
		if got, want := CSVField(v), reference(v); got != want {
			t.Errorf("CSVField(%q) = %q, want %q", v, got, want)
		}
	}
	if got := CSVRecord("a", "b,c", ""); got != "a,\"b,c\",\r\n" {
		t.Errorf("CSVRecord = %q", got)
	}
}
