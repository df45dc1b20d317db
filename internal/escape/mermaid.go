package escape

import (
	"io"
)

// mermaidEscapes are the entity codes MermaidLabel writes.
var mermaidEscapes = byteEscapes(
	`"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "|", "#124;", "`", "#96;", "[", "#91;", "]", "#93;",
	"{", "#123;", "}", "#125;", ";", "#59;", "#", "#35;",
)

// MermaidLabel escapes text for a quoted Mermaid label ("…"): quotes, brackets, pipes, HTML and line breaks
// become entity codes or spaces, so a value cannot close the label or add a statement.
func MermaidLabel(s string) string { return mermaidEscapes.oneLine(s) }

// WriteMermaidLabel writes MermaidLabel(s) to w, an in-memory writer.
func WriteMermaidLabel(w io.StringWriter, s string) {
	mermaidEscapes.write(w, OneLine(s))
}
