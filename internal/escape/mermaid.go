package escape

import "strings"

var mermaidReplacer = strings.NewReplacer(
	`"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "|", "#124;", "`", "#96;", "[", "#91;", "]", "#93;",
	"{", "#123;", "}", "#125;", ";", "#59;", "#", "#35;",
)

// MermaidLabel escapes text for a quoted Mermaid label ("…"): quotes, brackets, pipes, HTML and line breaks
// become entity codes or spaces, so a value cannot close the label or add a statement.
func MermaidLabel(s string) string {
	return mermaidReplacer.Replace(OneLine(s))
}
