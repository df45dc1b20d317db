package escape

import (
	"strings"
	"testing"
)

// TestEscapeTablesMatchReplacers pins Markdown and MermaidLabel, which escape through byte tables, to the
// strings.Replacer they replaced: every byte alone, next to text, and doubled, and a few mixed values.
func TestEscapeTablesMatchReplacers(t *testing.T) {
	md := strings.NewReplacer(
		`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`,
		"#", `\#`, "&", "&amp;",
	)
	mermaid := strings.NewReplacer(
		`"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "|", "#124;", "`", "#96;", "[", "#91;", "]", "#93;",
		"{", "#123;", "}", "#125;", ";", "#59;", "#", "#35;",
	)
	values := []string{"", "plain", "a|b`c*d_e<f>g[h]i#j&k\\l", `say "hi"; {x}`, "caf\xc3\xa9 \xff", "x\ny\u2028z"}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		values = append(values, s, "a"+s+"b", s+s)
	}
	for _, v := range values {
		if got, want := Markdown(v), md.Replace(OneLine(v)); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", v, got, want)
		}
		if got, want := MermaidLabel(v), mermaid.Replace(OneLine(v)); got != want {
			t.Errorf("MermaidLabel(%q) = %q, want %q", v, got, want)
		}
		var b strings.Builder
		WriteMarkdown(&b, v)
		if got := b.String(); got != Markdown(v) {
			t.Errorf("WriteMarkdown(%q) = %q, Markdown %q", v, got, Markdown(v))
		}
		b.Reset()
		WriteMarkdownCode(&b, v)
		if got := b.String(); got != MarkdownCode(v) {
			t.Errorf("WriteMarkdownCode(%q) = %q, MarkdownCode %q", v, got, MarkdownCode(v))
		}
		b.Reset()
		WriteMermaidLabel(&b, v)
		if got := b.String(); got != MermaidLabel(v) {
			t.Errorf("WriteMermaidLabel(%q) = %q, MermaidLabel %q", v, got, MermaidLabel(v))
		}
	}
}
